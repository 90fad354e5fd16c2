"""The connection page of the admin (the administrators'): the next steps as buttons, a note, a conflict, in a real
browser; a staff member is not let in."""

import pytest
from playwright.sync_api import expect

from connections.models import ConnectionEvent
from connections.services.staff import staff_groups_sync
from tests.browser.conftest import assert_accessible, sign_in_to_admin
from tests.connections.factories import ConnectionFactory, UserFactory, team_member

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_an_administrator_invites_a_company_with_a_note_and_sees_a_conflict(page, live_server):
    # given
    staff_groups_sync()
    user = UserFactory(username="tessa", is_superuser=True)
    user.set_password("correct horse battery staple")
    user.save()
    connection = ConnectionFactory(customer__legal_name="Van Dam Logistiek B.V.")

    # when: she signs in and opens the connection
    sign_in_to_admin(page, live_server, "tessa", "correct horse battery staple")
    page.goto(f"{live_server.url}/admin/connections/connection/{connection.pk}/change/")

    # then: the steps are offered, and the page is accessible
    steps = page.get_by_role("region", name="Next steps")
    expect(steps.get_by_role("button", name="Invite")).to_be_visible()
    assert_accessible(page)

    # when: a colleague puts it on hold first, then she invites with a note
    from connections.services.transitions import connection_transition

    connection_transition(connection_id=connection.pk, transition="hold", actor=team_member())
    page.get_by_label("Note (optional)").fill("Called, invitation agreed")
    steps.get_by_role("button", name="Invite").click()

    # then: a clear conflict with the current state, and nothing of hers was written
    expect(page.get_by_text("Someone else changed this connection first")).to_be_visible()
    expect(page.get_by_text("it is now “On hold”")).to_be_visible()
    assert list(ConnectionEvent.objects.filter(connection=connection).values_list("transition", flat=True)) == ["hold"]

    # when: she resumes it and then invites it
    page.get_by_role("region", name="Next steps").get_by_role("button", name="Resume").click()
    page.get_by_label("Note (optional)").fill("Called, invitation agreed")
    page.get_by_role("region", name="Next steps").get_by_role("button", name="Invite").click()

    # then
    expect(page.get_by_text("Done: the connection is now “Invited”.")).to_be_visible()
    event = ConnectionEvent.objects.filter(connection=connection).latest("id")
    assert (event.transition, event.actor_id, event.note) == ("invite", user.pk, "Called, invitation agreed")
    assert_accessible(page)


def test_a_team_member_signing_in_to_the_admin_is_told_she_is_not_authorised(page, live_server):
    # given
    staff_groups_sync()
    user = team_member(username="tessa")
    user.set_password("correct horse battery staple")
    user.save()
    connection = ConnectionFactory()

    # when
    sign_in_to_admin(page, live_server, "tessa", "correct horse battery staple")
    page.goto(f"{live_server.url}/admin/connections/connection/{connection.pk}/change/")

    # then: the admin's sign-in again, with its refusal, and no way in
    expect(
        page.get_by_text("You are authenticated as tessa, but are not authorized to access this page")
    ).to_be_visible()
    assert "/admin/login/" in page.url

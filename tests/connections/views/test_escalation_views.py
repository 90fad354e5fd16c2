"""The core team's escalation queue: who may open it, taking and handing on an escalation, notes, closing."""

import datetime

import pytest
from django.urls import reverse

from connections.models import Escalation
from connections.services.escalations import escalation_close
from htg_migration.errors import ConflictError
from tests.connections.factories import (
    AMSTERDAM,
    ConnectionFactory,
    ContactFactory,
    CustomerFactory,
    core_team_member,
    helpdesk_member,
    team_member,
)

pytestmark = pytest.mark.django_db

QUEUE = "/team/escalations/"


def escalation(*, name="Van Dam Logistiek B.V.", opened=datetime.datetime(2020, 5, 28, 9, tzinfo=AMSTERDAM), **kwargs):
    connection = ConnectionFactory(customer=CustomerFactory(legal_name=name))
    return Escalation.objects.create(
        connection=connection,
        waiting_state="invited",
        reason="No response to two reminders.",
        opened_at=opened,
        **kwargs,
    )


@pytest.fixture
def core_member():
    return core_team_member(first_name="Karin", last_name="Kern")


@pytest.fixture
def core_client(client, core_member):
    client.force_login(core_member)
    return client


@pytest.mark.parametrize("make_user", [team_member, helpdesk_member])
def test_only_the_core_team_may_open_the_queue_or_act(client, make_user):
    # given
    open_escalation = escalation()
    client.force_login(make_user())

    # when / then
    assert client.get(QUEUE).status_code == 403
    for action in ("assign", "notes", "close"):
        response = client.post(f"{QUEUE}{open_escalation.pk}/{action}/", {"owner": "me", "outcome": "reached"})
        assert response.status_code == 403
    open_escalation.refresh_from_db()
    assert (open_escalation.owner, open_escalation.is_open) == (None, True)


def test_signed_out_goes_to_the_login(client):
    response = client.get(QUEUE)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_the_nav_links_the_queue_for_the_core_team_only(client, core_client):
    assert 'href="/team/escalations/"' in core_client.get(QUEUE).content.decode()
    client.force_login(team_member())
    assert 'href="/team/escalations/"' not in client.get("/team/connections/").content.decode()


def test_the_queue_lists_open_escalations_oldest_first_in_a_fixed_number_of_queries(
    core_client, django_assert_num_queries
):
    # given: two open (the older one first), one closed
    newer = escalation(name="Bravo Cargo B.V.", opened=datetime.datetime(2020, 5, 29, 9, tzinfo=AMSTERDAM))
    older = escalation(name="Alfa Transport B.V.", owner=core_team_member(username="owner1"))
    escalation(name="Closed Cargo B.V.", closed_at=datetime.datetime(2020, 5, 29, 12, tzinfo=AMSTERDAM))
    ContactFactory(customer=older.connection.customer, name="Anna de Vries", phone="+31 10 123 4567")

    # when: session, user, groups, the count, the page's rows (with their first contact), core-team members, plateaus
    with django_assert_num_queries(7):
        response = core_client.get(QUEUE)

    # then
    assert response.status_code == 200
    assert [item.pk for item in response.context["rows"]] == [older.pk, newer.pk]
    page = response.content.decode()
    assert page.index("Alfa Transport B.V.") < page.index("Bravo Cargo B.V.")
    assert "Closed Cargo B.V." not in page
    assert "owner1" in page

    # when: a third open one with contacts of its own, the count stays the same
    third = escalation(name="Charlie B.V.", owner=core_team_member())
    ContactFactory.create_batch(2, customer=third.connection.customer)
    with django_assert_num_queries(7):
        core_client.get(QUEUE)


def test_the_closed_filter_shows_closed_escalations_with_their_outcome(core_client):
    escalation(name="Open Cargo B.V.")
    escalation(
        name="Closed Cargo B.V.",
        closed_at=datetime.datetime(2020, 5, 29, 12, tzinfo=AMSTERDAM),
        outcome=Escalation.Outcome.UNREACHABLE,
    )

    page = core_client.get(QUEUE, {"scope": "closed"}).content.decode()

    assert "Closed Cargo B.V." in page and "Unreachable" in page
    assert "Open Cargo B.V." not in page


def test_assign_to_me_then_to_a_colleague_then_back_to_the_queue(core_client, core_member):
    # given
    open_escalation = escalation()
    colleague = core_team_member()

    # when / then
    core_client.post(f"{QUEUE}{open_escalation.pk}/assign/", {"owner": "me"})
    open_escalation.refresh_from_db()
    assert open_escalation.owner == core_member

    core_client.post(f"{QUEUE}{open_escalation.pk}/assign/", {"owner": str(colleague.pk)})
    open_escalation.refresh_from_db()
    assert open_escalation.owner == colleague

    response = core_client.post(f"{QUEUE}{open_escalation.pk}/assign/", {"owner": ""})
    assert response.status_code == 302
    open_escalation.refresh_from_db()
    assert open_escalation.owner is None


def test_an_escalation_cannot_go_to_someone_outside_the_core_team(core_client):
    open_escalation = escalation()

    response = core_client.post(f"{QUEUE}{open_escalation.pk}/assign/", {"owner": str(team_member().pk)}, follow=True)

    assert "Choose a member of the core team." in response.content.decode()
    open_escalation.refresh_from_db()
    assert open_escalation.owner is None


def test_notes_are_saved(core_client):
    open_escalation = escalation()

    core_client.post(f"{QUEUE}{open_escalation.pk}/notes/", {"notes": "  Called Anna; she sends the intake today.  "})

    open_escalation.refresh_from_db()
    assert open_escalation.notes == "Called Anna; she sends the intake today."


def test_closing_needs_an_outcome_and_records_who_and_when(core_client, core_member):
    # given
    open_escalation = escalation()

    # when: no outcome
    response = core_client.post(f"{QUEUE}{open_escalation.pk}/close/", {"outcome": ""}, follow=True)

    # then: nothing changed
    assert "Choose an outcome." in response.content.decode()
    open_escalation.refresh_from_db()
    assert open_escalation.is_open

    # when
    core_client.post(f"{QUEUE}{open_escalation.pk}/close/", {"outcome": "reached"})

    # then: closed, and the one who closed it owns it
    open_escalation.refresh_from_db()
    assert (open_escalation.is_open, open_escalation.outcome, open_escalation.owner) == (
        False,
        Escalation.Outcome.REACHED,
        core_member,
    )


def test_a_closed_escalation_is_not_closed_again_or_changed(core_client, core_member):
    # given
    closed = escalation(closed_at=datetime.datetime(2020, 5, 29, 12, tzinfo=AMSTERDAM), outcome="customer_acted")

    # when
    response = core_client.post(f"{QUEUE}{closed.pk}/notes/", {"notes": "late"}, follow=True)

    # then
    assert "already closed" in response.content.decode()
    with pytest.raises(ConflictError):
        escalation_close(escalation_id=closed.pk, outcome="reached", actor=core_member)
    closed.refresh_from_db()
    assert (closed.notes, closed.outcome, closed.closed_at) == (
        "",
        "customer_acted",
        datetime.datetime(2020, 5, 29, 12, tzinfo=AMSTERDAM),
    )


def test_an_unknown_escalation_is_404(core_client):
    assert core_client.post(f"{QUEUE}999999/close/", {"outcome": "reached"}).status_code == 404


@pytest.mark.parametrize("owner", ["²", "9" * 5000, "x"])
def test_an_owner_that_is_not_a_person_is_refused_and_the_owner_stays(core_client, core_member, owner):
    # given
    open_escalation = escalation()
    core_client.post(f"{QUEUE}{open_escalation.pk}/assign/", {"owner": "me"})

    # when
    response = core_client.post(f"{QUEUE}{open_escalation.pk}/assign/", {"owner": owner}, follow=True)

    # then
    assert response.status_code == 200
    assert "Choose a member of the core team." in response.content.decode()
    open_escalation.refresh_from_db()
    assert open_escalation.owner == core_member

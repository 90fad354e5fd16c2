import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import reverse

from connections.models import ConnectionEvent
from connections.services.staff import staff_groups_sync
from tests.connections.factories import ConnectionFactory, UserFactory, helpdesk_member, team_member

pytestmark = pytest.mark.django_db


def test_staff_groups_exist_and_carry_no_admin_permission_even_one_given_before():
    # given: a group as an earlier version left it, with admin permissions
    team, _ = Group.objects.get_or_create(name="connection team")
    team.permissions.set(Permission.objects.filter(codename__in=["change_customer", "add_contact"]))

    # when
    names = staff_groups_sync()

    # then
    assert names == ["connection team", "core team", "helpdesk"]
    for name in names:
        assert not Group.objects.get(name=name).permissions.exists()


def test_the_admin_shows_the_administrator_the_transitions_and_runs_one_with_a_note(client):
    # given
    staff_groups_sync()
    user = UserFactory(is_superuser=True)
    connection = ConnectionFactory()
    client.force_login(user)
    url = reverse("admin:connections_connection_change", args=[connection.pk])

    # when
    page = client.get(url)

    # then
    assert page.status_code == 200
    assert b'value="invite"' in page.content

    # when
    response = client.post(
        reverse("admin:connections_connection_transition", args=[connection.pk]),
        {"transition": "invite", "note": "first batch", "expected_state": "planned"},
    )

    # then
    assert response.status_code == 302
    connection.refresh_from_db()
    assert connection.state == "invited"
    event = ConnectionEvent.objects.get(connection=connection)
    assert (event.actor, event.note) == (user, "first batch")
    follow = client.get(url)
    assert "invited" in follow.content.decode() or "Invited" in follow.content.decode()


def test_a_stale_admin_form_shows_the_conflict_and_changes_nothing(client):
    # given: the page was loaded while planned; someone invited it since
    staff_groups_sync()
    user = UserFactory(is_superuser=True)
    connection = ConnectionFactory()
    client.force_login(user)
    client.post(
        reverse("admin:connections_connection_transition", args=[connection.pk]),
        {"transition": "invite", "expected_state": "planned"},
    )

    # when
    response = client.post(
        reverse("admin:connections_connection_transition", args=[connection.pk]),
        {"transition": "hold", "expected_state": "planned"},
        follow=True,
    )

    # then
    assert "Someone else changed this connection first" in response.content.decode()
    connection.refresh_from_db()
    assert connection.state == "invited"
    assert ConnectionEvent.objects.filter(connection=connection).count() == 1


@pytest.mark.parametrize("member", [team_member, helpdesk_member], ids=["team", "helpdesk"])
def test_staff_do_not_reach_the_admin_and_a_forged_transition_is_refused(client, member):
    staff_groups_sync()
    client.force_login(member())
    connection = ConnectionFactory()
    page = client.get(reverse("admin:connections_connection_change", args=[connection.pk]))
    assert page.status_code == 302
    assert "/admin/login/" in page["Location"]

    response = client.post(
        reverse("admin:connections_connection_transition", args=[connection.pk]),
        {"transition": "invite", "expected_state": "planned"},
    )
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
    connection.refresh_from_db()
    assert connection.state == "planned"
    assert not ConnectionEvent.objects.filter(connection=connection).exists()


def test_anonymous_users_are_sent_to_sign_in(client):
    connection = ConnectionFactory()
    response = client.post(
        reverse("admin:connections_connection_transition", args=[connection.pk]), {"transition": "invite"}
    )
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
    connection.refresh_from_db()
    assert connection.state == "planned"


def test_the_admin_lists_sign_in_links_without_their_token_and_intake_drafts_read_only(client):
    # given: a link someone asked for, and a half-filled intake
    from portal.models import IntakeDraft, PortalSignInLink
    from tests.connections.factories import UserFactory

    link = PortalSignInLink.objects.create(
        email="ops@example.nl",
        token_hash="a" * 64,
        requested_ip="192.0.2.7",
        expires_at="2020-05-15T10:10:00Z",
    )
    IntakeDraft.objects.create(email="new@example.nl", data={"legal_name": "New B.V."}, step="contacts")
    client.force_login(UserFactory(is_superuser=True, is_staff=True))

    # when
    links = client.get(reverse("admin:portal_portalsigninlink_changelist"))
    detail = client.get(reverse("admin:portal_portalsigninlink_change", args=[link.pk]))
    drafts = client.get(reverse("admin:portal_intakedraft_changelist"))
    add = client.get(reverse("admin:portal_portalsigninlink_add"))

    # then: visible, never the token's hash, and nobody adds or edits one
    assert links.status_code == detail.status_code == drafts.status_code == 200
    assert "ops@example.nl" in links.content.decode() and "192.0.2.7" in links.content.decode()
    assert "a" * 64 not in detail.content.decode()
    assert "new@example.nl" in drafts.content.decode()
    assert add.status_code == 403

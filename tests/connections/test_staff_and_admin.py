import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from connections.models import ConnectionEvent
from connections.services.staff import staff_groups_sync
from tests.connections.factories import ConnectionFactory, helpdesk_member, team_member

pytestmark = pytest.mark.django_db


def test_groups_get_their_permissions_and_helpdesk_cannot_change_connections():
    staff_groups_sync()
    helpdesk = Group.objects.get(name="helpdesk")
    team = Group.objects.get(name="connection team")
    assert helpdesk.permissions.filter(codename="view_connection").exists()
    assert not helpdesk.permissions.filter(codename__startswith="change_").exists()
    assert team.permissions.filter(codename="change_connection").exists()
    assert not team.permissions.filter(codename="delete_connection").exists()


def test_the_admin_shows_the_transitions_this_user_may_do_and_runs_one_with_a_note(client):
    # given
    staff_groups_sync()
    user = team_member()
    connection = ConnectionFactory()
    client.force_login(user)
    url = reverse("admin:connections_connection_change", args=[connection.pk])

    # when
    page = client.get(url)

    # then
    assert page.status_code == 200
    assert b'value="invite"' in page.content
    assert b'value="mark_missed"' not in page.content  # the core team's step

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
    user = team_member()
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


def test_helpdesk_sees_no_transition_and_a_forged_post_is_refused(client):
    staff_groups_sync()
    client.force_login(helpdesk_member())
    connection = ConnectionFactory()
    page = client.get(reverse("admin:connections_connection_change", args=[connection.pk]))
    assert page.status_code == 200
    assert b'name="transition"' not in page.content

    response = client.post(
        reverse("admin:connections_connection_transition", args=[connection.pk]),
        {"transition": "invite", "expected_state": "planned"},
        follow=True,
    )
    assert "You are not allowed" in response.content.decode()
    connection.refresh_from_db()
    assert connection.state == "planned"


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
    from connections.models import IntakeDraft, PortalSignInLink
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
    links = client.get(reverse("admin:connections_portalsigninlink_changelist"))
    detail = client.get(reverse("admin:connections_portalsigninlink_change", args=[link.pk]))
    drafts = client.get(reverse("admin:connections_intakedraft_changelist"))
    add = client.get(reverse("admin:connections_portalsigninlink_add"))

    # then: visible, never the token's hash, and nobody adds or edits one
    assert links.status_code == detail.status_code == drafts.status_code == 200
    assert "ops@example.nl" in links.content.decode() and "192.0.2.7" in links.content.decode()
    assert "a" * 64 not in detail.content.decode()
    assert "new@example.nl" in drafts.content.decode()
    assert add.status_code == 403

"""Every refusal is an audit row with who, what, when and from where: a 403, a 404 a signed-in account meets on
someone else's (or no) object, and a locked staff sign-in. An anonymous 404 and an answered request write none."""

import pytest
from django.urls import reverse

from connections.models import Refusal
from tests.connections.factories import ConnectionFactory, helpdesk_member, team_member
from tests.connections.portal_factories import company_contact

pytestmark = pytest.mark.django_db


def test_a_company_opening_another_company_s_connection_is_a_refusal_row(client):
    # given: two companies, the first signed in
    anna = company_contact()
    foreign = ConnectionFactory(customer=company_contact().customer)
    client.force_login(anna.user)

    # when
    response = client.get(reverse("portal:connection", args=[foreign.pk]), REMOTE_ADDR="192.0.2.44")

    # then: the answer is the same 404 as ever, and the row says who, what, when and from where
    assert response.status_code == 404
    refusal = Refusal.objects.get()
    assert refusal.user == anna.user
    assert refusal.username == anna.user.get_username()
    assert (refusal.reason, refusal.status, refusal.method) == ("not_found", 404, "GET")
    assert refusal.path == f"/portal/connections/{foreign.pk}/"
    assert refusal.client_ip == "192.0.2.44"
    assert refusal.created_at is not None


def test_a_staff_member_refused_a_page_of_another_role_is_a_refusal_row(client):
    helpdesk = helpdesk_member()
    client.force_login(helpdesk)

    response = client.post(reverse("connections:escalation_queue"), {"x": "1"}, REMOTE_ADDR="198.51.100.3")

    assert response.status_code == 403
    refusal = Refusal.objects.get()
    assert (refusal.user, refusal.reason, refusal.method, refusal.client_ip) == (
        helpdesk,
        "forbidden",
        "POST",
        "198.51.100.3",
    )


def test_a_locked_staff_sign_in_is_a_refusal_row_with_the_user_name_tried(client):
    team_member(username="tessa")
    for attempt in range(5):
        client.post(reverse("login"), {"username": "tessa", "password": f"wrong-{attempt}"}, REMOTE_ADDR="203.0.113.9")

    locked = client.post(reverse("login"), {"username": "tessa", "password": "again"}, REMOTE_ADDR="203.0.113.9")

    assert locked.status_code == 429
    rows = Refusal.objects.filter(reason="locked_out")
    assert rows.count() == 2  # the attempt that reached the limit and the one after it
    assert {(row.username, row.user_id, row.client_ip, row.status) for row in rows} == {
        ("tessa", None, "203.0.113.9", 429)
    }


def test_an_anonymous_404_and_answered_requests_write_no_row(client):
    anna = company_contact()

    assert client.get("/no-such-page/").status_code == 404
    client.force_login(anna.user)
    assert client.get(reverse("portal:status")).status_code == 200

    assert Refusal.objects.count() == 0


def test_a_hostile_path_is_stored_without_nul_and_cut_to_its_field(client):
    anna = company_contact()
    client.force_login(anna.user)

    response = client.get("/portal/" + "x" * 1000 + "%00/")

    assert response.status_code == 404
    refusal = Refusal.objects.get()
    assert "\x00" not in refusal.path
    assert len(refusal.path) == 500


def test_only_an_administrator_reads_the_refusals_in_the_admin(client, admin_client):
    Refusal.objects.create(reason="forbidden", method="GET", path="/team/", status=403)
    client.force_login(team_member())

    assert admin_client.get(reverse("admin:connections_refusal_changelist")).status_code == 200
    assert client.get(reverse("admin:connections_refusal_changelist")).status_code != 200
    assert admin_client.get(reverse("admin:connections_refusal_add")).status_code == 403

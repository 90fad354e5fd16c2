"""The audit (connections.models.audit.AuditEntry, a view over the tables that record each kind): sign-ins by
password and by e-mailed link, failed sign-ins, refusals, transitions and helpdesk lookups in one list that only an
administrator reads, filtered by kind, staff member and date."""

import datetime
import re

import pytest
from django.urls import reverse

from connections.models import AuditEntry, Refusal
from connections.services.staff import staff_groups_sync
from notifications.models import OutboxEmail
from tests.connections.factories import (
    ConnectionFactory,
    ContactFactory,
    CustomerFactory,
    UserFactory,
    helpdesk_member,
    team_member,
    walk_to,
)

pytestmark = pytest.mark.django_db
PASSWORD = "a long and private passphrase"
CHANGELIST = reverse("admin:connections_auditentry_changelist")


def _portal_sign_in(client, email: str) -> str:
    client.post(reverse("portal:sign_in"), {"email": email})
    body = OutboxEmail.objects.filter(template_key="portal.sign_in_link", to_address=email).latest("id").body_text
    token = re.search(r"/portal/sign-in/([A-Za-z0-9_\-]+)/", body).group(1)
    client.post(reverse("portal:sign_in_confirm", args=[token]), REMOTE_ADDR="198.51.100.4")
    return token


@pytest.fixture
def history(client, programme_flows):
    """One of each kind, made the way people make them."""
    staff_groups_sync()
    tessa = team_member(username="tessa")
    tessa.set_password(PASSWORD)
    tessa.save()
    # a failed and a successful staff sign-in by password
    client.post(reverse("login"), {"username": "tessa", "password": "wrong"}, REMOTE_ADDR="203.0.113.7")
    client.post(reverse("login"), {"username": "tessa", "password": PASSWORD}, REMOTE_ADDR="203.0.113.8")
    # a transition by her, and a refusal: the helpdesk's page is not hers... as a team member it is; the
    # admin is not
    connection = ConnectionFactory(customer=CustomerFactory(legal_name="Van Dam Logistiek B.V."))
    walk_to(connection, "invited", tessa)
    assert client.get(reverse("admin:index"), REMOTE_ADDR="203.0.113.8").status_code == 302
    client.get("/team/connections/999999/", REMOTE_ADDR="203.0.113.8")  # someone else's or missing: a refusal
    client.post(reverse("logout"))
    # a helpdesk lookup
    hanna = helpdesk_member(username="hanna")
    client.force_login(hanna)
    client.get(reverse("helpdesk:helpdesk_lookup"), {"q": "Van Dam"})
    client.logout()
    # a company contact signs in with an e-mailed link
    anna = ContactFactory(customer=connection.customer, email="anna@vandam.example", user=UserFactory(is_staff=False))
    token = _portal_sign_in(client, anna.email)
    client.logout()
    return {"tessa": tessa, "hanna": hanna, "anna": anna, "token": token}


def _keys(response) -> list[str]:
    return [entry.kind for entry in response.context["cl"].result_list]


def test_the_administrator_reads_every_kind_in_one_list(history, admin_client):
    # when
    response = admin_client.get(CHANGELIST)

    # then: newest first, each kind with who, what and from where
    assert response.status_code == 200
    entries = list(response.context["cl"].result_list)
    by_kind: dict[str, list[AuditEntry]] = {}
    for entry in entries:
        by_kind.setdefault(entry.kind, []).append(entry)
    assert set(by_kind) == {"sign_in", "sign_in_failed", "refusal", "transition", "lookup"}
    assert [entry.created_at for entry in entries] == sorted((entry.created_at for entry in entries), reverse=True)
    (failed,) = by_kind["sign_in_failed"]
    assert (failed.username, failed.user_id, failed.what, failed.client_ip) == (
        "tessa",
        history["tessa"].pk,
        "/accounts/login/",
        "203.0.113.7",
    )
    # (the test client's force_login signs in without a request: axes records those with the path "<unknown>")
    real_sign_ins = [entry for entry in by_kind["sign_in"] if entry.what != "<unknown>"]
    sign_ins = {(entry.username, entry.what, entry.client_ip) for entry in real_sign_ins}
    anna_user = history["anna"].user
    assert sign_ins == {
        ("tessa", "/accounts/login/", "203.0.113.8"),
        (anna_user.username, "/portal/sign-in/[redacted]/", "198.51.100.4"),  # by e-mailed link, token redacted
    }
    assert {entry.user_id for entry in real_sign_ins} == {history["tessa"].pk, anna_user.pk}
    (transition,) = by_kind["transition"]
    assert (transition.user_id, transition.what) == (
        history["tessa"].pk,
        f"Van Dam Logistiek B.V. / {transition_flow_code(transition)}: invite (planned > invited)",
    )
    refusals = {(entry.username, entry.what, entry.client_ip) for entry in by_kind["refusal"]}
    assert ("tessa", "404 GET /team/connections/999999/", "203.0.113.8") in refusals
    (lookup,) = by_kind["lookup"]
    assert (lookup.username, lookup.what) == ("hanna", '"Van Dam" (1)')
    page = response.content.decode()
    assert history["token"] not in page
    assert "Failed sign-in" in page and "Helpdesk lookup" in page


def transition_flow_code(entry: AuditEntry) -> str:
    return entry.what.split(" / ")[1].split(":")[0]


def test_the_list_filters_by_kind_by_staff_member_and_by_date(history, admin_client):
    # when
    lookups = admin_client.get(CHANGELIST, {"kind": "lookup"})
    failures = admin_client.get(CHANGELIST, {"kind": "sign_in_failed"})
    tessas = admin_client.get(CHANGELIST, {"user": history["tessa"].pk})
    earliest = AuditEntry.objects.order_by("created_at").first().created_at
    latest = AuditEntry.objects.order_by("created_at").last().created_at
    since_first = admin_client.get(CHANGELIST, {"created_at__gte": str(earliest)})
    after_last = admin_client.get(CHANGELIST, {"created_at__gte": str(latest + datetime.timedelta(seconds=1))})
    up_to_first = admin_client.get(CHANGELIST, {"created_at__lt": str(earliest + datetime.timedelta(microseconds=1))})
    by_name = admin_client.get(CHANGELIST, {"q": history["anna"].user.username})

    # then
    assert _keys(lookups) == ["lookup"]
    assert _keys(failures) == ["sign_in_failed"]
    assert set(_keys(tessas)) == {"sign_in", "sign_in_failed", "transition", "refusal"}
    assert {entry.user_id for entry in tessas.context["cl"].result_list} == {history["tessa"].pk}
    assert len(_keys(since_first)) == AuditEntry.objects.count() >= 7
    assert _keys(after_last) == []
    assert len(_keys(up_to_first)) == AuditEntry.objects.filter(created_at=earliest).count() >= 1
    assert _keys(by_name) == ["sign_in"]


def test_only_an_administrator_reads_the_audit(history, client):
    # given: every staff role, and a company's account
    staff = [team_member(username="tom"), helpdesk_member(username="henk"), UserFactory(is_staff=True)]
    refusals_before = Refusal.objects.count()

    for user in staff:
        # when
        client.force_login(user)
        response = client.get(CHANGELIST)

        # then: sent to the admin's sign-in, nothing shown
        assert response.status_code == 302
        assert response.url.startswith(reverse("admin:login"))
    client.force_login(history["anna"].user)
    assert client.get(CHANGELIST).status_code == 302
    assert Refusal.objects.count() == refusals_before  # a redirect, not a refusal: nothing else written


def test_a_refused_sign_in_link_is_audited_without_its_token(client, programme_flows):
    # given: a contact that points at a staff account (refused by the portal: 403)
    staff = team_member(username="sam")
    contact = ContactFactory(email="sam@vandam.example", user=staff)

    # when
    token = _portal_sign_in(client, contact.email)

    # then: the refusal row has the path without the token (the link stays usable: the refusal rolled its use back)
    refusal = Refusal.objects.get()
    assert (refusal.status, refusal.path) == (403, "/portal/sign-in/[redacted]/")
    assert token not in refusal.path

"""The team's other endpoints (issue 17 item 4): lookup (with the helpdesk page's audit row), callback requests,
escalations (the core team's), the member's availability, the dashboard's figures, and the import of a registration
list; each refusal writes nothing, and each list pins its query count at 3 and 30 rows."""

import datetime
import json

import pytest
from django.core.cache import cache
from django.test import Client

from api.services.tokens import api_token_staff_create
from connections.models import CallbackRequest, Escalation, LookupAudit, TeamAvailability
from connections.services.callbacks import callback_request_create
from imports.models import ImportBatch
from tests.connections.factories import (
    ConnectionFactory,
    CustomerFactory,
    core_team_member,
    helpdesk_member,
    team_member,
)
from tests.imports.import_files import csv_bytes, row, upload

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2020, 5, 15)
MONDAY = datetime.date(2020, 5, 18)


@pytest.fixture(autouse=True)
def _pinned(settings, tmp_path):
    settings.HTG_CLOCK_DATE = TODAY
    settings.MEDIA_ROOT = tmp_path
    cache.clear()


def _client(user, scope: str = "read_write") -> Client:
    _, key = api_token_staff_create(user=user, name="script", scope=scope, expires_on=None)
    return Client(HTTP_AUTHORIZATION=f"Bearer {key}", HTTP_ACCEPT_LANGUAGE="en")


def _post(client: Client, url: str, body: dict | None = None) -> tuple[int, dict]:
    response = client.post(url, json.dumps(body or {}), content_type="application/json")
    return response.status_code, json.loads(response.content) if response.content else {}


# -------------------------------------------------------------------------------------------------------- lookup
def test_a_lookup_by_htg_number_kvk_or_name_finds_the_company_and_writes_the_audit_row():
    # given
    member = helpdesk_member()
    customer = CustomerFactory(legal_name="Nedship Veghel B.V.", htg_number="HTG-0004788-6")
    CustomerFactory(legal_name="Other B.V.")
    client = _client(member)

    # when
    by_number = client.get("/api/v1/team/lookup/", {"q": "htg 0004788 6"}).json()
    by_kvk = client.get("/api/v1/team/lookup/", {"q": customer.kvk_number}).json()
    by_name = client.get("/api/v1/team/lookup/", {"q": "nedship"}).json()

    # then
    assert [body["customer"] for body in (by_number, by_name)] == [customer.pk] * 2
    assert [row["id"] for row in by_number["results"]] == [customer.pk]
    assert by_kvk["results"][0]["id"] == customer.pk  # the exact match first
    audits = LookupAudit.objects.filter(user=member).order_by("id")
    assert [(audit.kind, audit.query) for audit in audits] == [
        ("search", "htg 0004788 6"),
        ("search", customer.kvk_number),
        ("search", "nedship"),
    ]


def test_a_lookup_without_a_query_is_a_400_and_writes_nothing():
    # when
    response = _client(helpdesk_member()).get("/api/v1/team/lookup/", {"q": ""})

    # then
    assert response.status_code == 400
    assert not LookupAudit.objects.exists()


# ----------------------------------------------------------------------------------------------------- callbacks
def _callback(customer, requested_by) -> CallbackRequest:
    return callback_request_create(
        customer_id=customer.pk,
        requested_by=requested_by,
        urgency="normal",
        reason="Wants to talk about the test messages",
        contact_name="Anna",
        contact_phone="010 1234567",
    )


def test_the_helpdesk_asks_for_a_callback_and_the_team_closes_it_once():
    # given
    connection = ConnectionFactory()
    helpdesk, member = helpdesk_member(), team_member()

    # when
    made, body = _post(
        _client(helpdesk),
        "/api/v1/team/callbacks/",
        {
            "customer": connection.customer_id,
            "connection": connection.pk,
            "urgency": "urgent",
            "reason": "Bounces",
            "contact_name": "Anna",
            "contact_phone": "010 1234567",
        },
    )
    queue = _client(member).get("/api/v1/team/callbacks/").json()["results"]
    closed, _ = _post(_client(member), f"/api/v1/team/callbacks/{body['id']}/close/", {"outcome": "Called, solved"})
    again, conflict = _post(_client(member), f"/api/v1/team/callbacks/{body['id']}/close/", {"outcome": "Twice"})

    # then
    assert (made, body["urgency"], body["flow"]) == (201, "urgent", "AGS")
    assert [row["id"] for row in queue] == [body["id"]]
    assert (closed, again) == (200, 409)
    assert conflict["detail"] == "This callback request was already closed."
    assert CallbackRequest.objects.get().outcome == "Called, solved"


def test_a_callback_about_another_companys_connection_is_refused_and_the_helpdesk_does_not_close():
    # given
    customer, theirs = CustomerFactory(), ConnectionFactory()
    callback = _callback(customer, team_member())
    body = {
        "customer": customer.pk,
        "connection": theirs.pk,
        "urgency": "normal",
        "reason": "x",
        "contact_name": "A",
        "contact_phone": "1",
    }

    # when
    wrong, answer = _post(_client(helpdesk_member()), "/api/v1/team/callbacks/", body)
    not_theirs, _ = _post(_client(helpdesk_member()), f"/api/v1/team/callbacks/{callback.pk}/close/", {"outcome": "x"})

    # then
    assert (wrong, not_theirs) == (400, 403)
    assert [error["field"] for error in answer["errors"]] == ["connection"]
    assert CallbackRequest.objects.get().status == "open"


@pytest.mark.parametrize("rows", [3, 30])
def test_the_callback_queue_pins_its_query_count(django_assert_num_queries, rows):
    # given
    member = team_member()
    for _ in range(rows):
        _callback(ConnectionFactory().customer, member)
    client = _client(member)
    client.get("/api/v1/team/callbacks/")

    # when / then: token, groups, callbacks
    with django_assert_num_queries(3):
        response = client.get("/api/v1/team/callbacks/")
    assert len(response.json()["results"]) == rows


# --------------------------------------------------------------------------------------------------- escalations
def _escalation() -> Escalation:
    return Escalation.objects.create(connection=ConnectionFactory(), waiting_state="invited", reason="No answer.")


def test_the_core_team_takes_notes_on_and_closes_an_escalation():
    # given
    core = core_team_member()
    escalation = _escalation()
    client = _client(core)
    url = f"/api/v1/team/escalations/{escalation.pk}/"

    # when
    assigned, owned = _post(client, f"{url}assign/", {"owner": core.pk})
    noted, _ = _post(client, f"{url}notes/", {"notes": "Called twice"})
    closed, body = _post(client, f"{url}close/", {"outcome": "reached"})
    again, _ = _post(client, f"{url}close/", {"outcome": "reached"})

    # then
    assert (assigned, owned["owner"]["id"]) == (200, core.pk)
    assert (noted, closed, again) == (200, 200, 409)
    assert (body["notes"], body["outcome"]) == ("Called twice", "reached")
    assert body["closed_at"] is not None


def test_the_connection_team_does_not_work_on_escalations_and_a_bad_outcome_changes_nothing():
    # given
    escalation = _escalation()
    url = f"/api/v1/team/escalations/{escalation.pk}/"

    # when
    listed = _client(team_member()).get("/api/v1/team/escalations/").status_code
    closed, _ = _post(_client(team_member()), f"{url}close/", {"outcome": "reached"})
    wrong, _ = _post(_client(core_team_member()), f"{url}close/", {"outcome": "vanished"})
    stranger, _ = _post(_client(core_team_member()), f"{url}assign/", {"owner": team_member().pk})

    # then
    assert (listed, closed, wrong, stranger) == (403, 403, 400, 400)
    escalation.refresh_from_db()
    assert (escalation.closed_at, escalation.owner_id, escalation.outcome) == (None, None, "")


@pytest.mark.parametrize("rows", [3, 30])
def test_the_escalation_queue_pins_its_query_count(django_assert_num_queries, rows):
    # given
    for _ in range(rows):
        _escalation()
    client = _client(core_team_member())
    client.get("/api/v1/team/escalations/")

    # when / then: token, groups, escalations
    with django_assert_num_queries(3):
        response = client.get("/api/v1/team/escalations/")
    assert len(response.json()["results"]) == rows


# --------------------------------------------------------------------------------------------------- availability
def test_a_member_publishes_lists_and_withdraws_availability():
    # given
    member = team_member()
    client = _client(member)

    # when
    made, body = _post(
        client, "/api/v1/team/availability/", {"date": str(MONDAY), "start_time": "09:00", "end_time": "11:00"}
    )
    listed = client.get("/api/v1/team/availability/").json()["results"]
    withdrawn, _ = _post(client, f"/api/v1/team/availability/{body['id']}/withdraw/")

    # then
    assert made == 201
    assert [slot["starts_at"][11:16] for slot in body["slots"]] == ["09:00", "10:00"]
    assert [block["id"] for block in listed] == [body["id"]]
    assert withdrawn == 204
    assert not TeamAvailability.objects.exists()


def test_availability_in_the_past_or_of_someone_else_is_refused_and_nothing_changes():
    # given
    member, colleague = team_member(), team_member()
    theirs = TeamAvailability.objects.create(
        team_member=colleague, date=MONDAY, start_time=datetime.time(9), end_time=datetime.time(10)
    )
    client = _client(member)

    # when
    past, body = _post(
        client, "/api/v1/team/availability/", {"date": "2020-05-14", "start_time": "09:00", "end_time": "10:00"}
    )
    other, _ = _post(client, f"/api/v1/team/availability/{theirs.pk}/withdraw/")

    # then
    assert (past, other) == (400, 404)
    assert [error["field"] for error in body["errors"]] == ["date"]
    assert list(TeamAvailability.objects.all()) == [theirs]


# ------------------------------------------------------------------------------------------------------ dashboard
def test_the_dashboard_figures_today_and_as_of_an_earlier_day():
    # given
    ConnectionFactory()
    client = _client(team_member())

    # when
    today = client.get("/api/v1/team/dashboard/")
    earlier = client.get("/api/v1/team/dashboard/", {"as_of": "2020-05-01"})

    # then
    assert (today.status_code, earlier.status_code) == (200, 200)
    assert (today.json()["as_of"], earlier.json()["as_of"]) == ("2020-05-15", "2020-05-01")
    assert today.json()["total"] == 1
    assert {"live", "remaining", "on_track", "plateaus", "risks"} <= set(today.json())


@pytest.mark.parametrize("as_of", ["2020-05-16", "15-05-2020x", "1999-12-31"])
def test_a_day_the_dashboard_page_refuses_is_a_400(as_of):
    # when
    response = _client(team_member()).get("/api/v1/team/dashboard/", {"as_of": as_of})

    # then
    assert response.status_code == 400
    assert [error["field"] for error in response.json()["errors"]] == ["as_of"]


# -------------------------------------------------------------------------------------------------------- imports
def test_a_registration_list_is_uploaded_checked_and_imported(django_capture_on_commit_callbacks):
    # given
    client = _client(team_member())

    # when
    with django_capture_on_commit_callbacks(execute=True):
        uploaded = client.post("/api/v1/team/imports/", {"file": upload(csv_bytes([row()]), "list.csv")})
    batch_id = uploaded.json()["id"]
    report = client.get(f"/api/v1/team/imports/{batch_id}/").json()
    with django_capture_on_commit_callbacks(execute=True):
        applied, _ = _post(client, f"/api/v1/team/imports/{batch_id}/apply/")
    progress = client.get(f"/api/v1/team/imports/{batch_id}/progress/").json()

    # then
    assert uploaded.status_code == 201
    assert (report["status"], report["errors"]) == ("valid", [])
    assert applied == 202
    assert progress == {"done": 1, "total": 1, "finished": True}
    assert ImportBatch.objects.get().created_customers == 1


def test_a_list_with_errors_shows_its_report_and_is_not_imported(django_capture_on_commit_callbacks):
    # given
    client = _client(team_member())
    with django_capture_on_commit_callbacks(execute=True):
        batch_id = client.post("/api/v1/team/imports/", {"file": upload(csv_bytes([row(kvk_number="123")]))}).json()[
            "id"
        ]

    # when
    report = client.get(f"/api/v1/team/imports/{batch_id}/", HTTP_ACCEPT_LANGUAGE="en").json()
    applied, refusal = _post(client, f"/api/v1/team/imports/{batch_id}/apply/")

    # then
    assert report["status"] == "invalid"
    assert [(error["line"], error["field"]) for error in report["errors"]] == [(2, "kvk_number")]
    assert applied == 400
    assert "Only a checked file without errors can be imported" in refusal["detail"]
    assert ImportBatch.objects.get().status == "invalid"


def test_a_file_that_is_not_a_list_is_refused_and_nothing_is_kept():
    # when
    response = _client(team_member()).post("/api/v1/team/imports/", {"file": upload(b"%PDF-1.4", "list.pdf")})

    # then
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "file"
    assert not ImportBatch.objects.exists()


@pytest.mark.parametrize("rows", [3, 30])
def test_the_import_list_pins_its_query_count(django_assert_num_queries, rows):
    # given
    member = team_member()
    for number in range(rows):
        ImportBatch.objects.create(
            file="imports/list.csv", created_by=member, original_name=f"{number}.csv", file_format="csv"
        )
    client = _client(member)
    client.get("/api/v1/team/imports/")

    # when / then: token, groups, imports
    with django_assert_num_queries(3):
        response = client.get("/api/v1/team/imports/")
    assert len(response.json()["results"]) == rows

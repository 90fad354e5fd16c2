"""The company's write endpoints (issue 17 item 3): the free slots of a connection, booking and moving its session,
the two confirmations and a problem report, each over the portal's own service. Each refusal is asserted to have
written nothing; a double POST books once, confirms once and reports once."""

import datetime
import json
import uuid

import pytest
from django.test import Client

from connections.models import CallbackRequest, ConnectionEvent, HelpdeskContact, Slot, SlotBooking, SubmitToken
from connections.services.slots import availability_publish, slot_book
from notifications.models import OutboxEmail
from plateaus.models import MessageFlow
from tests.conftest import run_in_threads
from tests.connections.factories import AMSTERDAM, ConnectionFactory, UserFactory, team_member, walk_to
from tests.connections.portal_factories import company_contact
from tests.test_hostile_input import HOSTILE

pytestmark = pytest.mark.django_db

FRIDAY = datetime.date(2020, 5, 15)
MONDAY = datetime.date(2020, 5, 18)
PROBLEM = {"description": "NCTS replies missing since this morning", "contact_name": "Anna", "contact_phone": "010 1"}


@pytest.fixture(autouse=True)
def _pinned_clock(settings):
    settings.HTG_CLOCK_DATE = FRIDAY


@pytest.fixture
def walker():
    return UserFactory(is_superuser=True)


@pytest.fixture
def member():
    user = team_member()
    availability_publish(team_member=user, date=MONDAY, start_time=datetime.time(9), end_time=datetime.time(12))
    return user


def _slot(member, hour: int) -> Slot:
    return Slot.objects.get(
        team_member=member, starts_at=datetime.datetime.combine(MONDAY, datetime.time(hour), AMSTERDAM)
    )


def _signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _bearer(key: str) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {key}")


def _send(client: Client, method: str, url: str, body=None, language: str = "en", **headers):
    payload = json.dumps(body) if body is not None else ""
    response = getattr(client, method)(
        url, payload, content_type="application/json", HTTP_ACCEPT_LANGUAGE=language, **headers
    )
    return response.status_code, json.loads(response.content) if response.content else None


def _written(connection) -> tuple:
    """Everything an action may write about a connection, to compare before and after a refusal."""
    connection.refresh_from_db()
    return (
        connection.state,
        list(SlotBooking.objects.filter(connection=connection).values_list("slot_id", "cancelled_at").order_by("id")),
        ConnectionEvent.objects.filter(connection=connection).count(),
        CallbackRequest.objects.count(),
        HelpdeskContact.objects.count(),
        OutboxEmail.objects.count(),
        SubmitToken.objects.count(),
    )


def _url(connection, action: str) -> str:
    return f"/api/v1/connections/{connection.pk}/{action}/"


# ---------------------------------------------------------------------------------------------------------- slots
def test_the_slots_are_the_portal_pages_free_ones_in_two_queries_more_than_the_session(
    walker, member, django_assert_num_queries
):
    # given: three slots, one taken by another company
    contact = company_contact()
    connection = walk_to(ConnectionFactory(customer=contact.customer), "slot_offered", walker)
    slot_book(
        slot_id=_slot(member, 9).pk, connection_id=walk_to(ConnectionFactory(), "slot_offered", walker).pk, actor=walker
    )
    client = _signed_in(contact.user)
    _send(client, "get", _url(connection, "slots"))  # the session's first read is behind us

    # when: session, user, contact, connection, its booking, the free slots
    with django_assert_num_queries(6):
        status, body = _send(client, "get", _url(connection, "slots"))

    # then
    assert status == 200
    assert body["state"] == "slot_offered" and body["choosing"] is True and body["booked_slot"] is None
    assert [row["id"] for row in body["free_slots"]] == [_slot(member, 10).pk, _slot(member, 11).pk]

    # when: one more free slot, the same number of queries
    availability_publish(team_member=member, date=MONDAY, start_time=datetime.time(13), end_time=datetime.time(14))
    with django_assert_num_queries(6):
        _, more = _send(client, "get", _url(connection, "slots"))

    # then
    assert len(more["free_slots"]) == 3


def test_a_connection_that_cannot_choose_gets_no_free_slots(walker, member):
    # given
    contact = company_contact()
    connection = ConnectionFactory(customer=contact.customer)

    # when
    status, body = _send(_signed_in(contact.user), "get", _url(connection, "slots"))

    # then
    assert status == 200
    assert (body["state"], body["choosing"], body["free_slots"]) == ("planned", False, [])


# ---------------------------------------------------------------------------------------------------------- booking
def test_booking_a_slot_books_it_moves_the_state_and_sends_the_portals_e_mail(walker, member):
    # given
    contact = company_contact()
    connection = walk_to(ConnectionFactory(customer=contact.customer), "slot_offered", walker)
    emails = OutboxEmail.objects.filter(template_key="connection.slot_booked").count()

    # when
    status, body = _send(_signed_in(contact.user), "post", _url(connection, "booking"), {"slot": _slot(member, 10).pk})

    # then
    assert status == 201
    assert body["slot"]["id"] == _slot(member, 10).pk
    assert (body["connection"], body["state"], body["rescheduled"]) == (connection.pk, "slot_booked", False)
    connection.refresh_from_db()
    assert connection.state == "slot_booked"
    event = ConnectionEvent.objects.filter(connection=connection).latest("id")
    assert (event.transition, event.actor) == ("book_slot", contact.user)
    assert OutboxEmail.objects.filter(template_key="connection.slot_booked").count() == emails + 1


def test_a_double_post_books_once_and_the_second_is_a_conflict_with_its_reason(walker, member):
    # given
    contact = company_contact()
    connection = walk_to(ConnectionFactory(customer=contact.customer), "slot_offered", walker)
    client = _signed_in(contact.user)
    first, _ = _send(client, "post", _url(connection, "booking"), {"slot": _slot(member, 10).pk})
    before = _written(connection)

    # when
    status, body = _send(client, "post", _url(connection, "booking"), {"slot": _slot(member, 10).pk})

    # then
    assert (first, status) == (201, 409)
    assert body["detail"] == "This connection already has a booked slot: reschedule it instead. Nothing was changed."
    assert _written(connection) == before
    assert SlotBooking.objects.filter(connection=connection, cancelled_at__isnull=True).count() == 1


def test_a_taken_slot_is_a_conflict_and_nothing_is_written(walker, member):
    # given: the 10:00 slot taken by another company
    contact = company_contact()
    connection = walk_to(ConnectionFactory(customer=contact.customer), "slot_offered", walker)
    other = walk_to(ConnectionFactory(), "slot_offered", walker)
    slot_book(slot_id=_slot(member, 10).pk, connection_id=other.pk, actor=walker)
    before = _written(connection)

    # when
    status, body = _send(_signed_in(contact.user), "post", _url(connection, "booking"), {"slot": _slot(member, 10).pk})

    # then
    assert status == 409
    assert body["detail"] == "This slot was just taken: choose another. Nothing was changed."
    assert _written(connection) == before


@pytest.mark.parametrize(
    ("body", "expected_state", "status"),
    [
        ({}, "planned", 409),  # not offered a slot yet
        ({"expected_state": "invited"}, "slot_offered", 409),  # someone moved it since
    ],
)
def test_booking_in_a_state_that_does_not_allow_it_is_refused_and_writes_nothing(
    walker, member, body, expected_state, status
):
    # given
    contact = company_contact()
    connection = ConnectionFactory(customer=contact.customer)
    if expected_state != "planned":
        connection = walk_to(connection, expected_state, walker)
    before = _written(connection)

    # when
    found, problem = _send(
        _signed_in(contact.user), "post", _url(connection, "booking"), {"slot": _slot(member, 10).pk, **body}
    )

    # then
    assert found == status
    assert problem["status"] == status and problem["detail"]
    assert _written(connection) == before


def test_moving_the_session_frees_the_old_slot_and_the_same_slot_again_is_refused(walker, member):
    # given
    contact = company_contact()
    connection = walk_to(ConnectionFactory(customer=contact.customer), "slot_offered", walker)
    client = _signed_in(contact.user)
    _send(client, "post", _url(connection, "booking"), {"slot": _slot(member, 9).pk})

    # when
    status, body = _send(client, "put", _url(connection, "booking"), {"slot": _slot(member, 11).pk})

    # then
    assert status == 200
    assert (body["slot"]["id"], body["state"], body["rescheduled"]) == (_slot(member, 11).pk, "slot_booked", True)
    bookings = SlotBooking.objects.filter(connection=connection).order_by("id")
    assert [(b.slot_id, b.cancelled_at is None, b.end_reason) for b in bookings] == [
        (_slot(member, 9).pk, False, "rescheduled"),
        (_slot(member, 11).pk, True, ""),
    ]

    # when: the same PUT again
    before = _written(connection)
    again, refused = _send(client, "put", _url(connection, "booking"), {"slot": _slot(member, 11).pk})

    # then
    assert again == 400
    assert refused["detail"] == "This is already the booked slot: choose another one to reschedule."
    assert _written(connection) == before


def test_moving_a_session_that_was_never_booked_is_refused(walker, member):
    # given
    contact = company_contact()
    connection = walk_to(ConnectionFactory(customer=contact.customer), "slot_offered", walker)
    before = _written(connection)

    # when
    status, body = _send(_signed_in(contact.user), "put", _url(connection, "booking"), {"slot": _slot(member, 9).pk})

    # then
    assert status == 409
    assert "Slot offered" in body["detail"]
    assert _written(connection) == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"slot": 1, "state": "live"}, "state"),  # the state is never written directly
        ({"slot": 1, "colour": "red"}, "colour"),
        ({"slot": "12"}, "slot"),
        ({"slot": True}, "slot"),
        ({"slot": 1.5}, "slot"),
        ({"slot": -1}, "slot"),
        ({"slot": 2**70}, "slot"),
        ({}, "slot"),
        ({"slot": 1, "expected_state": "nonsense"}, "expected_state"),
        ([1], "non_field_errors"),
        ("slot", "non_field_errors"),
    ],
)
def test_bad_input_is_a_400_with_field_errors_and_writes_nothing(walker, member, body, field):
    # given
    contact = company_contact()
    connection = walk_to(ConnectionFactory(customer=contact.customer), "slot_offered", walker)
    before = _written(connection)

    # when
    status, problem = _send(_signed_in(contact.user), "post", _url(connection, "booking"), body)

    # then
    assert status == 400
    assert problem["type"] == "/api/docs/problems/invalid"
    assert [error["field"] for error in problem["errors"]] == [field]
    assert _written(connection) == before


# ------------------------------------------------------------------------------------------------------ confirmations
@pytest.mark.parametrize(
    ("action", "state", "kind"),
    [
        ("confirmations/test-messages-sent", "testing", "confirm_test_messages_sent"),
        ("confirmations/ready-for-production", "test_passed", "confirm_ready_for_production"),
    ],
)
def test_a_confirmation_is_recorded_once_and_a_second_post_answers_with_the_first(walker, action, state, kind):
    # given
    contact = company_contact()
    connection = walk_to(ConnectionFactory(customer=contact.customer), state, walker)
    client = _signed_in(contact.user)

    # when: the second as `curl -X POST` sends it, with no body and no content type
    first, body = _send(client, "post", _url(connection, action), {})
    before = _written(connection)
    second = client.generic("POST", _url(connection, action), content_type="")

    # then
    assert (first, second.status_code) == (201, 200)
    assert (body["kind"], body["state"]) == (kind, state)
    assert second.json() == body
    assert _written(connection) == before
    assert ConnectionEvent.objects.filter(connection=connection, transition=kind).count() == 1


def test_a_confirmation_in_the_wrong_state_or_with_a_body_is_refused_and_writes_nothing(walker):
    # given
    contact = company_contact()
    connection = walk_to(ConnectionFactory(customer=contact.customer), "slot_offered", walker)
    client = _signed_in(contact.user)
    before = _written(connection)

    # when
    wrong_state, problem = _send(client, "post", _url(connection, "confirmations/test-messages-sent"))
    with_body, invalid = _send(client, "post", _url(connection, "confirmations/test-messages-sent"), {"state": "x"})

    # then
    assert wrong_state == 400
    assert problem["detail"].startswith("You can confirm that you sent your test messages only while")
    assert (with_body, [error["field"] for error in invalid["errors"]]) == (400, ["state"])
    assert _written(connection) == before


# ---------------------------------------------------------------------------------------------------------- problems
@pytest.mark.parametrize("urgent", [False, True])
def test_a_problem_report_becomes_the_portals_callback_and_e_mails(walker, urgent):
    # given: the contact's own name and phone are the defaults
    contact = company_contact()
    contact.language = "en"
    contact.save(update_fields=["language"])
    connection = walk_to(ConnectionFactory(customer=contact.customer), "live", walker)
    body = {"description": "NCTS replies missing", "urgent": urgent}

    # when
    status, report = _send(_signed_in(contact.user), "post", _url(connection, "problems"), body)

    # then
    assert status == 201
    callback = CallbackRequest.objects.get()
    assert report["reference"] == f"P-{callback.pk:06d}"
    assert (report["connection"], report["urgent"]) == (connection.pk, urgent)
    assert (callback.contact_name, callback.contact_phone) == (contact.name, contact.phone)
    assert callback.urgency == ("urgent" if urgent else "normal")
    assert datetime.datetime.fromisoformat(report["call_by"]) == callback.due_at
    assert HelpdeskContact.objects.filter(topic="problem_after_migration").count() == 1
    emails = OutboxEmail.objects.filter(template_key="connection.problem_reported")
    assert [email.to_address for email in emails] == [contact.email]
    assert ("You marked the report urgent." in emails[0].body_text) is urgent


def test_a_double_post_with_one_idempotency_key_reports_once_and_answers_with_the_first(walker):
    # given
    contact = company_contact()
    connection = walk_to(ConnectionFactory(customer=contact.customer), "live", walker)
    client = _signed_in(contact.user)
    key = str(uuid.uuid4())
    first, report = _send(client, "post", _url(connection, "problems"), PROBLEM, HTTP_IDEMPOTENCY_KEY=key)
    before = _written(connection)

    # when
    second, again = _send(client, "post", _url(connection, "problems"), PROBLEM, HTTP_IDEMPOTENCY_KEY=key)

    # then
    assert (first, second) == (201, 201)
    assert again == report
    assert _written(connection) == before
    assert CallbackRequest.objects.count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_three_parallel_posts_with_one_idempotency_key_make_one_report(programme_flows):
    # given
    contact = company_contact()
    connection = walk_to(ConnectionFactory(customer=contact.customer), "live", UserFactory(is_superuser=True))
    key = str(uuid.uuid4())
    clients = [_signed_in(contact.user) for _ in range(3)]

    def post(client):
        return lambda: _send(client, "post", _url(connection, "problems"), PROBLEM, HTTP_IDEMPOTENCY_KEY=key)

    # when
    results = run_in_threads([post(client) for client in clients])

    # then: one report, the same answer three times
    assert CallbackRequest.objects.count() == 1
    assert [status for status, _body in results] == [201, 201, 201]
    assert results[0][1] == results[1][1] == results[2][1]


@pytest.mark.parametrize(
    ("body", "headers", "field"),
    [
        ({**PROBLEM, "description": "  "}, {}, "description"),
        ({**PROBLEM, "contact_phone": ""}, {}, "contact_phone"),
        ({**PROBLEM, "urgent": "yes"}, {}, "urgent"),
        ({**PROBLEM, "description": 12}, {}, "description"),
        ({**PROBLEM, "description": "x" * 4001}, {}, "description"),
        ({**PROBLEM, "description": "a\x00b"}, {}, "description"),
        ({**PROBLEM, "callback": 1}, {}, "callback"),
        (PROBLEM, {"HTTP_IDEMPOTENCY_KEY": "not-a-uuid"}, "Idempotency-Key"),
    ],
)
def test_a_bad_problem_report_is_a_400_with_field_errors_and_writes_nothing(walker, body, headers, field):
    # given
    contact = company_contact()
    connection = walk_to(ConnectionFactory(customer=contact.customer), "live", walker)
    before = _written(connection)

    # when
    status, problem = _send(_signed_in(contact.user), "post", _url(connection, "problems"), body, **headers)

    # then
    assert status == 400
    assert [error["field"] for error in problem["errors"]] == [field]
    assert _written(connection) == before


def test_a_problem_before_going_live_or_with_someone_elses_key_is_refused_and_writes_nothing(walker):
    # given: another company used a key for its own report
    contact = company_contact()
    connection = walk_to(ConnectionFactory(customer=contact.customer), "live", walker)
    testing = walk_to(
        ConnectionFactory(customer=contact.customer, flow=MessageFlow.objects.get(code="CID")), "testing", walker
    )
    other = company_contact()
    theirs = walk_to(ConnectionFactory(customer=other.customer), "live", walker)
    key = str(uuid.uuid4())
    assert _send(_signed_in(other.user), "post", _url(theirs, "problems"), PROBLEM, HTTP_IDEMPOTENCY_KEY=key)[0] == 201
    client = _signed_in(contact.user)
    before = (_written(connection), _written(testing))

    # when
    early, refused = _send(client, "post", _url(testing, "problems"), PROBLEM)
    reused, problem = _send(client, "post", _url(connection, "problems"), PROBLEM, HTTP_IDEMPOTENCY_KEY=key)

    # then
    assert early == 400
    assert refused["detail"].startswith("A problem after migration can be reported once the connection is live")
    assert reused == 400
    assert [error["field"] for error in problem["errors"]] == ["Idempotency-Key"]
    assert "P-" not in json.dumps(problem)
    assert (_written(connection), _written(testing)) == before


# ---------------------------------------------------------------------------------------------------------- hostile
JSON_HOSTILE = (*HOSTILE, None, 2**64, -(2**64), 1e308, [], {}, {"id": 1}, [1, 2], False)
HOSTILE_BODIES = {
    ("post", "booking", "slot_offered"): {"slot": 0, "expected_state": "slot_offered"},
    ("put", "booking", "slot_booked"): {"slot": 0},
    ("post", "problems", "live"): PROBLEM,
}


@pytest.mark.parametrize(("method", "action", "state"), list(HOSTILE_BODIES))
def test_hostile_json_values_in_every_field_never_give_a_5xx_and_a_refusal_writes_nothing(
    walker, member, method, action, state
):
    # given: the body valid but for the field under attack
    contact = company_contact()
    connection = walk_to(ConnectionFactory(customer=contact.customer), state, walker)
    client = _signed_in(contact.user)
    base = {**HOSTILE_BODIES[(method, action, state)]}
    if "slot" in base:
        base["slot"] = _slot(member, 11).pk
    wrong = []

    # when
    for field in base:
        for value in JSON_HOSTILE:
            before = _written(connection)
            status, _ = _send(client, method, _url(connection, action), {**base, field: value})
            if status >= 500 or (status >= 400 and _written(connection) != before):
                wrong.append((field, repr(value)[:20], status))

    # then: a booking takes no hostile value; a problem report takes any text that is text (and stores it as sent)
    assert wrong == []
    if action == "booking":
        assert SlotBooking.objects.filter(connection=connection, slot=_slot(member, 11)).count() == 0

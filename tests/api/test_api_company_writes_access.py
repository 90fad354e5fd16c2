"""Who may use the company's write endpoints (tests/api/test_api_company_writes.py has what they do): a read-write
token and a signed-in contact act, a hub for its clients; anyone else is refused before anything is read or written
(another company or hub: 404, a read-only token: 403, a revoked or expired token: 401). Refusals in the reader's
language; every endpoint in the schema with its request, its answer and its problems."""

import datetime
import json

import pytest
from django.test import Client
from django.utils import translation

from api.models import ApiToken
from api.services.tokens import api_token_create, api_token_revoke
from connections.models import CallbackRequest, ConnectionEvent, Slot, SlotBooking
from connections.services.slots import availability_publish
from notifications.models import OutboxEmail
from tests.connections.factories import AMSTERDAM, ConnectionFactory, UserFactory, helpdesk_member, team_member, walk_to
from tests.connections.portal_factories import company_contact, hub_with_client

pytestmark = pytest.mark.django_db

FRIDAY = datetime.date(2020, 5, 15)
MONDAY = datetime.date(2020, 5, 18)
ACTIONS = ("booking", "confirmations/test-messages-sent", "confirmations/ready-for-production", "problems")


@pytest.fixture(autouse=True)
def _pinned_clock(settings):
    settings.HTG_CLOCK_DATE = FRIDAY


@pytest.fixture
def slot():
    member = team_member()
    availability_publish(team_member=member, date=MONDAY, start_time=datetime.time(9), end_time=datetime.time(10))
    return Slot.objects.get(team_member=member, starts_at=datetime.datetime(2020, 5, 18, 9, tzinfo=AMSTERDAM))


def _signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _bearer(key: str) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {key}")


def _post(client: Client, url: str, body: dict, language: str = "en") -> tuple[int, dict]:
    response = client.post(url, json.dumps(body), content_type="application/json", HTTP_ACCEPT_LANGUAGE=language)
    return response.status_code, json.loads(response.content)


def _offered(customer):
    return walk_to(ConnectionFactory(customer=customer), "slot_offered", UserFactory(is_superuser=True))


def _rows() -> tuple[int, ...]:
    return (
        SlotBooking.objects.count(),
        ConnectionEvent.objects.count(),
        CallbackRequest.objects.count(),
        OutboxEmail.objects.count(),
    )


def test_a_read_write_token_books_as_the_contact_who_made_it(slot):
    # given
    contact = company_contact()
    connection = _offered(contact.customer)
    _, key = api_token_create(contact=contact, name="Planner", scope=ApiToken.Scope.READ_WRITE, expires_on=None)

    # when
    status, body = _post(_bearer(key), f"/api/v1/connections/{connection.pk}/booking/", {"slot": slot.pk})

    # then
    assert status == 201
    assert SlotBooking.objects.get(connection=connection).booked_by == contact.user
    assert body["state"] == "slot_booked"


def test_a_hub_books_for_its_client_and_a_hub_not_of_the_client_gets_a_404(slot):
    # given
    hub, client_customer = hub_with_client()
    other_hub, _ = hub_with_client()
    connection = _offered(client_customer)
    url = f"/api/v1/connections/{connection.pk}/booking/"
    before = _rows()

    # when
    refused, problem = _post(_signed_in(other_hub.user), url, {"slot": slot.pk})
    refused_rows = _rows()
    booked, _ = _post(_signed_in(hub.user), url, {"slot": slot.pk})

    # then
    assert (refused, problem["type"]) == (404, "/api/docs/problems/not-found")
    assert refused_rows == before
    assert booked == 201
    assert SlotBooking.objects.get(connection=connection).booked_by == hub.user


@pytest.mark.parametrize("action", ACTIONS)
def test_another_companys_connection_is_a_404_before_the_body_is_read_and_nothing_is_written(slot, action):
    # given: a valid body for each action
    owner = company_contact()
    connection = _offered(owner.customer)
    stranger = company_contact()
    body = {"slot": slot.pk} if action == "booking" else {}
    if action == "problems":
        body = {"description": "Down", "contact_name": "Eve", "contact_phone": "010"}
    before = _rows()

    # when
    status, problem = _post(_signed_in(stranger.user), f"/api/v1/connections/{connection.pk}/{action}/", body)

    # then
    assert (status, problem["status"]) == (404, 404)
    assert _rows() == before


@pytest.mark.parametrize("action", ACTIONS)
def test_a_read_only_token_may_not_write_and_gets_a_problem(slot, action):
    # given
    contact = company_contact()
    connection = _offered(contact.customer)
    _, key = api_token_create(contact=contact, name="Reader", scope=ApiToken.Scope.READ, expires_on=None)
    before = _rows()

    # when
    status, problem = _post(_bearer(key), f"/api/v1/connections/{connection.pk}/{action}/", {"slot": slot.pk})

    # then
    assert status == 403
    assert (problem["type"], problem["status"]) == ("/api/docs/problems/forbidden", 403)
    assert _rows() == before


def test_a_session_write_without_the_csrf_token_is_refused(slot):
    # given: a signed-in browser whose page did not send Django's CSRF token
    contact = company_contact()
    connection = _offered(contact.customer)
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(contact.user)
    before = _rows()

    # when
    status, problem = _post(browser, f"/api/v1/connections/{connection.pk}/booking/", {"slot": slot.pk})

    # then
    assert (status, problem["type"]) == (403, "/api/docs/problems/forbidden")
    assert _rows() == before


@pytest.mark.parametrize("ending", ["revoked", "expired"])
def test_a_revoked_or_expired_read_write_token_is_a_401_and_writes_nothing(slot, ending):
    # given
    contact = company_contact()
    connection = _offered(contact.customer)
    token, key = api_token_create(contact=contact, name="Old", scope=ApiToken.Scope.READ_WRITE, expires_on=None)
    if ending == "revoked":
        api_token_revoke(contact=contact, token_id=token.pk, actor=contact.user)
    else:
        ApiToken.objects.filter(pk=token.pk).update(expires_on=FRIDAY - datetime.timedelta(days=1))
    before = _rows()

    # when
    status, problem = _post(_bearer(key), f"/api/v1/connections/{connection.pk}/booking/", {"slot": slot.pk})

    # then
    assert (status, problem["type"]) == (401, "/api/docs/problems/not-authenticated")
    assert _rows() == before


def test_the_helpdesk_and_anonymous_are_refused(slot):
    # given (the connection team books for companies: tests/api/test_api_team_slots.py)
    connection = _offered(company_contact().customer)
    before = _rows()

    # when
    staff, _ = _post(_signed_in(helpdesk_member()), f"/api/v1/connections/{connection.pk}/booking/", {"slot": slot.pk})
    anonymous, _ = _post(Client(), f"/api/v1/connections/{connection.pk}/booking/", {"slot": slot.pk})

    # then
    assert (staff, anonymous) == (403, 401)
    assert _rows() == before


@pytest.mark.parametrize("language", ["en", "nl"])
def test_a_refusal_speaks_the_language_of_the_request(slot, language):
    # given: a connection that has its session already
    contact = company_contact()
    connection = _offered(contact.customer)
    client = _signed_in(contact.user)
    _post(client, f"/api/v1/connections/{connection.pk}/booking/", {"slot": slot.pk})

    # when
    status, problem = _post(client, f"/api/v1/connections/{connection.pk}/booking/", {"slot": slot.pk}, language)

    # then
    assert status == 409
    with translation.override(language):
        assert problem["title"] == translation.gettext("Someone else changed this first.")
        assert problem["detail"] == translation.gettext(
            "This connection already has a booked slot: reschedule it instead. Nothing was changed."
        )
    if language == "nl":
        assert problem["detail"].startswith("Deze aansluiting heeft al")


def test_every_write_endpoint_is_in_the_schema_with_its_request_answer_and_problems():
    # when
    schema = json.loads(Client().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").content)

    # then
    paths = schema["paths"]
    operations = {
        "/api/v1/connections/{connection_id}/slots/": {"get": "200"},
        "/api/v1/connections/{connection_id}/booking/": {"post": "201", "put": "200"},
        "/api/v1/connections/{connection_id}/confirmations/test-messages-sent/": {"post": "201"},
        "/api/v1/connections/{connection_id}/confirmations/ready-for-production/": {"post": "201"},
        "/api/v1/connections/{connection_id}/problems/": {"post": "201"},
    }
    for path, methods in operations.items():
        for method, success in methods.items():
            operation = paths[path][method]
            responses = operation["responses"]
            assert success in responses, (path, method)
            problems = {"401", "403", "404"} | ({"400", "409"} if method != "get" else set())
            assert problems <= set(responses), (path, method)
            assert all(responses[code]["content"] for code in problems)
            if method != "get":
                assert "requestBody" in operation or path.endswith("-sent/") or path.endswith("-production/")
    problem_header = paths["/api/v1/connections/{connection_id}/problems/"]["post"]["parameters"]
    assert {"in": "header", "name": "Idempotency-Key"}.items() <= problem_header[0].items()
    assert problem_header[0]["schema"]["format"] == "uuid"

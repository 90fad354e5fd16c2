"""The API's frame (docs/api.md): the OpenAPI 3.1 schema and its two readers served by the app under the strict
Content-Security-Policy, one error format (RFC 9457 problem details, Dutch or English), cursor pagination, and
throttling with 429 and Retry-After."""

import json

import pytest
from django.core.cache import cache
from django.test import Client
from rest_framework.exceptions import ValidationError
from rest_framework.throttling import SimpleRateThrottle

from api.problems import problem_details_handler
from connections.models import Connection, Refusal
from plateaus.models import MessageFlow
from tests.connections.factories import ConnectionFactory, team_member
from tests.connections.portal_factories import company_contact

pytestmark = pytest.mark.django_db

LIST = "/api/v1/connections/"


@pytest.fixture(autouse=True)
def _empty_throttle_counts():
    cache.clear()
    yield
    cache.clear()


def _signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _policy(response) -> dict[str, str]:
    header = response["Content-Security-Policy"]
    return {part.split(" ", 1)[0]: part.split(" ", 1)[1] for part in (p.strip() for p in header.split(";")) if part}


# ------------------------------------------------------------------------------------------------- schema and docs
def test_the_schema_is_openapi_3_1_and_describes_every_v1_endpoint(client):
    # when
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")

    # then
    assert response.status_code == 200
    schema = json.loads(response.content)
    assert schema["openapi"] == "3.1.0"
    assert {"/api/v1/connections/", "/api/v1/connections/{connection_id}/"} <= set(schema["paths"])
    assert schema["components"]["securitySchemes"]["apiToken"]["scheme"] == "bearer"


@pytest.mark.parametrize("path", ["/api/docs/", "/api/redoc/"])
def test_the_documentation_pages_load_their_scripts_from_the_app_and_keep_scripts_strict(client, path):
    # when
    response = client.get(path)

    # then: every script and style is the app's own (the sidecar's static files), none inline, none from elsewhere
    assert response.status_code == 200
    page = response.content.decode()
    assert "/static/drf_spectacular_sidecar/" in page
    assert "http://" not in page and "https://" not in page
    assert "<script>" not in page and "<style>" not in page
    policy = _policy(response)
    assert policy["script-src"] == "'self'"
    # the one relaxation on these pages: run-time styles of Swagger UI and ReDoc (api/views/docs.py)
    assert policy["style-src"] == "'self' 'unsafe-inline'"


def test_swagger_uis_start_script_is_a_request_of_its_own(client):
    # when
    response = client.get("/api/docs/?script=")

    # then
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    assert b"SwaggerUIBundle" in response.content


def test_the_rest_of_the_app_keeps_the_strict_policy(client):
    # when
    response = client.get("/api/v1/connections/")

    # then
    assert _policy(response)["style-src"] == "'self'"


# ------------------------------------------------------------------------------------------------- problem details
@pytest.mark.parametrize(
    ("language", "title"),
    [("en", "Authentication is needed."), ("nl", "Aanmelden is nodig.")],
)
def test_an_anonymous_caller_gets_problem_details_in_its_language(client, language, title):
    # when
    response = client.get(LIST, HTTP_ACCEPT_LANGUAGE=language)

    # then
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    body = json.loads(response.content)
    assert body["type"] == "/api/docs/problems/not-authenticated"
    assert body["title"] == title
    assert body["status"] == 401
    assert body["detail"]


def test_a_staff_account_is_refused_and_the_refusal_is_audited():
    # given
    member = team_member()

    # when: a company endpoint (the connection list answers the team with the team's list)
    response = _signed_in(member).get("/api/v1/companies/", HTTP_ACCEPT_LANGUAGE="en")

    # then
    assert response.status_code == 403
    assert json.loads(response.content)["title"] == "This is not allowed."
    assert Refusal.objects.get(user=member).path == "/api/v1/companies/"


def test_another_companys_connection_is_a_404_like_a_missing_one():
    # given
    mine = company_contact()
    theirs = ConnectionFactory()

    # when
    response = _signed_in(mine.user).get(f"/api/v1/connections/{theirs.pk}/", HTTP_ACCEPT_LANGUAGE="nl")

    # then
    assert response.status_code == 404
    body = json.loads(response.content)
    assert (body["type"], body["title"]) == ("/api/docs/problems/not-found", "Niet gevonden.")


def test_a_write_to_a_read_endpoint_is_a_405_problem_and_writes_nothing():
    # given
    contact = company_contact()
    connection = ConnectionFactory(customer=contact.customer)
    before = list(Connection.objects.values_list("pk", "state"))

    # when
    response = _signed_in(contact.user).post(
        f"/api/v1/connections/{connection.pk}/", {"state": "live"}, content_type="application/json"
    )

    # then
    assert response.status_code == 405
    assert json.loads(response.content)["type"] == "/api/docs/problems/method-not-allowed"
    assert list(Connection.objects.values_list("pk", "state")) == before


def test_field_errors_are_one_flat_list_with_the_field_named():
    # given: the error a serializer raises for bad input
    error = ValidationError({"name": ["Too long."], "scope": ["Not a choice."], "nested": {"when": ["Bad date."]}})

    # when
    response = problem_details_handler(error, {})

    # then
    assert response is not None and response.status_code == 400
    assert response.data["type"] == "/api/docs/problems/invalid"
    assert response.data["errors"] == [
        {"field": "name", "message": "Too long.", "code": "invalid"},
        {"field": "scope", "message": "Not a choice.", "code": "invalid"},
        {"field": "nested.when", "message": "Bad date.", "code": "invalid"},
    ]


# ------------------------------------------------------------------------------------------------- pagination
def test_a_list_is_cursor_paginated_without_skipping_or_repeating_a_row():
    # given: three connections of one company
    contact = company_contact()
    flows = list(MessageFlow.objects.order_by("code")[:3])
    made = [ConnectionFactory(customer=contact.customer, flow=flow).pk for flow in flows]
    client = _signed_in(contact.user)

    # when: read two at a time
    first = json.loads(client.get(LIST, {"page_size": 2}).content)
    second = json.loads(client.get(first["next"]).content)

    # then
    assert [row["id"] for row in first["results"]] + [row["id"] for row in second["results"]] == made
    assert second["next"] is None
    assert "count" not in first


def test_a_tampered_cursor_is_a_400_problem():
    # given
    contact = company_contact()

    # when
    response = _signed_in(contact.user).get(LIST, {"cursor": "not-a-cursor"})

    # then
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"


# ------------------------------------------------------------------------------------------------- throttling
def test_past_the_rate_a_caller_gets_429_with_retry_after(monkeypatch, settings):
    # given: a rate of two a minute, and a clock that stands still
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"api": "2/min"}}
    monkeypatch.setattr(SimpleRateThrottle, "timer", lambda self: 1_000_000.0)
    contact = company_contact()
    client = _signed_in(contact.user)

    # when
    statuses = [client.get(LIST).status_code for _ in range(2)]
    refused = client.get(LIST, HTTP_ACCEPT_LANGUAGE="en")

    # then
    assert statuses == [200, 200]
    assert refused.status_code == 429
    assert refused["Retry-After"] == "60"
    body = json.loads(refused.content)
    assert (body["type"], body["title"]) == ("/api/docs/problems/throttled", "Too many requests.")


def test_the_rate_is_counted_per_caller(monkeypatch, settings):
    # given: one caller used its rate up
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"api": "1/min"}}
    monkeypatch.setattr(SimpleRateThrottle, "timer", lambda self: 1_000_000.0)
    first, second = _signed_in(company_contact().user), _signed_in(company_contact().user)
    assert first.get(LIST).status_code == 200
    assert first.get(LIST).status_code == 429

    # when
    response = second.get(LIST)

    # then
    assert response.status_code == 200

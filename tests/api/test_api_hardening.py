"""Bad input of any kind gets a 4xx problem with a reason, in Dutch or English, and writes nothing (issue 17 item 6):
unknown query parameters and fields, wrong types, bad cursors, a body too large (413) or not JSON (415), too many
requests (429 with Retry-After), an address the API does not have; the state is never writable.

"Writes nothing": every statement the request ran is captured, and none may write, except what every API request
writes on purpose (the token's last use; the refusal audit of a refused token)."""

import base64
import json
from typing import Any

import pytest
from django.core.cache import cache
from django.db import connection as database
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import resolve, reverse
from django.utils import translation
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.test import APIRequestFactory
from rest_framework.throttling import SimpleRateThrottle
from rest_framework.views import APIView

from api.models import ApiToken
from api.serializers_strict import UnknownFieldsRefused
from api.services.tokens import api_token_create
from api.views.strict import KnownQueryParametersOnly
from connections.models import ConnectionEvent, ConnectionState, Customer
from connections.selectors.company_access import portal_contact
from tests.connections.factories import ConnectionFactory, CustomerFactory, core_team_member
from tests.connections.portal_factories import company_contact
from tests.test_hostile_input import ROUTES

pytestmark = pytest.mark.django_db

PROBLEM = "application/problem+json"
WRITTEN_ON_PURPOSE = ('UPDATE "api_apitoken" SET "last_used_at"', 'INSERT INTO "connections_refusal"')
API_ROUTES = sorted(route for route in ROUTES if route.startswith("api/v1/"))
TEAM_ROUTES = {
    route
    for route in API_ROUTES
    if route.startswith(("api/v1/team/", "api/v1/traffic/"))
    or route.endswith(("/transitions/", "/transitions/<str:name>/", "/assignment/"))
}
# Any id will do: the check runs after the permissions and before the object is looked up.
ANY_IDS = {"name": "invite"}


@pytest.fixture(autouse=True)
def _no_throttle_counts():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def hub_token() -> dict[str, Any]:
    """A hub's read-write token, a client of the hub with a connection and a timeline."""
    hub = company_contact(role=Customer.Role.HUB)
    connection = ConnectionFactory(customer=CustomerFactory(hub=hub.customer))
    ConnectionEvent.objects.create(
        connection=connection, transition="invite", from_state=ConnectionState.PLANNED, to_state=ConnectionState.INVITED
    )
    _, key = api_token_create(contact=hub, name="Hardening", scope="read_write", expires_on=None)
    return {"key": key, "hub": hub, "ids": {"connection_id": connection.pk}}


def _client(token: dict[str, Any]) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {token['key']}")


def _url(route: str, ids: dict[str, Any]) -> str:
    pattern = ROUTES[route]
    return reverse(
        pattern.name, kwargs={name: ids.get(name, ANY_IDS.get(name, 999_999)) for name in pattern.converters}
    )


def _writes(queries: CaptureQueriesContext) -> list[str]:
    statements = [query["sql"] for query in queries.captured_queries]
    return [
        sql
        for sql in statements
        if sql.split(" ", 1)[0].upper() in {"INSERT", "UPDATE", "DELETE"} and not sql.startswith(WRITTEN_ON_PURPOSE)
    ]


def _problem(response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.content[:500]
    assert response["Content-Type"] == PROBLEM
    body = json.loads(response.content)
    assert set(body) >= {"type", "title", "status", "detail"} and body["status"] == status
    return body


def _cursor(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


# ------------------------------------------------------------------------------------------------- query parameters
@pytest.mark.parametrize("route", API_ROUTES)
@pytest.mark.parametrize(
    ("language", "title", "message"),
    [
        ("en", "The request is not valid.", "This endpoint has no such parameter."),
        ("nl", "Het verzoek is niet geldig.", "Dit endpoint kent deze parameter niet."),
    ],
)
def test_an_unknown_query_parameter_is_a_400_problem_that_names_it(route, language, title, message, hub_token):
    # given: every endpoint of the API, the team's asked by a core-team member (who may use all of them)
    if route in TEAM_ROUTES:
        client = Client()
        client.force_login(core_team_member())
    else:
        client = _client(hub_token)

    # when: a misspelt filter
    with CaptureQueriesContext(database) as queries:
        response = client.get(_url(route, hub_token["ids"]), {"custmer": "1"}, HTTP_ACCEPT_LANGUAGE=language)

    # then
    body = _problem(response, 400)
    assert body["title"] == title
    assert body["errors"] == [{"field": "custmer", "message": message, "code": "invalid"}]
    assert _writes(queries) == []


@pytest.mark.parametrize(
    ("parameters", "field"),
    [
        ({"customer": "abc"}, "customer"),
        ({"customer": "0"}, "customer"),
        ({"customer": "-3"}, "customer"),
        ({"customer": "1e3"}, "customer"),
        ({"customer": str(2**64)}, "customer"),
        ({"customer": "\x00"}, "customer"),
        ({"page_size": "abc"}, "page_size"),
        ({"page_size": "0"}, "page_size"),
        ({"page_size": "201"}, "page_size"),
        ({"page_size": "-1"}, "page_size"),
        ({"page_size": "\u0661\u0662"}, "page_size"),  # Arabic-Indic digits: isdigit(), yet no page size
        ({"page_size": ""}, "page_size"),
        ({"page_size": "9" * 5000}, "page_size"),  # past int()'s 4,300 digits
        ({"customer": "9" * 5000}, "customer"),
    ],
)
def test_a_parameter_of_the_wrong_type_is_a_400_problem(parameters, field, hub_token):
    # when
    with CaptureQueriesContext(database) as queries:
        response = _client(hub_token).get("/api/v1/connections/", parameters, HTTP_ACCEPT_LANGUAGE="en")

    # then
    body = _problem(response, 400)
    assert [error["field"] for error in body["errors"]] == [field]
    assert _writes(queries) == []


@pytest.mark.parametrize(
    ("route", "cursor"),
    [
        ("api/v1/connections/", "not-a-cursor"),
        ("api/v1/connections/", "\u00e9"),
        ("api/v1/connections/", _cursor("p=abc")),  # a position that is no id
        ("api/v1/connections/", _cursor("p=1\x00")),
        ("api/v1/connections/", _cursor("o=-1")),
        ("api/v1/connections/", _cursor("r=x")),
        ("api/v1/connections/<int:connection_id>/timeline/", _cursor("p=not-a-date")),
    ],
)
@pytest.mark.parametrize(
    ("language", "message"),
    [("en", "This cursor is not one this list gave."), ("nl", "Deze cursor komt niet van deze lijst.")],
)
def test_a_bad_cursor_is_a_400_problem(route, cursor, language, message, hub_token):
    # when
    response = _client(hub_token).get(_url(route, hub_token["ids"]), {"cursor": cursor}, HTTP_ACCEPT_LANGUAGE=language)

    # then
    body = _problem(response, 400)
    assert body["errors"] == [{"field": "cursor", "message": message, "code": "invalid"}]


def test_a_cursor_the_list_gave_still_works(hub_token):
    # given: a hub with three clients, read one at a time
    for _ in range(2):
        ConnectionFactory(customer=CustomerFactory(hub=hub_token["hub"].customer))
    client = _client(hub_token)
    first = client.get("/api/v1/connections/", {"page_size": 1}).json()

    # when
    second = client.get(first["next"])

    # then
    assert second.status_code == 200 and len(second.json()["results"]) == 1


@pytest.mark.parametrize(
    ("path", "language", "detail"),
    [
        ("/api/v1/connections/abc/", "en", "The API has no such address."),
        ("/api/v1/connections/-1/timeline/", "en", "The API has no such address."),
        ("/api/v1/nothing-here/", "nl", "De API heeft geen adres als dit."),
    ],
)
def test_an_address_the_api_does_not_have_is_a_404_problem(path, language, detail, hub_token):
    # when
    response = _client(hub_token).get(path, HTTP_ACCEPT_LANGUAGE=language)

    # then
    assert _problem(response, 404)["detail"] == detail


def test_a_missing_page_elsewhere_keeps_the_sites_own_404_page(client):
    # when
    response = client.get("/no-such-page/")

    # then
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


# ------------------------------------------------------------------------------------------------- throttling
@pytest.mark.parametrize(("language", "title"), [("en", "Too many requests."), ("nl", "Te veel verzoeken.")])
def test_past_a_tiny_rate_the_token_gets_429_with_retry_after(language, title, hub_token, settings, monkeypatch):
    # given: a rate of one a minute, and a throttle clock that stands still
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"api": "1/min"}}
    monkeypatch.setattr(SimpleRateThrottle, "timer", lambda self: 1_000_000.0)
    client = _client(hub_token)
    assert client.get("/api/v1/companies/").status_code == 200

    # when
    response = client.get("/api/v1/companies/", HTTP_ACCEPT_LANGUAGE=language)

    # then
    body = _problem(response, 429)
    assert body["title"] == title
    assert response["Retry-After"] == "60"


# ------------------------------------------------------------------------------------------------- writes
class _TokenWriteSerializer(UnknownFieldsRefused):
    name = serializers.CharField(max_length=100)
    scope = serializers.ChoiceField(choices=ApiToken.Scope.choices)
    state = serializers.CharField(read_only=True)


class _TokenWriteView(APIView):
    """A write endpoint on the API's defaults (authentication, permissions, throttling, the JSON parser with its
    limit, problem details) over a real service: the refusals every write endpoint inherits."""

    def post(self, request: Request) -> Response:
        serializer = _TokenWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        api_token_create(contact=portal_contact(request.user), expires_on=None, **serializer.validated_data)
        return Response({"made": True}, status=201)


def _write(hub_token: dict[str, Any], body: bytes, content_type: str = "application/json", language: str = "en"):
    request = APIRequestFactory().post(
        "/api/v1/test-write/",
        data=body,
        content_type=content_type,
        HTTP_AUTHORIZATION=f"Bearer {hub_token['key']}",
    )
    with translation.override(language), CaptureQueriesContext(database) as queries:
        response = _TokenWriteView.as_view()(request)
        response.render()
    return response, queries


def test_a_good_write_is_made(hub_token):
    # when
    response, _ = _write(hub_token, json.dumps({"name": "Made", "scope": "read"}).encode())

    # then: the control case of the refusals below
    assert response.status_code == 201
    assert ApiToken.objects.filter(name="Made").count() == 1


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"name": "X", "scope": "read", "sope": "read"}, ["sope"]),
        ({"name": "X", "scope": "read", "state": "live"}, ["state"]),  # read-only: a state changes by transition
        ({"name": "X", "scope": "read", "id": 1, "prefix": "htg_"}, ["id", "prefix"]),
        ({"name": 12, "scope": "admin"}, ["scope"]),
        ({"name": ["X"], "scope": "read"}, ["name"]),
        ({"name": "X" * 101, "scope": "read"}, ["name"]),
        ({"name": None, "scope": None}, ["name", "scope"]),
        (["name", "scope"], ["non_field_errors"]),
        ("X", ["non_field_errors"]),
    ],
)
def test_an_unknown_field_or_a_wrong_type_is_a_400_problem_and_nothing_is_written(body, fields, hub_token):
    # given
    before = ApiToken.objects.count()

    # when
    response, queries = _write(hub_token, json.dumps(body).encode())

    # then
    problem = _problem(response, 400)
    assert [error["field"] for error in problem["errors"]] == fields
    assert ApiToken.objects.count() == before
    assert _writes(queries) == []


@pytest.mark.parametrize(
    "body",
    [b"{", b'{"name": NaN, "scope": "read"}', b"\xff\xfe", b'{"name": "\\ud800", "scope": "read"}'],
)
def test_a_body_that_is_no_json_is_a_400_problem(body, hub_token):
    # given
    before = ApiToken.objects.count()

    # when
    response, queries = _write(hub_token, body)

    # then
    _problem(response, 400)
    assert ApiToken.objects.count() == before
    assert _writes(queries) == []


@pytest.mark.parametrize(
    ("language", "title", "detail"),
    [
        ("en", "The request is too large.", "The body is larger than 1000 bytes."),
        ("nl", "Het verzoek is te groot.", "De inhoud is groter dan 1000 bytes."),
    ],
)
def test_a_body_past_the_upload_limit_is_a_413_problem(language, title, detail, hub_token, settings):
    # given: a limit of 1,000 bytes and a body of 5,000 (valid JSON, so only its size refuses it)
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    before = ApiToken.objects.count()

    # when
    response, queries = _write(hub_token, json.dumps({"name": "x" * 5000, "scope": "read"}).encode(), language=language)

    # then
    body = _problem(response, 413)
    assert (body["title"], body["detail"]) == (title, detail)
    assert ApiToken.objects.count() == before
    assert _writes(queries) == []


def test_a_body_longer_than_its_content_length_said_is_still_cut_at_the_limit(hub_token, settings):
    # given: a Content-Length within the limit, a stream that holds more (a body streamed past what it declared)
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    request = APIRequestFactory().post(
        "/api/v1/test-write/",
        data=json.dumps({"name": "x" * 5000, "scope": "read"}),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {hub_token['key']}",
    )
    request.META["CONTENT_LENGTH"] = "10"

    # when
    response = _TokenWriteView.as_view()(request)

    # then: the parser reads at most the limit (here the declared 10 bytes: not JSON), never the whole stream
    assert response.status_code in {400, 413}
    assert ApiToken.objects.count() == 1  # the hub's own token only


@pytest.mark.parametrize(
    ("content_type", "language", "title"),
    [
        ("text/plain", "en", "This content type is not supported."),
        ("application/x-www-form-urlencoded", "en", "This content type is not supported."),
        ("multipart/form-data; boundary=x", "nl", "Dit inhoudstype wordt niet ondersteund."),
    ],
)
def test_a_body_that_is_not_json_by_its_content_type_is_a_415_problem(content_type, language, title, hub_token):
    # given
    before = ApiToken.objects.count()

    # when
    response, queries = _write(hub_token, b"name=X&scope=read", content_type=content_type, language=language)

    # then
    assert _problem(response, 415)["title"] == title
    assert ApiToken.objects.count() == before
    assert _writes(queries) == []


def test_no_request_body_in_the_schema_can_write_a_state(client):
    # given: the live schema, with whatever endpoints it has now and later
    schema = json.loads(client.get("/api/schema/?format=json").content)
    components = schema["components"]["schemas"]

    # when: every schema a request body refers to
    bodies = [
        content["schema"]
        for path_item in schema["paths"].values()
        for operation in path_item.values()
        if isinstance(operation, dict)
        for content in operation.get("requestBody", {}).get("content", {}).values()
    ]
    resolved = [components[body["$ref"].rsplit("/", 1)[1]] if "$ref" in body else body for body in bodies]

    # then: none has a writable state (a state changes only through a transition)
    for body in resolved:
        state = body.get("properties", {}).get("state")
        assert state is None or state.get("readOnly") is True, body


def test_every_endpoint_of_the_api_refuses_unknown_query_parameters():
    # A new endpoint must derive from the strict base (api/views/strict.py), or this fails.
    not_strict = [
        route
        for route in API_ROUTES
        if not issubclass(resolve(_url(route, {})).func.view_class, KnownQueryParametersOnly)
    ]

    assert not_strict == []

"""Schemathesis against the live schema (issue 17 item 7): the schema is read from the app itself (/api/schema/,
through its WSGI handler), and every operation in it is called with generated input, valid and invalid. For each
response: no 5xx, its status code documented, its content type documented, its body valid against the documented
schema, and bad input refused with a 4xx; and no operation that answers 2xx to a request without authentication (or
with a wrong token). An endpoint added later is in the schema, so it is covered here without a line of its own.

The callers are in AUTH_CASES: one line per kind of caller (a hub's token; a core-team member's staff token, who may
use every team endpoint). The run is bounded (MAX_EXAMPLES a operation) and replayable: Hypothesis draws from the
suite's seed (HTG_TEST_SEED, in the report header)."""

import os
from collections.abc import Callable, Iterator

import pytest
import schemathesis
from django.core.cache import cache
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, seed, settings
from schemathesis.core.parameters import ParameterLocation
from schemathesis.specs.openapi.checks import positive_data_acceptance

from api.services.tokens import api_token_create, api_token_staff_create
from connections.models import Customer
from plateaus.models import MessageFlow
from tests.connections.factories import ConnectionFactory, CustomerFactory, core_team_member
from tests.connections.portal_factories import company_contact
from webhooks.services.addresses import URL_MAX_LENGTH

MAX_EXAMPLES = 25


def _hub_token() -> str:
    """A read-write token of a hub with clients, each client with connections (and the hub one of its own)."""
    hub = company_contact(role=Customer.Role.HUB)
    flows = list(MessageFlow.objects.order_by("code")[:2])
    ConnectionFactory(customer=hub.customer, flow=flows[0])
    for _ in range(2):
        client = CustomerFactory(hub=hub.customer)
        for flow in flows:
            ConnectionFactory(customer=client, flow=flow)
    _, key = api_token_create(contact=hub, name="Schemathesis", scope="read_write", expires_on=None)
    return key


def _core_team_token() -> str:
    """A read-write staff token of a core-team member: the team's endpoints (escalations too), with a connection,
    a customer and an escalation-worthy list to read."""
    ConnectionFactory(customer=CustomerFactory())
    _, key = api_token_staff_create(user=core_team_member(), name="Schemathesis", scope="read_write", expires_on=None)
    return key


# One line per kind of caller: its name and how to make its Authorization header's token.
AUTH_CASES: dict[str, Callable[[], str]] = {
    "hub_read_write_token": _hub_token,
    "core_team_read_write_token": _core_team_token,
}


@pytest.fixture
def _requests_keep_the_test_transaction() -> Iterator[None]:
    """Django's own test client does this too: a request through the real WSGI handler would otherwise close the
    database connection at its end (close_old_connections), and with it the test's transaction."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture(autouse=True)
def _each_test_fresh(db, _requests_keep_the_test_transaction) -> None:
    cache.clear()  # no throttle counts from an earlier test


@pytest.fixture
def bearer_of(db) -> Callable[[str], dict[str, str]]:
    """The Authorization header of a caller of AUTH_CASES, made once a test (not once an example)."""
    made: dict[str, dict[str, str]] = {}

    def header(caller: str) -> dict[str, str]:
        if caller not in made:
            made[caller] = {"Authorization": f"Bearer {AUTH_CASES[caller]()}"}
        return made[caller]

    return header


# Read at collection, from the app's own schema view (it reads no database), so that each operation is a test of its
# own. (Schemathesis's fixture-loaded schema does not run under pytest 9.)
schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", WSGIHandler())


# Operations whose valid input the schema cannot describe: the events feed's `after` is an opaque cursor (only the
# feed's own answers hold valid ones), a webhook's address must be an https host that answers. For these two a
# generated value that fits the schema may rightly be refused, so "a schema-valid request is accepted" is not
# checked; every other check is. Their refusals are tested with real values in tests/webhooks/.
OPAQUE_INPUT = {"/api/v1/events/", "/api/v1/webhooks/"}
# Operations with rules a schema cannot state, so a generated value that fits the schema may rightly be refused (400
# with the reason): for these too "a schema-valid request is accepted" is not checked, every other check is. Each
# rule's refusal is tested with real values (tests/api/test_api_company_writes.py, test_api_team_parameters.py and
# test_api_team_work.py).
RULES_BEYOND_THE_SCHEMA = {
    ("POST", "/api/v1/team/availability/"): "a day to come, its end after its start",
    ("POST", "/api/v1/team/callbacks/"): "text that is not only spaces",
    ("GET", "/api/v1/team/dashboard/"): "a plateau of the programme, a what-if within the page's bounds",
    ("GET", "/api/v1/team/lookup/"): "a search without NUL characters",
    ("POST", "/api/v1/team/imports/"): "a registration list's name and content (tests/imports/)",
    ("POST", "/api/v1/traffic/"): "a traffic file's name and content (tests/traffic/)",
}


def acts_on_an_object(case) -> bool:
    """A write to an object named in the path (a connection's step, booking or confirmation, an escalation closed, a
    block withdrawn, a list imported): once a generated id names an existing object, whether the action is accepted
    depends on that object's state (a step its state allows, a slot free, an open callback, a team member to assign),
    which a schema cannot state. Their refusals are tested with real objects in tests/api/."""
    return case.operation.method.upper() in {"POST", "PUT", "PATCH", "DELETE"} and "{" in case.operation.path


@schema.hook
def map_query(context, query):
    """A cursor is opaque: only a list's own `next` and `previous` links hold valid ones, so a generated cursor is never
    valid input, and a refused one would read as a valid request refused. Bad cursors are tested on their own
    (tests/api/test_api_hardening.py)."""
    if query:
        query.pop("cursor", None)
        query.pop("after", None)  # the events feed's cursor, as opaque (tests/webhooks/ read the feed with real ones)
    return query


@schema.hook
def map_body(context, body):
    """A webhook's address is valid only for a host that answers (https, a host the tests allow): a generated string
    that fits the schema's length is replaced by such an address, so a refusal reads as what it is. Addresses that
    break the schema (empty, too long, not a string) stay as generated; refused addresses are tested in
    tests/webhooks/."""
    if context.operation.path == "/api/v1/webhooks/" and isinstance(body, dict):
        url = body.get("url")
        if isinstance(url, str) and 1 <= len(url) <= URL_MAX_LENGTH:
            body["url"] = "https://127.0.0.1/hook"
    return body


@schema.parametrize()
@seed(int(os.environ["HTG_TEST_SEED"]))
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_every_operation_answers_as_its_schema_says(case, bearer_of):
    # when / then: every check Schemathesis has, the authentication one included (it calls again without the token
    # and with a wrong one, and wants a 401 or 403)
    beyond = (case.operation.method.upper(), case.operation.path) in RULES_BEYOND_THE_SCHEMA or acts_on_an_object(case)
    excluded = [positive_data_acceptance] if case.operation.path in OPAQUE_INPUT or beyond else []
    for caller in AUTH_CASES:
        case.call_and_validate(headers={**bearer_of(caller), "Accept-Language": "en"}, excluded_checks=excluded)


@schema.parametrize()
@seed(int(os.environ["HTG_TEST_SEED"]))
@settings(
    max_examples=5,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_no_operation_answers_without_authentication(case):
    # when: no Authorization header and no session
    response = case.call(headers={"Accept-Language": "en"})

    # then: 401; or a 404 where a bad path parameter matches no route (the request reaches no endpoint)
    wanted = {401, 404} if case.meta is not None and case.meta.is_negative_at(ParameterLocation.PATH) else {401}
    assert response.status_code in wanted, (case.operation.label, response.status_code, response.text[:300])
    assert response.headers["content-type"] == ["application/problem+json"]

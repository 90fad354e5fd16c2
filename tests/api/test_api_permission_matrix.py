"""Who may call which API route (issue 17 item 7): a matrix generated from the URLconf. Every route under /api/ must
have an entry here, else the first test fails; each entry says, for each caller, the status it gets and, for a
list, whether company A's row is in it ("200 with A", "200 without A").

Callers: anonymous; company A; company B; the hub that serves A; a hub that does not; A's read-only token, A's
revoked token, A's expired token; helpdesk; team."""

import datetime

import pytest
from django.core.cache import cache
from django.db import transaction
from django.test import Client
from django.urls import reverse

from api.models import ApiToken
from api.services.tokens import api_token_create, api_token_revoke
from tests.connections.factories import ConnectionFactory, helpdesk_member, team_member
from tests.connections.portal_factories import company_contact, hub_with_client
from tests.test_hostile_input import ROUTES
from tests.webhooks.factories import endpoint_for
from webhooks.models import EventKind, WebhookDelivery
from webhooks.services import event_record
from webhooks.services.events import events_publish

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2020, 5, 15)
CALLERS = (
    "anonymous",
    "company_a",
    "company_b",
    "hub_of_a",
    "hub_not_of_a",
    "read_only_token",
    "revoked_token",
    "expired_token",
    "helpdesk",
    "team",
)
PUBLIC = dict.fromkeys(CALLERS, "200")
# A list: a company, A's hub and A's own token see A's row; another company or hub gets its own list without it.
A_LIST = {
    "anonymous": "401",
    "company_a": "200 with A",
    "company_b": "200 without A",
    "hub_of_a": "200 with A",
    "hub_not_of_a": "200 without A",
    "read_only_token": "200 with A",
    "revoked_token": "401",
    "expired_token": "401",
    "helpdesk": "403",
    "team": "403",
}
# One of A's objects: anyone else gets a 404, exactly as for an id that does not exist.
A_OBJECT = {
    "anonymous": "401",
    "company_a": "200",
    "company_b": "404",
    "hub_of_a": "200",
    "hub_not_of_a": "404",
    "read_only_token": "200",
    "revoked_token": "401",
    "expired_token": "401",
    "helpdesk": "403",
    "team": "403",
}
# A company's own webhooks: its hub sees none of them (a hub registers its own, which get its clients' events).
OWN_LIST = {**A_LIST, "hub_of_a": "200 without A"}
OWN_OBJECT = {**A_OBJECT, "hub_of_a": "404"}
# A POST-only action: who may call it gets 405 for a GET (the permission is checked first).
POST_ONLY = {
    **dict.fromkeys(CALLERS, "405"),
    **{caller: A_OBJECT[caller] for caller in A_OBJECT if A_OBJECT[caller] in {"401", "403"}},
}
MATRIX = {
    "api/schema/": PUBLIC,
    "api/docs/": PUBLIC,
    "api/redoc/": PUBLIC,
    "api/v1/companies/": A_LIST,
    "api/v1/connections/": A_LIST,
    "api/v1/connections/<int:connection_id>/": A_OBJECT,
    "api/v1/connections/<int:connection_id>/timeline/": A_OBJECT,
    "api/v1/events/": A_LIST,
    "api/v1/webhooks/": OWN_LIST,
    "api/v1/webhooks/<int:endpoint_id>/": OWN_OBJECT,
    "api/v1/webhooks/<int:endpoint_id>/resume/": POST_ONLY,
    "api/v1/webhooks/<int:endpoint_id>/deliveries/": OWN_OBJECT,
    "api/v1/webhooks/<int:endpoint_id>/deliveries/<int:delivery_id>/resend/": POST_ONLY,
}
API_ROUTES = sorted(route for route in ROUTES if route.startswith("api/"))


@pytest.fixture(autouse=True)
def _pinned(settings):
    settings.HTG_CLOCK_DATE = TODAY
    cache.clear()


def test_every_api_route_is_in_the_matrix():
    # a route added later without an entry fails here
    assert sorted(MATRIX) == API_ROUTES
    assert all(set(entry) == set(CALLERS) for entry in MATRIX.values())


def _callers() -> tuple[dict[str, Client], dict[str, int]]:
    hub_of_a, a_customer = hub_with_client()
    company_a = company_contact(a_customer)
    company_b = company_contact()
    hub_not_of_a, _ = hub_with_client()
    connection = ConnectionFactory(customer=a_customer)
    ConnectionFactory(customer=company_b.customer)
    _, read_key = api_token_create(contact=company_a, name="read", scope="read", expires_on=None)
    revoked, revoked_key = api_token_create(contact=company_a, name="revoked", scope="read", expires_on=None)
    api_token_revoke(contact=company_a, token_id=revoked.pk, actor=company_a.user)
    expired, expired_key = api_token_create(contact=company_a, name="expired", scope="read", expires_on=TODAY)
    ApiToken.objects.filter(pk=expired.pk).update(expires_on=TODAY - datetime.timedelta(days=1))

    def signed_in(user) -> Client:
        client = Client()
        client.force_login(user)
        return client

    def bearer(key: str) -> Client:
        return Client(HTTP_AUTHORIZATION=f"Bearer {key}")

    clients = {
        "anonymous": Client(),
        "company_a": signed_in(company_a.user),
        "company_b": signed_in(company_b.user),
        "hub_of_a": signed_in(hub_of_a.user),
        "hub_not_of_a": signed_in(hub_not_of_a.user),
        "read_only_token": bearer(read_key),
        "revoked_token": bearer(revoked_key),
        "expired_token": bearer(expired_key),
        "helpdesk": signed_in(helpdesk_member()),
        "team": signed_in(team_member()),
    }
    endpoint, _secret = endpoint_for(company_a)
    with transaction.atomic():
        event_id = event_record(
            kind=EventKind.STATE_CHANGED, customer_id=a_customer.pk, connection_id=connection.pk, payload={},
            occurred_at=datetime.datetime(2020, 5, 15, tzinfo=datetime.UTC),
        )  # fmt: skip
    events_publish()
    delivery = WebhookDelivery.objects.get(event_id=event_id)
    return clients, {
        "connection_id": connection.pk,
        "customer_id": a_customer.pk,
        "endpoint_id": endpoint.pk,
        "delivery_id": delivery.pk,
        "event_id": event_id,
    }


def _outcome(response, a_ids: dict[str, int], route: str) -> str:
    status = str(response.status_code)
    if response.status_code != 200 or MATRIX[route] in (PUBLIC, A_OBJECT, OWN_OBJECT):
        return status
    rows = response.json()["results"]
    wanted = {
        "api/v1/companies/": a_ids["customer_id"],
        "api/v1/events/": a_ids["event_id"],
        "api/v1/webhooks/": a_ids["endpoint_id"],
    }.get(route, a_ids["connection_id"])
    return f"{status} {'with' if any(row['id'] == wanted for row in rows) else 'without'} A"


@pytest.mark.parametrize("route", API_ROUTES)
def test_each_caller_gets_what_the_matrix_says(route):
    # given
    clients, a_ids = _callers()
    pattern = ROUTES[route]
    url = reverse(pattern.name, kwargs={name: a_ids[name] for name in pattern.converters})

    # when
    found = {caller: _outcome(clients[caller].get(url), a_ids, route) for caller in CALLERS}

    # then
    assert found == MATRIX[route]

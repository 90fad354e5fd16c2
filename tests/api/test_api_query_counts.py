"""A pinned query count for every list endpoint of the API at two data sizes (issue 17 item 7; STYLE.md "Reads and
N+1"): the same number of queries for a page of 3 rows as for a page of 30. The list endpoints come from the URLconf
(every route under api/ whose view lists); one without an entry in LISTS fails the first test.

Each entry makes the rows for a caller (a hub with clients, as a hub's token sees them) and gives the page's URL and
the pinned count. The caller is a read-write token: its request also pays for the token's checks (the token and its
contact, the last-used note), which are part of every API request."""

import datetime
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import resolve, reverse
from rest_framework.mixins import ListModelMixin

from api.services.tokens import api_token_create
from connections.models import ConnectionEvent, ConnectionState, Customer
from plateaus.models import MessageFlow
from tests.connections.factories import ConnectionFactory, CustomerFactory, reserve_slot
from tests.connections.portal_factories import company_contact
from tests.test_hostile_input import ROUTES

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2020, 5, 15)
SIZES = (3, 30)


@dataclass(frozen=True)
class ListCase:
    make: Callable[[Customer, int], dict[str, int]]  # makes `size` rows the hub sees; gives the route's kwargs
    queries: int  # pinned: the same at every size


def _clients(hub: Customer, size: int) -> dict[str, int]:
    CustomerFactory.create_batch(size, hub=hub)
    return {}


def _clients_connections(hub: Customer, size: int) -> dict[str, int]:
    # each client with a connection, every other one with a booked slot (the booking is read for every row)
    flow = MessageFlow.objects.order_by("code").first()
    for number in range(size):
        connection = ConnectionFactory(customer=CustomerFactory(hub=hub), flow=flow)
        if number % 2:
            reserve_slot(connection)
    return {}


def _timeline(hub: Customer, size: int) -> dict[str, int]:
    connection = ConnectionFactory(customer=CustomerFactory(hub=hub))
    ConnectionEvent.objects.bulk_create(
        ConnectionEvent(
            connection=connection,
            transition="invite",
            from_state=ConnectionState.PLANNED,
            to_state=ConnectionState.INVITED,
        )
        for _ in range(size)
    )
    return {"connection_id": connection.pk}


LISTS: dict[str, ListCase] = {
    "api/v1/companies/": ListCase(make=_clients, queries=3),
    "api/v1/connections/": ListCase(make=_clients_connections, queries=5),
    "api/v1/connections/<int:connection_id>/timeline/": ListCase(make=_timeline, queries=4),
}


def _is_list(route: str) -> bool:
    pattern = ROUTES[route]
    view = resolve(reverse(pattern.name, kwargs=dict.fromkeys(pattern.converters, 1))).func
    return issubclass(getattr(view, "view_class", object), ListModelMixin)


LIST_ROUTES = sorted(route for route in ROUTES if route.startswith("api/") and _is_list(route))


@pytest.fixture(autouse=True)
def _pinned(settings):
    settings.HTG_CLOCK_DATE = TODAY
    cache.clear()


# Lists a company's token cannot read, pinned at 3 and 30 rows with their own callers where they are tested: the team's
# (tests/api/test_api_team_connections.py, test_api_team_work.py) and the webhooks' (tests/webhooks/).
PINNED_ELSEWHERE = {
    "api/v1/team/callbacks/",
    "api/v1/team/customers/",
    "api/v1/team/escalations/",
    "api/v1/team/imports/",
    "api/v1/webhooks/",
    "api/v1/webhooks/<int:endpoint_id>/deliveries/",
}


def test_every_list_endpoint_has_a_pinned_count():
    # a list endpoint added later without an entry fails here
    assert sorted(set(LISTS) | PINNED_ELSEWHERE) == LIST_ROUTES


@pytest.mark.parametrize("route", sorted(LISTS))
def test_a_list_costs_the_same_queries_for_3_and_for_30_rows(route, django_assert_num_queries):
    case = LISTS[route]
    pattern = ROUTES[route]
    for size in SIZES:
        # given: a hub whose token sees `size` rows of the list (a page holds them all)
        hub = company_contact(role=Customer.Role.HUB)
        kwargs = case.make(hub.customer, size)
        _, key = api_token_create(contact=hub, name="Counts", scope="read_write", expires_on=None)
        client = Client(HTTP_AUTHORIZATION=f"Bearer {key}")
        url = reverse(pattern.name, kwargs=kwargs)

        # when / then
        with django_assert_num_queries(case.queries):
            response = client.get(url)
        assert response.status_code == 200
        assert len(response.json()["results"]) >= size

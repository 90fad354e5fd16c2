"""What the team's endpoints read: the team's own selectors (the connection list and its filters, the escalation
queue, the callback queue, the imports), with what the API's serializers show loaded in the same queries."""

from typing import Any

from django.db.models import Prefetch, QuerySet
from django.shortcuts import get_object_or_404

from connections.models import Connection, Customer, SlotBooking
from connections.selectors.connection_list import ConnectionFilters, connection_list
from htg_migration import clock


def _active_bookings() -> Prefetch:
    active = SlotBooking.objects.filter(cancelled_at__isnull=True).select_related("slot")
    return Prefetch("bookings", queryset=active, to_attr="active_bookings")


def api_team_connection_list(*, filters: ConnectionFilters) -> QuerySet[Connection]:
    """The team's connection list (`connection_list`, the same filters), with each active booking: two queries for
    any number of rows."""
    return connection_list(filters=filters, today=clock.today()).prefetch_related(_active_bookings())


def api_team_connection_get(*, connection_id: int) -> Connection:
    """One connection as the team's list shows it; 404 for an unknown id."""
    return get_object_or_404(api_team_connection_list(filters=ConnectionFilters()), pk=connection_id)


def api_team_customer_list(*, filters: ConnectionFilters) -> QuerySet[Customer]:
    """The companies with a connection in the team's list under the same filters (as the list's export takes them),
    each once, with its hub: one query."""
    connections: Any = connection_list(filters=filters, today=clock.today()).order_by().values("customer_id")
    return Customer.objects.filter(pk__in=connections).select_related("hub")

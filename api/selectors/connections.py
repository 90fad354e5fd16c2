"""What the API reads, each through the portal's access selectors (connections/selectors/company_access.py): the
companies the caller acts for, their connections with the active booking, and one connection's timeline."""

from typing import Any

from django.db.models import Prefetch, QuerySet

from connections.models import Connection, ConnectionEvent, Customer, SlotBooking
from connections.selectors.company_access import portal_connections, portal_customers
from connections.selectors.company_steps import confirmations_prefetch
from connections.views.access import portal_connection_get


def api_company_list(*, user: Any) -> QuerySet[Customer]:
    """The caller's own company and, for a hub or software supplier, each client it serves."""
    return portal_customers(user).order_by("id")


def api_connection_list(*, user: Any, customer_id: int | None = None) -> QuerySet[Connection]:
    """The connections the caller may see, each with its customer, flow, active booking (`active_bookings`) and the
        confirmations the company gave (for its next step): three queries for any number of rows, the confirmations read
    for the page's rows only."""
    active = SlotBooking.objects.filter(cancelled_at__isnull=True).select_related("slot")
    connections = (
        portal_connections(user)
        .select_related("customer", "flow")
        .prefetch_related(Prefetch("bookings", queryset=active, to_attr="active_bookings"), confirmations_prefetch())
    )
    if customer_id is not None:
        connections = connections.filter(customer_id=customer_id)
    return connections


def api_connection_timeline(*, user: Any, connection_id: int) -> QuerySet[ConnectionEvent]:
    """One connection's events, oldest first; a connection the caller may not see is a 404 (`portal_connection_get`)."""
    connection = portal_connection_get(user, connection_id)
    return ConnectionEvent.objects.filter(connection=connection)

"""Reads for the portal's actions and a hub's client list. Every read starts from the portal's
access rule (`connections.views.access`), so another company's row is never found."""

import datetime
from typing import Any

from django.db.models import BooleanField, Exists, ExpressionWrapper, F, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.http import Http404

from connections.models import CallbackRequest, CompanyConfirmation, Connection, ConnectionEvent, Customer, SlotBooking
from connections.selectors.company_access import portal_connections, portal_contact, portal_customers
from connections.selectors.connections import connection_overdue_q, connection_waiting_on_company_q
from connections.services.htg_numbers import htg_number_normalise


def portal_connection_for_actions(*, user: Any, connection_id: int) -> Connection:
    """One connection the user acts for, with its customer, flow, plateau, active booking (`active_bookings`) and
    the company's confirmations (`confirmations`); 404 for any other id. Three queries."""
    active = SlotBooking.objects.filter(cancelled_at__isnull=True).select_related("slot", "slot__team_member")
    confirmations = ConnectionEvent.objects.filter(transition__in=CompanyConfirmation.values).order_by("created_at")
    connection = (
        portal_connections(user)
        .select_related("customer", "flow__plateau")
        .prefetch_related(
            Prefetch("bookings", queryset=active, to_attr="active_bookings"),
            Prefetch("events", queryset=confirmations, to_attr="confirmations"),
        )
        .filter(pk=connection_id)
        .first()
    )
    if connection is None:
        raise Http404
    return connection


def portal_client_list(
    *, user: Any, today: datetime.date, query: str = "", needs_action: bool = False, overdue: bool = False
) -> QuerySet[Customer]:
    """The clients of the user's company (a hub or software supplier), each with its connections and their flows
    prefetched (`client_connections`, each with `needs_action` and `is_overdue`) and the earliest due date of a step
    that waits on it (`next_due_on`); narrowed by a name fragment or an HTG number, to clients with a step waiting
    on them (`needs_action`) or past its due date (`overdue`). By name; narrowed to what waits, by due date first.
    Three queries with a paginator (count, clients, connections), whatever the number of rows."""
    contact = portal_contact(user)
    if contact is None:
        return Customer.objects.none()
    clients = Customer.objects.filter(hub_id=contact.customer_id)
    query = query.strip()
    if query:
        number = htg_number_normalise(query)
        condition = Q(legal_name__icontains=query) | Q(htg_number__iexact=query)
        if number is not None:
            condition |= Q(htg_number=number)
        clients = clients.filter(condition)
    waiting = connection_waiting_on_company_q()
    late = connection_overdue_q(today=today)
    if needs_action:
        clients = clients.filter(Exists(Connection.objects.filter(waiting, customer_id=OuterRef("pk"))))
    if overdue:
        clients = clients.filter(Exists(Connection.objects.filter(late, customer_id=OuterRef("pk"))))
    next_due = Connection.objects.filter(waiting, customer_id=OuterRef("pk"), due_on__isnull=False).order_by("due_on")
    clients = clients.annotate(next_due_on=Subquery(next_due.values("due_on")[:1]))
    connections = (
        Connection.objects.select_related("flow")
        .annotate(
            needs_action=ExpressionWrapper(waiting, output_field=BooleanField()),
            is_overdue=ExpressionWrapper(late, output_field=BooleanField()),
        )
        .order_by("flow__code")
    )
    prefetch = Prefetch("connections", queryset=connections, to_attr="client_connections")
    order: list[Any] = ["legal_name", "id"]
    if needs_action or overdue:
        order.insert(0, F("next_due_on").asc(nulls_last=True))
    return clients.prefetch_related(prefetch).order_by(*order)


def portal_callback_get(*, user: Any, callback_id: int) -> CallbackRequest:
    """A callback request (a problem report) of a company the user acts for, with its connection's flow; 404 for
    any other id."""
    callback = (
        CallbackRequest.objects.filter(pk=callback_id, customer__in=portal_customers(user))
        .select_related("connection__flow", "customer")
        .first()
    )
    if callback is None:
        raise Http404
    return callback

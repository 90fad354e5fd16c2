"""Reads for the portal's actions and a hub's client list. Every read starts from the portal's
access rule (`connections.views.access`), so another company's row is never found."""

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import BooleanField, Exists, ExpressionWrapper, F, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.http import Http404

from connections.models import (
    CallbackRequest,
    CompanyConfirmation,
    Connection,
    ConnectionEvent,
    Contact,
    Customer,
    SlotBooking,
)
from connections.selectors.company_access import portal_connections, portal_contact, portal_customers
from connections.selectors.connections import connection_overdue_q, connection_waiting_on_company_q
from connections.services.htg_numbers import htg_number_normalise
from connections.services.step_emails import company_recipients, session_callee


def portal_connection_for_actions(*, user: Any, connection_id: int) -> Connection:
    """One connection the user acts for, with its customer, flow, plateau, active booking (`active_bookings`) and
    the company's confirmations (`confirmations`); 404 for any other id. Three queries."""
    active = SlotBooking.objects.filter(cancelled_at__isnull=True).select_related("slot", "slot__team_member")
    confirmations = ConnectionEvent.objects.filter(transition__in=CompanyConfirmation.values).order_by("created_at")
    connection = (
        portal_connections(user)
        .select_related("customer", "flow__plateau__programme")
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


@dataclass(frozen=True)
class SlotConfirmation:
    """What the page after booking or moving a session says: the booking, whether it moved an earlier one, whom
    the team calls, and who received the confirmation by e-mail."""

    connection: Connection
    booking: SlotBooking
    rescheduled: bool
    callee: Contact | None
    recipients: list[Contact]


def portal_slot_confirmation(*, user: Any, connection_id: int) -> SlotConfirmation | None:
    """The active booking of a connection the user acts for (404 for any other id); None if it has none (any
    more)."""
    connection = portal_connections(user).select_related("customer", "flow__plateau").filter(pk=connection_id).first()
    if connection is None:
        raise Http404
    booking = (
        SlotBooking.objects.filter(connection=connection, cancelled_at__isnull=True)
        .select_related("slot", "connection")
        .first()
    )
    if booking is None:
        return None
    rescheduled = SlotBooking.objects.filter(
        connection=connection, pk__lt=booking.pk, end_reason=SlotBooking.EndReason.RESCHEDULED
    ).exists()
    recipients = company_recipients(connection=connection, actor_id=booking.booked_by_id, with_bookers=True)
    return SlotConfirmation(
        connection=connection,
        booking=booking,
        rescheduled=rescheduled,
        callee=session_callee(booking),
        recipients=recipients,
    )


def portal_confirmation_get(*, user: Any, connection_id: int, kind: str) -> tuple[Connection, ConnectionEvent | None]:
    """A connection the user acts for and the company's confirmation of this kind on it (None if not given yet);
    404 for any other connection or an unknown kind."""
    connection = portal_connections(user).select_related("customer", "flow").filter(pk=connection_id).first()
    if connection is None or kind not in CompanyConfirmation.values:
        raise Http404
    return connection, ConnectionEvent.objects.filter(connection=connection, transition=kind).first()

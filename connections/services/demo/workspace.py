"""Demo data for the team's workspace, on top of the seeded companies: published slots in every open plateau's
booking window, open escalations, open callback requests, and a hub's and a software supplier's portal contacts at
fixed addresses (printed by `demo_users` and listed in README.md).

Deterministic (ordered by id and due date, no randomness) and safe to run twice: the slot pattern skips planned days,
and escalations, callbacks and contacts are made only where there are none yet.
"""

import datetime
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Count

from connections.models import WAITING_ON_CUSTOMER, CallbackRequest, Connection, Contact, Customer, Escalation
from connections.services.callbacks import callback_request_create
from connections.services.slot_patterns import slot_pattern_publish
from htg_migration import clock
from htg_migration.calendar import add_business_days
from plateaus.models import Plateau

# Who a hub and a software supplier sign in to the portal as (a sign-in link is e-mailed; .example reaches nobody).
DEMO_PORTAL_CONTACTS = (
    (Customer.Role.HUB, "hub@portal.demo.example", "Hanna Hub", "hub"),
    (Customer.Role.SOFTWARE_SUPPLIER, "supplier@portal.demo.example", "Sven Supplier", "software supplier"),
)
# Each demo team member's week: (weekdays, from, until, connections per slot).
DEMO_PATTERNS = (
    ((0, 1, 2, 3), datetime.time(9), datetime.time(12), 1),
    ((1, 3), datetime.time(13), datetime.time(16), 2),
)
DEMO_ESCALATIONS = 12
DEMO_CALLBACKS = (
    ("urgent", "AGS declarations are refused since this morning; the company asks for a call today."),
    ("normal", "The company asks when its test in the Business Test Environment can start."),
    ("normal", "The company's new software supplier wants to know which HTG number to use."),
    ("normal", "The company did not receive the e-mail with its slot and asks for the details."),
)


@dataclass(frozen=True)
class DemoWorkspaceResult:
    slots: int
    escalations: int
    callbacks: int
    portal_contacts: list[tuple[str, str, str]]  # (address, company, role)


def _open_windows(as_of: datetime.date) -> list[Plateau]:
    return [
        plateau
        for plateau in Plateau.objects.order_by("number")
        if plateau.booking_window_start is not None
        and plateau.booking_window_end is not None
        and plateau.booking_window_start <= as_of <= plateau.booking_window_end
    ]


def demo_slots_publish(*, team_ids: list[int], as_of: datetime.date) -> int:
    """Weekly patterns for the demo team from the first business day after `as_of` (so the time of day never
    matters) until the end of every open plateau's booking window."""
    windows = _open_windows(as_of)
    if not windows:
        return 0
    first = add_business_days(max(as_of, clock.today()), 1)
    last = max(plateau.booking_window_end for plateau in windows if plateau.booking_window_end is not None)
    if first > last:
        return 0
    members = list(get_user_model().objects.filter(pk__in=team_ids).order_by("username"))
    made = 0
    for index, member in enumerate(members):
        weekdays, start, end, capacity = DEMO_PATTERNS[index % len(DEMO_PATTERNS)]
        result = slot_pattern_publish(
            team_member=member,
            weekdays=weekdays,
            start_time=start,
            end_time=end,
            capacity=capacity,
            date_from=first,
            date_to=last,
        )
        made += result.slots
    return made


def demo_escalations_open(*, as_of: datetime.date) -> int:
    """The core team's queue: the companies that waited longest past their due date, unless some are open already."""
    if Escalation.objects.filter(closed_at__isnull=True).exists():
        return 0
    overdue = list(
        Connection.objects.filter(state__in=WAITING_ON_CUSTOMER, due_on__lt=as_of)
        .order_by("due_on", "id")
        .values_list("id", "state", "due_on")[:DEMO_ESCALATIONS]
    )
    now = clock.now()
    Escalation.objects.bulk_create(
        [
            Escalation(
                connection_id=connection_id,
                waiting_state=state,
                due_on=due_on,
                opened_at=now,
            )
            for connection_id, state, due_on in overdue
        ]
    )
    return len(overdue)


def demo_callbacks_request() -> int:
    """Callback requests from the helpdesk for a few companies with a connection in progress, unless some are open."""
    if CallbackRequest.objects.filter(status=CallbackRequest.Status.OPEN).exists():
        return 0
    # The first connection of each of the first companies (one request per company).
    candidates = Connection.objects.filter(state__in=WAITING_ON_CUSTOMER, customer__contacts__isnull=False).order_by(
        "customer_id", "id"
    )
    connections: list[Connection] = []
    for connection in candidates.distinct().iterator():
        if not connections or connections[-1].customer_id != connection.customer_id:
            connections.append(connection)
        if len(connections) == len(DEMO_CALLBACKS):
            break
    for connection, (urgency, reason) in zip(connections, DEMO_CALLBACKS, strict=False):
        contact = Contact.objects.filter(customer_id=connection.customer_id).order_by("-is_primary", "id").first()
        assert contact is not None  # chosen among connections whose company has contacts
        callback_request_create(
            customer_id=connection.customer_id,
            connection_id=connection.pk,
            requested_by=None,
            urgency=urgency,
            reason=reason,
            contact_name=contact.name,
            contact_phone=contact.phone or "+31 10 123 4567",
        )
    return len(connections)


def demo_portal_contacts_ensure() -> list[tuple[str, str, str]]:
    """The hub with the most clients and the first software supplier: their primary contact gets a fixed address
    (the company keeps its number of contacts)."""
    found: list[tuple[str, str, str]] = []
    for role, address, name, _description in DEMO_PORTAL_CONTACTS:
        existing = Contact.objects.filter(email__iexact=address).select_related("customer").first()
        if existing is None:
            customer = (
                Customer.objects.filter(role=role, contacts__isnull=False)
                .annotate(client_count=Count("clients", distinct=True))
                .order_by("-client_count", "id")
                .first()
            )
            if customer is None:
                continue
            existing = (
                Contact.objects.filter(customer=customer).order_by("-is_primary", "id").select_related("customer")[0]
            )
            existing.email, existing.name, existing.language, existing.is_primary = address, name, "en", True
            existing.save(update_fields=["email", "name", "language", "is_primary"])
        found.append((address, existing.customer.legal_name, role))
    return found


def demo_portal_contact_list() -> list[tuple[str, str, str]]:
    """(address, company, role) of the demo's portal contacts that exist, for `demo_users` to print."""
    rows: list[tuple[str, str, str]] = []
    for role, address, _name, _description in DEMO_PORTAL_CONTACTS:
        contact = Contact.objects.filter(email__iexact=address).select_related("customer").first()
        if contact is not None:
            rows.append((address, contact.customer.legal_name, role))
    return rows


@transaction.atomic
def demo_workspace_seed(*, team_ids: list[int], as_of: datetime.date) -> DemoWorkspaceResult:
    """Everything the team's pages need to show on the demo day, beyond the companies themselves."""
    return DemoWorkspaceResult(
        slots=demo_slots_publish(team_ids=team_ids, as_of=as_of),
        escalations=demo_escalations_open(as_of=as_of),
        callbacks=demo_callbacks_request(),
        portal_contacts=demo_portal_contacts_ensure(),
    )

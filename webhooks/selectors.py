"""Reading events and a company's webhooks. Which companies a caller may see is the caller's to give (the portal's
access selectors, connections.selectors.company_access): these read only what they are given."""

import re
from typing import Any

from django.db.models import BooleanField, Q, QuerySet
from django.db.models.expressions import RawSQL

from webhooks.models import Event, WebhookDelivery, WebhookEndpoint

CURSOR = re.compile(r"^(\d{1,19})-(\d{1,19})$")
# The transactions that have ended: every one below the oldest still running (PostgreSQL's snapshot xmin). An event
# of a transaction still running is held back, so the feed never shows a later event before an earlier one commits;
# the reader's own transaction is the exception (it sees its own writes).
ENDED_TRANSACTIONS = (
    "(webhooks_event.transaction_id < pg_snapshot_xmin(pg_current_snapshot())::text::bigint "
    "OR webhooks_event.transaction_id = pg_current_xact_id_if_assigned()::text::bigint)"
)


def event_cursor(event: Event) -> str:
    """An event's place in the feed: `after` this gives every event that follows it."""
    return f"{event.transaction_id}-{event.pk}"


def event_cursor_parse(cursor: str) -> tuple[int, int] | None:
    """The (transaction, id) of a cursor, or None for anything `event_cursor` does not make."""
    found = CURSOR.match(cursor)
    if found is None:
        return None
    position = int(found.group(1)), int(found.group(2))
    return position if all(value < 2**63 for value in position) else None


def event_feed(*, customers: QuerySet[Any], after: tuple[int, int] | None) -> QuerySet[Event]:
    """The events of these companies in the order they committed (transaction, then id), after the given place:
    read from the first page to the last, and again later from the last cursor, it shows every event once."""
    events = (
        Event.objects.filter(customer_id__in=customers.values("pk"))
        .filter(RawSQL(ENDED_TRANSACTIONS, [], output_field=BooleanField()))  # noqa: S611 - a constant
        .order_by("transaction_id", "id")
    )
    if after is not None:
        transaction_id, event_id = after
        events = events.filter(Q(transaction_id__gt=transaction_id) | Q(transaction_id=transaction_id, id__gt=event_id))
    return events


def endpoint_list(*, customer_id: int) -> QuerySet[WebhookEndpoint]:
    """The company's own endpoints (a hub's receive its clients' events; its clients do not see them)."""
    return WebhookEndpoint.objects.filter(customer_id=customer_id).order_by("id")


def delivery_list(*, customer_id: int, endpoint_id: int, status: str | None = None) -> QuerySet[WebhookDelivery]:
    """One of the company's endpoints' deliveries, newest first, each with its event."""
    deliveries = WebhookDelivery.objects.filter(endpoint__customer_id=customer_id, endpoint_id=endpoint_id)
    if status:
        deliveries = deliveries.filter(status=status)
    return deliveries.select_related("event").order_by("-id")

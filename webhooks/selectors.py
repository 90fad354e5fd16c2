"""Reading events and a company's webhooks. Which companies a caller may see is the caller's to give (the portal's
access selectors, connections.selectors.company_access): these read only what they are given."""

import re
from typing import Any

from django.db.models import QuerySet

from webhooks.models import Event, WebhookDelivery, WebhookEndpoint

CURSOR = re.compile(r"^[0-9]{1,18}$")


def event_cursor(event: Event) -> str:
    """An event's place in the feed: `after` this gives every event that follows it."""
    return str(event.position)


def event_cursor_parse(cursor: str) -> int | None:
    """The position a cursor names, or None for anything `event_cursor` does not make."""
    return int(cursor) if CURSOR.match(cursor) else None


def event_feed(*, customers: QuerySet[Any], after: int | None) -> QuerySet[Event]:
    """The published events of these companies in the order their transactions committed, after the given place:
    read from the first page to the last, and again later from the last cursor, it shows every event once."""
    events = Event.objects.filter(customer_id__in=customers.values("pk"), position__isnull=False)
    if after is not None:
        events = events.filter(position__gt=after)
    return events.order_by("position")


def endpoint_list(*, customer_id: int) -> QuerySet[WebhookEndpoint]:
    """The company's own endpoints (a hub's receive its clients' events; its clients do not see them)."""
    return WebhookEndpoint.objects.filter(customer_id=customer_id).order_by("id")


def delivery_list(*, customer_id: int, endpoint_id: int, status: str | None = None) -> QuerySet[WebhookDelivery]:
    """One of the company's endpoints' deliveries, newest first, each with its event."""
    deliveries = WebhookDelivery.objects.filter(endpoint__customer_id=customer_id, endpoint_id=endpoint_id)
    if status:
        deliveries = deliveries.filter(status=status)
    return deliveries.select_related("event").order_by("-id")

"""The events a company (and its hub) may follow, written to the event outbox (webhooks) in the transaction of the
change: a state change, a slot booked or moved, an escalation opened, an e-mail to a contact that bounced. Each
payload holds only what the company and its hub see in the portal: ids, codes, states and times."""

import datetime
from collections import defaultdict
from collections.abc import Sequence

from django.db import transaction
from django.db.models.functions import Lower

from connections.models import Connection, Contact, Escalation, SlotBooking
from notifications.models import InboundBounce
from webhooks.models import Event, EventKind
from webhooks.services import EventDraft, event_record, events_record


def _moment(value: datetime.datetime) -> str:
    return value.isoformat()


def connection_state_changed_record(
    *, connection: Connection, from_state: str, transition: str, moment: datetime.datetime
) -> int:
    return event_record(
        kind=EventKind.STATE_CHANGED,
        customer_id=connection.customer_id,
        connection_id=connection.pk,
        payload={
            "connection": connection.pk,
            "customer": connection.customer_id,
            "flow": connection.flow.code,
            "transition": transition,
            "from_state": from_state,
            "to_state": connection.state,
            "due_on": connection.due_on.isoformat() if connection.due_on else None,
        },
        occurred_at=moment,
    )


def slot_booked_record(*, booking: SlotBooking, customer_id: int, moved: bool) -> int:
    return event_record(
        kind=EventKind.SLOT_MOVED if moved else EventKind.SLOT_BOOKED,
        customer_id=customer_id,
        connection_id=booking.connection_id,
        payload={
            "connection": booking.connection_id,
            "customer": customer_id,
            "slot": {"starts_at": _moment(booking.slot.starts_at), "ends_at": _moment(booking.slot.ends_at)},
        },
        occurred_at=booking.booked_at,
    )


def escalations_opened_record(*, escalations: Sequence[tuple[Escalation, int]]) -> list[int]:
    """One event per opened escalation, given with the customer id of its connection (the team's notes and reason
    stay out: they are the team's)."""
    return events_record(
        events=[
            EventDraft(
                kind=EventKind.ESCALATION_OPENED,
                customer_id=customer_id,
                connection_id=escalation.connection_id,
                payload={
                    "connection": escalation.connection_id,
                    "customer": customer_id,
                    "escalation": escalation.pk,
                    "waiting_state": escalation.waiting_state,
                    "due_on": escalation.due_on.isoformat() if escalation.due_on else None,
                },
                occurred_at=escalation.opened_at,
            )
            for escalation, customer_id in escalations
        ]
    )


BOUNCE_LOOKBACK = datetime.timedelta(days=7)


@transaction.atomic
def bounce_events_record(*, now: datetime.datetime) -> int:
    """An event for each hard bounce of the last week that suppressed the address of a company's contact, once per
    bounce and company. The bounce's row (notifications.InboundBounce, written and processed in its own transaction
    by the outbox, which knows nothing of companies) is the outbox record here: this sweep, run every minute in one
    transaction, turns it into events, so none is lost and none is written twice. Returns how many were written."""
    bounces = list(
        InboundBounce.objects.filter(
            outcome=InboundBounce.Outcome.HARD_BOUNCE, processed_at__gte=now - BOUNCE_LOOKBACK, email__isnull=False
        )
        .order_by("processed_at", "id")
        .values_list("id", "email__to_address", "email__template_key", "processed_at")
    )
    if not bounces:
        return 0
    # Two sweeps at once take turns here; the second finds the first one's events.
    list(InboundBounce.objects.select_for_update().filter(pk__in=[bounce[0] for bounce in bounces]).values_list("pk"))
    contacts: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for contact_id, customer_id, email in (
        Contact.objects.annotate(address=Lower("email"))
        .filter(address__in={bounce[1].lower() for bounce in bounces})
        .values_list("id", "customer_id", "address")
    ):
        contacts[email].append((contact_id, customer_id))
    customer_ids = {customer_id for found in contacts.values() for _contact_id, customer_id in found}
    recorded = set(
        Event.objects.filter(kind=EventKind.EMAIL_BOUNCED, customer_id__in=customer_ids).values_list(
            "customer_id", "payload__bounce"
        )
    )
    drafts = [
        EventDraft(
            kind=EventKind.EMAIL_BOUNCED,
            customer_id=customer_id,
            connection_id=None,
            payload={"customer": customer_id, "contact": contact_id, "bounce": bounce_id, "email": template_key},
            occurred_at=processed_at or now,
        )
        for bounce_id, address, template_key, processed_at in bounces
        for contact_id, customer_id in contacts.get(address.lower(), [])
        if (customer_id, bounce_id) not in recorded
    ]
    return len(events_record(events=drafts))

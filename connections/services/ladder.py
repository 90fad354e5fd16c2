"""The reminder ladder for steps that wait on the company (invited, slot offered, testing).

Past the due date: a reminder and a few more business days; past due again: a second reminder; then an escalation
to the core team, who approach the company directly (the escalation closes itself when the company acts, see
transitions). In the programme's last weeks every period is shorter. Nothing goes out outside working hours
(Dutch business days, 07:00-17:00 Europe/Amsterdam). A hub is chased once for all its clients that are due at the
same sweep, in one e-mail that lists them.
"""

import dataclasses
import datetime
import functools
import hashlib
import logging
from collections import defaultdict
from collections.abc import Iterable, Iterator
from itertools import groupby
from typing import Any, NamedTuple

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import formats, translation

from connections.models import (
    CONTACT_ORDER,
    WAITING_ON_CUSTOMER,
    Connection,
    ConnectionState,
    Contact,
    Customer,
    Escalation,
)
from connections.services.events import escalations_opened_record
from htg_migration.calendar import (
    HELPDESK_CLOSES,
    HELPDESK_OPENS,
    HELPDESK_TIME_ZONE,
    add_business_days,
    is_business_day,
)
from htg_migration.queries import first_of_each
from notifications.services import EmailDraft, email_enqueue_many
from plateaus.models import MessageFlow

logger = logging.getLogger(__name__)

REMINDER_RUNGS = 2  # two reminders, then the escalation
# Due connections handled per transaction and task (whole hub groups: a hub with more clients makes a larger batch).
LADDER_BATCH = 2000


@dataclasses.dataclass
class LadderResult:
    """What one sweep did. `working_hours` is False when it was outside working hours and did nothing."""

    working_hours: bool = True
    first_reminders: int = 0
    second_reminders: int = 0
    escalations: int = 0
    hub_emails: int = 0
    without_contact: int = 0

    def __add__(self, other: "LadderResult") -> "LadderResult":
        counts = [field.name for field in dataclasses.fields(self) if field.name != "working_hours"]
        return LadderResult(
            working_hours=self.working_hours and other.working_hours,
            **{name: getattr(self, name) + getattr(other, name) for name in counts},
        )


def ladder_is_steep(*, today: datetime.date, deadline: datetime.date) -> bool:
    """In the programme's last HTG_LADDER_STEEP_WEEKS weeks the ladder uses the shorter periods."""
    return today >= deadline - datetime.timedelta(weeks=settings.HTG_LADDER_STEEP_WEEKS)


def ladder_due_business_days(*, state: str, today: datetime.date, deadline: datetime.date) -> int:
    """How many business days a company has for a waiting step that starts today."""
    periods = settings.HTG_LADDER_STEEP_DUE_BUSINESS_DAYS if ladder_is_steep(today=today, deadline=deadline) else None
    return int((periods or settings.HTG_DUE_BUSINESS_DAYS)[state])


def ladder_reminder_business_days(*, today: datetime.date, deadline: datetime.date) -> int:
    """How many business days a reminder gives before the next rung."""
    if ladder_is_steep(today=today, deadline=deadline):
        return int(settings.HTG_LADDER_STEEP_REMINDER_BUSINESS_DAYS)
    return int(settings.HTG_REMINDER_BUSINESS_DAYS)


def ladder_working_hours(moment: datetime.datetime) -> bool:
    """Reminders and escalations go out on Dutch business days between 07:00 and 17:00 Amsterdam wall-clock time."""
    local = moment.astimezone(HELPDESK_TIME_ZONE)
    return is_business_day(local.date()) and HELPDESK_OPENS <= local.time() < HELPDESK_CLOSES


def _escalated_this_period() -> Exists:
    # One escalation per waiting period: once the core team has it (open or closed), the ladder stops climbing.
    return Exists(
        Escalation.objects.filter(
            connection=OuterRef("pk"), waiting_state=OuterRef("state"), opened_at__gte=OuterRef("state_changed_at")
        )
    )


def _due(today: datetime.date) -> QuerySet[Connection]:
    return (
        Connection.objects.filter(state__in=WAITING_ON_CUSTOMER, due_on__lt=today)
        .alias(escalated=_escalated_this_period())
        .filter(escalated=False)
    )


def ladder_candidates(*, today: datetime.date) -> Iterator[tuple[int, int | None]]:
    """(connection id, hub id) of every connection a sweep today acts on: one query, streamed, hub clients
    together."""
    return (
        _due(today).order_by("customer__hub_id", "id").values_list("id", "customer__hub_id").iterator(chunk_size=1000)
    )


class _Due(NamedTuple):
    """A locked due connection: the fields the ladder reads, as a tuple (no model instance per row)."""

    id: int
    customer_id: int
    hub_id: int | None
    legal_name: str
    htg_number: str | None
    flow: MessageFlow
    state: str
    due_on: datetime.date | None
    reminder_count: int


class _Addressee(NamedTuple):
    """A customer's first contact (primary first, then by name)."""

    name: str
    email: str
    phone: str
    language: str


def _lock(connection_ids: Iterable[int], today: datetime.date) -> list[_Due]:
    """The connections still due, locked; a row someone else holds (a transition running) is left for the next
    sweep. Re-checked here: a transition or an earlier sweep may have moved it since the selection. Only the fields
    the ladder reads, as tuples; the handful of flows (with plateau and programme) come from one query, not one join
    per row."""
    rows = list(
        _due(today)
        .filter(pk__in=list(connection_ids))
        .select_for_update(of=("self",), skip_locked=True)
        .order_by("customer__legal_name", "id")
        .values_list(
            "id",
            "customer_id",
            "customer__hub_id",
            "customer__legal_name",
            "customer__htg_number",
            "flow_id",
            "state",
            "due_on",
            "reminder_count",
        )
    )
    flows = {flow.pk: flow for flow in MessageFlow.objects.select_related("plateau__programme")}
    return [
        _Due(pk, customer_id, hub_id, legal_name, htg_number, flows[flow_id], state, due_on, reminder_count)
        for pk, customer_id, hub_id, legal_name, htg_number, flow_id, state, due_on, reminder_count in rows
    ]


def _primary_contacts(customer_ids: Iterable[int]) -> dict[int, _Addressee]:
    """Each customer's first contact, one row per customer (one query)."""
    contacts = Contact.objects.filter(customer_id__in=list(set(customer_ids)))
    rows = first_of_each(contacts, by="customer_id", order=CONTACT_ORDER).values_list(
        "customer_id", "name", "email", "phone", "language"
    )
    return {customer_id: _Addressee(*rest) for customer_id, *rest in rows}


def _day(value: datetime.date | None) -> str:
    return formats.date_format(value, "j F Y") if value else ""


@functools.lru_cache(maxsize=512)
def _localised_day(value: datetime.date | None, language: str) -> str:
    with translation.override(language):
        return _day(value)


@functools.lru_cache(maxsize=64)
def _step_label(state: str, language: str) -> str:
    with translation.override(language):
        return str(ConnectionState(state).label)


def _line(connection: _Due, language: str) -> dict[str, str]:
    """One client's line in a reminder, in the contact's language (labels and dates translated once, cached)."""
    return {
        "company_name": connection.legal_name,
        "htg_number": connection.htg_number or "",
        "flow_name": connection.flow.name_for(language),
        "step": _step_label(connection.state, language),
        "due_date": _localised_day(connection.due_on, language),
    }


def _next_due(connection: _Due, today: datetime.date, cache: dict[datetime.date, datetime.date]) -> datetime.date:
    """The due date a reminder sent today gives (per programme deadline, worked out once per batch)."""
    deadline = connection.flow.plateau.programme.deadline
    if deadline not in cache:
        cache[deadline] = add_business_days(today, ladder_reminder_business_days(today=today, deadline=deadline))
    return cache[deadline]


def _escalation(connection: _Due, *, now: datetime.datetime) -> Escalation:
    # Stored as facts, said in the reader's language when shown (Escalation.reason_text).
    return Escalation(
        connection_id=connection.id, waiting_state=connection.state, due_on=connection.due_on, opened_at=now
    )


def _escalation_email(escalation: Escalation, connection: _Due, contact: _Addressee | None) -> EmailDraft:
    language = settings.HTG_CORE_TEAM_LANGUAGE
    context: dict[str, Any] = {
        **_line(connection, language),
        "contact_name": contact.name if contact else "",
        "contact_email": contact.email if contact else "",
        "contact_phone": contact.phone if contact else "",
        "reminders": REMINDER_RUNGS,
        "queue_url": settings.HTG_TEAM_URL.rstrip("/") + "/team/escalations/",
    }
    return EmailDraft(
        to_address=settings.HTG_CORE_TEAM_EMAIL,
        template_key="core_team.escalation",
        language=language,
        context=context,
        dedupe_key=f"escalation:{escalation.pk}",
    )


def _reminder_email(
    connection: _Due, contact: _Addressee, *, rung: int, passed_due_on: datetime.date | None
) -> EmailDraft:
    return EmailDraft(
        to_address=contact.email,
        template_key="connection.reminder",
        language=contact.language,
        context={
            **_line(connection, contact.language),
            "contact_name": contact.name,
            "rung": rung,
            "passed_due_date": _localised_day(passed_due_on, contact.language),
            "portal_url": settings.HTG_PORTAL_URL,
        },
        dedupe_key=f"reminder:{connection.id}:{connection.state}:{rung}:{passed_due_on}",
    )


def _hub_email(
    hub_id: int, hub_name: str, contact: _Addressee, reminded: list[tuple[_Due, int]], today: datetime.date
) -> EmailDraft:
    # The clients' lines show the new due date, the one the reminder gives.
    clients = [{**_line(connection, contact.language), "rung": rung} for connection, rung in reminded]
    # Per hub and day; the digest tells apart a later batch the same day (rows that were locked the first time).
    digest = hashlib.sha256(",".join(str(connection.id) for connection, _rung in reminded).encode()).hexdigest()
    return EmailDraft(
        to_address=contact.email,
        template_key="hub.reminder",
        language=contact.language,
        context={
            "contact_name": contact.name,
            "hub_name": hub_name,
            "clients": clients,
            "client_count": len(clients),
            "portal_url": settings.HTG_PORTAL_URL,
        },
        dedupe_key=f"hub-reminder:{hub_id}:{today.isoformat()}:{digest[:16]}",
    )


def _count(rung: int, result: LadderResult) -> None:
    if rung == 1:
        result.first_reminders += 1
    else:
        result.second_reminders += 1


def _sweep_batch(
    connection_ids: list[int], *, now: datetime.datetime, today: datetime.date, result: LadderResult
) -> None:
    """One transaction for a batch of due connections (whole hub groups, or direct customers): lock and re-check
    them, move each a rung (one UPDATE per new due date and rung), open the escalations (one INSERT), and write
    every reminder, hub e-mail and escalation e-mail to the outbox (one `email_enqueue_many`)."""
    with transaction.atomic():
        locked = _lock(connection_ids, today)
        if not locked:
            return
        hub_ids = {connection.hub_id for connection in locked if connection.hub_id}
        contacts = _primary_contacts({connection.customer_id for connection in locked} | hub_ids)
        due_dates: dict[datetime.date, datetime.date] = {}
        moves: dict[tuple[int, datetime.date], list[int]] = defaultdict(list)
        escalations: list[tuple[Escalation, _Due]] = []
        emails: list[EmailDraft] = []
        by_hub: dict[int, list[tuple[_Due, int]]] = defaultdict(list)
        for connection in locked:
            if connection.reminder_count >= REMINDER_RUNGS:
                escalations.append((_escalation(connection, now=now), connection))
                continue
            passed_due_on = connection.due_on
            rung = connection.reminder_count + 1
            next_due = _next_due(connection, today, due_dates)
            connection = connection._replace(reminder_count=rung, due_on=next_due)
            moves[(rung, next_due)].append(connection.id)
            _count(rung, result)
            if connection.hub_id is not None:
                by_hub[connection.hub_id].append((connection, rung))
                continue
            contact = contacts.get(connection.customer_id)
            if contact is None:
                logger.warning("connection %s: no contact to remind", connection.id)
                result.without_contact += 1
                continue
            emails.append(_reminder_email(connection, contact, rung=rung, passed_due_on=passed_due_on))
        for (rung, due_on), ids in moves.items():
            # Not a state change: the reminder count and due date only (the state field is never updated this way).
            Connection.objects.filter(pk__in=ids).update(reminder_count=rung, due_on=due_on)
        if by_hub:
            hub_names = dict(Customer.objects.filter(pk__in=list(by_hub)).values_list("id", "legal_name"))
            for hub_id, reminded in by_hub.items():
                hub_contact = contacts.get(hub_id)
                if hub_contact is None:
                    logger.warning("hub %s: no contact to remind about %s clients", hub_id, len(reminded))
                    result.without_contact += len(reminded)
                    continue
                emails.append(_hub_email(hub_id, hub_names[hub_id], hub_contact, reminded, today))
                result.hub_emails += 1
        if escalations:
            Escalation.objects.bulk_create([escalation for escalation, _connection in escalations])
            escalations_opened_record(
                escalations=[(escalation, connection.customer_id) for escalation, connection in escalations]
            )
            emails += [
                _escalation_email(escalation, connection, contacts.get(connection.customer_id))
                for escalation, connection in escalations
            ]
            result.escalations += len(escalations)
        email_enqueue_many(emails=emails)


def _batches(candidates: Iterable[tuple[int, int | None]]) -> Iterator[list[int]]:
    """The candidates in batches of about LADDER_BATCH connections; a hub's clients are never split."""
    batch: list[int] = []
    for hub_id, rows in groupby(candidates, key=lambda row: row[1]):
        ids = [connection_id for connection_id, _hub in rows]
        for group in [ids] if hub_id is not None else [[connection_id] for connection_id in ids]:
            batch += group
            if len(batch) >= LADDER_BATCH:
                yield batch
                batch = []
    if batch:
        yield batch


def ladder_batches(*, now: datetime.datetime) -> list[list[int]]:
    """The ids of the connections a sweep at `now` acts on, in batches of about LADDER_BATCH (a hub's clients always
    in the same one); none outside working hours."""
    if not ladder_working_hours(now):
        return []
    # In a transaction: the candidates are streamed through a server-side cursor, which outside one would be
    # declared WITH HOLD and outlive its transaction (session state, which PgBouncer's transaction pooling forbids).
    with transaction.atomic():
        return list(_batches(ladder_candidates(today=now.astimezone(HELPDESK_TIME_ZONE).date())))


def ladder_sweep_batch(*, connection_ids: list[int], now: datetime.datetime) -> LadderResult:
    """One batch of a sweep at `now`, in its own transaction under row locks (see `_sweep_batch`). Safe to run twice:
    the connections are re-checked under the lock, and a rung moves the due date forward."""
    result = LadderResult(working_hours=ladder_working_hours(now))
    if result.working_hours:
        _sweep_batch(connection_ids, now=now, today=now.astimezone(HELPDESK_TIME_ZONE).date(), result=result)
    return result


def ladder_sweep_start(*, now: datetime.datetime) -> int:
    """Start a sweep on the workers: one `ladder_sweep_batch_task` per batch, as one Celery group sent once the
    caller's transaction commits, so that more worker processes sweep faster. The batches are disjoint (a hub's
    clients in one) and each is its own transaction under row locks, so they cannot wait on each other. Returns the
    number of batches."""
    from celery import group

    from connections.tasks import ladder_sweep_batch_task

    batches = ladder_batches(now=now)
    if batches:
        tasks = group(ladder_sweep_batch_task.si(batch, now.isoformat()) for batch in batches)
        transaction.on_commit(tasks.apply_async)
    return len(batches)


def ladder_sweep(*, now: datetime.datetime) -> LadderResult:
    """Climb the ladder one rung for every waiting connection past its due date, all batches here, one after the
    other (the workers run them apart: `ladder_sweep_start`). Safe to run twice: the due connections are handled in
    batches (a hub's clients always in the same one), each in its own transaction under row locks (skip_locked: a
    connection in the middle of a transition waits for the next sweep) and re-checked there, and a rung moves the
    due date forward, so a second sweep finds nothing to do."""
    if not ladder_working_hours(now):
        return LadderResult(working_hours=False)
    total = LadderResult()
    for batch in ladder_batches(now=now):
        total += ladder_sweep_batch(connection_ids=batch, now=now)
    return total

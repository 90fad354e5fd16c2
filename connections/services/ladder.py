"""The reminder ladder for steps that wait on the company (invited, slot offered, testing).

Past the due date: a reminder and a few more business days; past due again: a second reminder; then an escalation
to the core team, who approach the company directly (the escalation closes itself when the company acts, see
transitions). In the programme's last weeks every period is shorter. Nothing goes out outside working hours
(Dutch business days, 07:00-17:00 Europe/Amsterdam). A hub is chased once for all its clients that are due at the
same sweep, in one e-mail that lists them.
"""

import dataclasses
import datetime
import hashlib
import logging
from collections.abc import Iterable, Iterator
from itertools import groupby
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import formats, translation
from django.utils.translation import gettext as _

from connections.models import WAITING_ON_CUSTOMER, Connection, ConnectionState, Contact, Customer, Escalation
from htg_migration.calendar import (
    HELPDESK_CLOSES,
    HELPDESK_OPENS,
    HELPDESK_TIME_ZONE,
    add_business_days,
    is_business_day,
)
from notifications.services import email_enqueue

logger = logging.getLogger(__name__)

REMINDER_RUNGS = 2  # two reminders, then the escalation


@dataclasses.dataclass
class LadderResult:
    """What one sweep did. `working_hours` is False when it was outside working hours and did nothing."""

    working_hours: bool = True
    first_reminders: int = 0
    second_reminders: int = 0
    escalations: int = 0
    hub_emails: int = 0
    without_contact: int = 0


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


def _lock(connection_ids: Iterable[int], today: datetime.date) -> list[Connection]:
    """The connections still due, locked; a row someone else holds (a transition running) is left for the next
    sweep. Re-checked here: a transition or an earlier sweep may have moved it since the selection."""
    return list(
        _due(today)
        .filter(pk__in=list(connection_ids))
        .select_for_update(of=("self",), skip_locked=True)
        .select_related("customer", "flow__plateau__programme")
        .order_by("customer__legal_name", "id")
    )


def _primary_contacts(customer_ids: Iterable[int]) -> dict[int, Contact]:
    contacts: dict[int, Contact] = {}
    for contact in Contact.objects.filter(customer_id__in=set(customer_ids)).order_by("-is_primary", "name", "id"):
        contacts.setdefault(contact.customer_id, contact)
    return contacts


def _day(value: datetime.date | None) -> str:
    return formats.date_format(value, "j F Y") if value else ""


def _line(connection: Connection, language: str) -> dict[str, str]:
    """One client's line in a reminder, in the contact's language."""
    with translation.override(language):
        return {
            "company_name": connection.customer.legal_name,
            "htg_number": connection.customer.htg_number or "",
            "flow_name": connection.flow.name,
            "step": str(ConnectionState(connection.state).label),
            "due_date": _day(connection.due_on),
        }


def _advance(connection: Connection, *, today: datetime.date) -> int:
    """Climb one reminder rung: the next due date is a few business days away. Returns the rung (1 or 2)."""
    deadline = connection.flow.plateau.programme.deadline
    connection.reminder_count += 1
    connection.due_on = add_business_days(today, ladder_reminder_business_days(today=today, deadline=deadline))
    connection.save(update_fields=["reminder_count", "due_on"])
    return connection.reminder_count


def _escalate(connection: Connection, *, now: datetime.datetime, result: LadderResult) -> None:
    language = settings.HTG_CORE_TEAM_LANGUAGE
    with translation.override(language):
        reason = _(
            "No response to two reminders: “%(step)s” was due on %(due)s. Please contact the company directly."
        ) % {"step": ConnectionState(connection.state).label, "due": _day(connection.due_on)}
    escalation = Escalation.objects.create(
        connection=connection, waiting_state=connection.state, reason=reason, opened_at=now
    )
    contact = _primary_contacts([connection.customer_id]).get(connection.customer_id)
    with translation.override(language):
        context: dict[str, Any] = {
            **_line(connection, language),
            "contact_name": contact.name if contact else "",
            "contact_email": contact.email if contact else "",
            "contact_phone": contact.phone if contact else "",
            "reminders": REMINDER_RUNGS,
            "queue_url": settings.HTG_TEAM_URL.rstrip("/") + "/team/escalations/",
        }
    email_enqueue(
        to_address=settings.HTG_CORE_TEAM_EMAIL,
        template_key="core_team.escalation",
        language=language,
        context=context,
        dedupe_key=f"escalation:{escalation.pk}",
    )
    result.escalations += 1


def _count(rung: int, result: LadderResult) -> None:
    if rung == 1:
        result.first_reminders += 1
    else:
        result.second_reminders += 1


def _sweep_direct(connection_id: int, *, now: datetime.datetime, today: datetime.date, result: LadderResult) -> None:
    with transaction.atomic():
        for connection in _lock([connection_id], today):
            if connection.reminder_count >= REMINDER_RUNGS:
                _escalate(connection, now=now, result=result)
                continue
            passed_due_on = connection.due_on
            contact = _primary_contacts([connection.customer_id]).get(connection.customer_id)
            rung = _advance(connection, today=today)
            _count(rung, result)
            if contact is None:
                logger.warning("connection %s: no contact to remind", connection.pk)
                result.without_contact += 1
                continue
            line = _line(connection, contact.language)
            email_enqueue(
                to_address=contact.email,
                template_key="connection.reminder",
                language=contact.language,
                context={
                    **line,
                    "contact_name": contact.name,
                    "rung": rung,
                    "passed_due_date": _localised_day(passed_due_on, contact.language),
                    "portal_url": settings.HTG_PORTAL_URL,
                },
                dedupe_key=f"reminder:{connection.pk}:{connection.state}:{rung}:{passed_due_on}",
            )


def _localised_day(value: datetime.date | None, language: str) -> str:
    with translation.override(language):
        return _day(value)


def _sweep_hub(
    hub_id: int, connection_ids: list[int], *, now: datetime.datetime, today: datetime.date, result: LadderResult
) -> None:
    """All of a hub's clients due at this sweep, in one transaction: their rungs and the one e-mail together."""
    with transaction.atomic():
        reminded: list[tuple[Connection, int]] = []
        for connection in _lock(connection_ids, today):
            if connection.reminder_count >= REMINDER_RUNGS:
                _escalate(connection, now=now, result=result)
                continue
            rung = _advance(connection, today=today)
            _count(rung, result)
            reminded.append((connection, rung))
        if not reminded:
            return
        contact = _primary_contacts([hub_id]).get(hub_id)
        if contact is None:
            logger.warning("hub %s: no contact to remind about %s clients", hub_id, len(reminded))
            result.without_contact += len(reminded)
            return
        hub = Customer.objects.only("legal_name").get(pk=hub_id)
        clients = [{**_line(connection, contact.language), "rung": rung} for connection, rung in reminded]
        # Per hub and day; the digest tells apart a later batch the same day (rows that were locked the first time).
        digest = hashlib.sha256(",".join(str(connection.pk) for connection, _rung in reminded).encode()).hexdigest()
        email_enqueue(
            to_address=contact.email,
            template_key="hub.reminder",
            language=contact.language,
            context={
                "contact_name": contact.name,
                "hub_name": hub.legal_name,
                "clients": clients,
                "client_count": len(clients),
                "portal_url": settings.HTG_PORTAL_URL,
            },
            dedupe_key=f"hub-reminder:{hub_id}:{today.isoformat()}:{digest[:16]}",
        )
        result.hub_emails += 1


def ladder_sweep(*, now: datetime.datetime) -> LadderResult:
    """Climb the ladder one rung for every waiting connection past its due date. Safe to run twice: each
    connection (or each hub's group) is handled in its own transaction under row locks and re-checked there, and a
    rung moves the due date forward, so a second sweep finds nothing to do."""
    if not ladder_working_hours(now):
        return LadderResult(working_hours=False)
    today = now.astimezone(HELPDESK_TIME_ZONE).date()
    result = LadderResult()
    for hub_id, rows in groupby(ladder_candidates(today=today), key=lambda row: row[1]):
        if hub_id is None:
            for connection_id, _hub in rows:
                _sweep_direct(connection_id, now=now, today=today, result=result)
        else:
            _sweep_hub(hub_id, [connection_id for connection_id, _hub in rows], now=now, today=today, result=result)
    return result

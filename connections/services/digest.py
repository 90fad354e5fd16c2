"""The team's daily digest: one e-mail a working day to each team member with what is theirs today (slots booked
with them, their connections due today or overdue, the open callback requests assigned to them), instead of an
e-mail per event. Nothing goes to a member with nothing to do.
"""

import dataclasses
import datetime
from collections import defaultdict
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.urls import reverse
from django.utils import formats, timezone, translation

from connections.models import CallbackRequest, ConnectionState
from connections.selectors.digest import KIND_CALLBACK, KIND_DUE, KIND_SLOT, DigestItem, team_digest_items
from connections.services.ladder import ladder_working_hours
from htg_migration.calendar import HELPDESK_TIME_ZONE
from notifications.models import OutboxEmail
from notifications.services import email_enqueue

TEMPLATE_KEY = "team.digest"


@dataclasses.dataclass
class DigestResult:
    """What one run did. `working_hours` is False when it was outside working hours and did nothing."""

    working_hours: bool = True
    emails: int = 0
    already_sent: int = 0


def team_digest_dedupe_key(*, user_id: int, day: datetime.date) -> str:
    return f"team-digest:{user_id}:{day.isoformat()}"


def _team_url(path: str) -> str:
    return settings.HTG_TEAM_URL.rstrip("/") + path


def _moment(value: datetime.datetime | None, pattern: str) -> str:
    return formats.date_format(timezone.localtime(value, HELPDESK_TIME_ZONE), pattern) if value else ""


def _line(item: DigestItem, today: datetime.date) -> dict[str, Any]:
    """One item as the template shows it, in the active language."""
    url = (
        _team_url(reverse("connections:connection_detail", args=[item.connection_id]))
        if item.connection_id
        else _team_url(reverse("helpdesk:callback_queue"))
    )
    line: dict[str, Any] = {
        "company_name": item.company_name,
        "htg_number": item.htg_number,
        "flow_code": item.flow_code,
        "url": url,
    }
    if item.kind == KIND_SLOT:
        line.update(start=_moment(item.starts_at, "H:i"), end=_moment(item.ends_at, "H:i"))
    elif item.kind == KIND_DUE:
        line.update(
            step=str(ConnectionState(item.state).label),
            due_date=formats.date_format(item.due_on, "j F Y") if item.due_on else "",
            overdue=bool(item.due_on and item.due_on < today),
        )
    else:
        line.update(
            url=_team_url(reverse("helpdesk:callback_queue")),
            contact_name=item.contact_name,
            contact_phone=item.contact_phone,
            urgent=item.urgency == CallbackRequest.Urgency.URGENT,
            due=_moment(item.starts_at, "j F Y H:i"),
            escalated=item.escalated,
        )
    return line


def team_digest_context(*, member: Any, items: list[DigestItem], today: datetime.date) -> dict[str, Any]:
    """The digest's template context for one member, in the team's language (HTG_TEAM_LANGUAGE)."""
    with translation.override(settings.HTG_TEAM_LANGUAGE):
        kinds: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for item in items:
            kinds[item.kind].append(_line(item, today))
        return {
            "member_name": member.get_full_name() or member.get_username(),
            "date": formats.date_format(today, "l j F Y"),
            "item_count": len(items),
            "slots": kinds[KIND_SLOT],
            "due": kinds[KIND_DUE],
            "callbacks": kinds[KIND_CALLBACK],
            "team_url": _team_url(reverse("connections:connection_list")),
        }


def team_digest_send(*, now: datetime.datetime) -> DigestResult:
    """Queue today's digest for every active team member with something to do, on Dutch working days from 07:00
    Amsterdam (the ladder's working hours). Safe to run as often as the schedule likes: the dedupe key is per member
    and day, so a member already sent today's digest gets nothing more (checked up front for everyone in one query,
    and again by the outbox's unique key if two runs meet). The items of all members are read in one query."""
    if not ladder_working_hours(now):
        return DigestResult(working_hours=False)
    local = now.astimezone(HELPDESK_TIME_ZONE)
    today = local.date()
    day_starts = datetime.datetime.combine(today, datetime.time.min, tzinfo=HELPDESK_TIME_ZONE)
    day_ends = datetime.datetime.combine(
        today + datetime.timedelta(days=1), datetime.time.min, tzinfo=HELPDESK_TIME_ZONE
    )
    result = DigestResult()
    by_member: dict[int, list[DigestItem]] = defaultdict(list)
    for item in team_digest_items(today=today, day_starts=day_starts, day_ends=day_ends):
        by_member[item.member_id].append(item)
    if not by_member:
        return result
    keys = {member_id: team_digest_dedupe_key(user_id=member_id, day=today) for member_id in by_member}
    sent = set(OutboxEmail.objects.filter(dedupe_key__in=keys.values()).values_list("dedupe_key", flat=True))
    waiting = [member_id for member_id, key in keys.items() if key not in sent]
    result.already_sent = len(keys) - len(waiting)
    members = get_user_model().objects.filter(pk__in=waiting).order_by("pk")
    for member in members:
        if not member.email:
            continue
        with transaction.atomic():
            email_enqueue(
                to_address=member.email,
                template_key=TEMPLATE_KEY,
                language=settings.HTG_TEAM_LANGUAGE,
                context=team_digest_context(member=member, items=by_member[member.pk], today=today),
                dedupe_key=keys[member.pk],
            )
        result.emails += 1
    return result

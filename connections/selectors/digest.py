"""What each team member has on their plate today: the rows of the daily digest, for all members in one query."""

import dataclasses
import datetime
from collections.abc import Mapping
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import (
    BooleanField,
    CharField,
    DateField,
    DateTimeField,
    ExpressionWrapper,
    F,
    IntegerField,
    Q,
    QuerySet,
    Value,
)

from connections.models import WAITING_ON_CUSTOMER, CallbackRequest, Connection, SlotBooking
from connections.permissions import CONNECTION_TEAM, CORE_TEAM

KIND_SLOT = "slot"
KIND_DUE = "due"
KIND_CALLBACK = "callback"
# The columns every part of the union selects, in this order (a UNION matches columns by position); the alias
# prefix keeps them apart from the models' own fields (connection_id, state).
ALIAS = "item_"
COLUMNS = (
    "kind",
    "member_id",
    "connection_id",
    "company_name",
    "htg_number",
    "flow_code",
    "state",
    "due_on",
    "starts_at",
    "ends_at",
    "contact_name",
    "contact_phone",
    "urgency",
    "escalated",
)


@dataclasses.dataclass(frozen=True)
class DigestItem:
    """One line of a member's digest: a slot booked with them today, a connection of theirs that is due today or
    overdue, or an open callback request assigned to them."""

    kind: str
    member_id: int
    connection_id: int | None
    company_name: str
    htg_number: str
    flow_code: str
    state: str
    due_on: datetime.date | None
    starts_at: datetime.datetime | None
    ends_at: datetime.datetime | None
    contact_name: str
    contact_phone: str
    urgency: str
    escalated: bool


def team_members_active() -> QuerySet[Any]:
    """Active members of the connection team or the core team (and superusers, as `is_team_member` has it)."""
    return (
        get_user_model()
        .objects.filter(is_active=True)
        .filter(Q(is_superuser=True) | Q(groups__name__in=[CONNECTION_TEAM, CORE_TEAM]))
        .distinct()
    )


def _blank(**fields: Any) -> dict[str, Any]:
    """Every column as NULL or an empty value of its type, for the parts of the union that do not have it."""
    blanks: dict[str, Any] = {
        "connection_id": Value(None, output_field=IntegerField()),
        "company_name": Value("", output_field=CharField()),
        "htg_number": Value("", output_field=CharField()),
        "flow_code": Value("", output_field=CharField()),
        "state": Value("", output_field=CharField()),
        "due_on": Value(None, output_field=DateField()),
        "starts_at": Value(None, output_field=DateTimeField()),
        "ends_at": Value(None, output_field=DateTimeField()),
        "contact_name": Value("", output_field=CharField()),
        "contact_phone": Value("", output_field=CharField()),
        "urgency": Value("", output_field=CharField()),
        "escalated": Value(False, output_field=BooleanField()),
    }
    blanks.update(fields)
    return {ALIAS + column: blanks[column] for column in COLUMNS[2:]}


def _part(queryset: QuerySet[Any], *, kind: str, member: F, **fields: Any) -> QuerySet[Any]:
    """One part of the union: `queryset`'s rows as the union's columns, of `kind` for `member`; the columns not in
    `fields` are blank."""
    # No ordering inside the parts: the union is ordered as a whole.
    return queryset.order_by().values(
        item_kind=Value(kind, output_field=CharField()), item_member_id=member, **_blank(**fields)
    )


def team_digest_items(
    *, today: datetime.date, day_starts: datetime.datetime, day_ends: datetime.datetime
) -> list[DigestItem]:
    """Every active team member's items for `today`, in one query (a UNION of the three kinds), ordered by member,
    then slots by time, due connections oldest due date first, callbacks by their deadline.

    `day_starts`/`day_ends` bound today's slots (the Amsterdam day, in any time zone)."""
    members = team_members_active().values("pk")
    slots = _part(
        SlotBooking.objects.filter(
            cancelled_at__isnull=True,
            slot__starts_at__gte=day_starts,
            slot__starts_at__lt=day_ends,
            slot__team_member__in=members,
        ),
        kind=KIND_SLOT,
        member=F("slot__team_member_id"),
        connection_id=F("connection_id"),
        company_name=F("connection__customer__legal_name"),
        htg_number=F("connection__customer__htg_number"),
        flow_code=F("connection__flow__code"),
        state=F("connection__state"),
        starts_at=F("slot__starts_at"),
        ends_at=F("slot__ends_at"),
    )
    due = _part(
        Connection.objects.filter(state__in=WAITING_ON_CUSTOMER, due_on__lte=today, assigned_to__in=members),
        kind=KIND_DUE,
        member=F("assigned_to_id"),
        connection_id=F("pk"),
        company_name=F("customer__legal_name"),
        htg_number=F("customer__htg_number"),
        flow_code=F("flow__code"),
        state=F("state"),
        due_on=F("due_on"),
    )
    callbacks = _part(
        CallbackRequest.objects.filter(status=CallbackRequest.Status.OPEN, assigned_to__in=members),
        kind=KIND_CALLBACK,
        member=F("assigned_to_id"),
        connection_id=F("connection_id"),
        company_name=F("customer__legal_name"),
        htg_number=F("customer__htg_number"),
        flow_code=F("connection__flow__code"),
        starts_at=F("due_at"),
        contact_name=F("contact_name"),
        contact_phone=F("contact_phone"),
        urgency=F("urgency"),
        escalated=ExpressionWrapper(Q(escalated_at__isnull=False), output_field=BooleanField()),
    )
    ordering = ("member_id", "kind", "due_on", "starts_at", "company_name")
    rows = slots.union(due, callbacks, all=True).order_by(*(ALIAS + column for column in ordering))
    return [_item(row) for row in rows]


def _item(row: Mapping[str, Any]) -> DigestItem:
    def text(column: str) -> str:
        return str(row[ALIAS + column] or "")

    return DigestItem(
        kind=text("kind"),
        member_id=row[ALIAS + "member_id"],
        connection_id=row[ALIAS + "connection_id"],
        company_name=text("company_name"),
        htg_number=text("htg_number"),
        flow_code=text("flow_code"),
        state=text("state"),
        due_on=row[ALIAS + "due_on"],
        starts_at=row[ALIAS + "starts_at"],
        ends_at=row[ALIAS + "ends_at"],
        contact_name=text("contact_name"),
        contact_phone=text("contact_phone"),
        urgency=text("urgency"),
        escalated=bool(row[ALIAS + "escalated"]),
    )

"""The core team's escalation queue: one filter (in the URL, so a filter is a link), one query for a page of rows."""

import datetime
from dataclasses import dataclass, fields
from typing import Any

from django.db.models import F, OuterRef, QuerySet, Subquery
from django.utils import timezone

from connections.models import CONTACT_ORDER, Contact, Escalation
from connections.permissions import CORE_TEAM
from connections.selectors.connections import group_members
from htg_migration.parsing import parse_id
from plateaus.planning import working_days_left

ESCALATION_SCOPES = ("open", "closed")
OWNER_ME = "me"
OWNER_NOBODY = "none"

_DEADLINE = "connection__flow__plateau__programme__deadline"
# What the queue may be sorted by (a "-" in front reverses); ids break ties so that pages never overlap. "urgency":
# the nearest programme deadline first, then the one waiting longest.
ESCALATION_SORTS: dict[str, tuple[str, ...]] = {
    "urgency": (_DEADLINE, "opened_at", "id"),
    "company": ("connection__customer__legal_name", "id"),
    "flow": ("connection__flow__code", "id"),
    "step": ("waiting_state", "id"),
    "opened": ("opened_at", "id"),
    "deadline": (_DEADLINE, "id"),
    "owner": ("owner__first_name", "owner__username", "id"),
    "closed": ("closed_at", "id"),
}
DEFAULT_SORTS = {"open": "urgency", "closed": "-closed"}


@dataclass(frozen=True)
class EscalationFilters:
    """A parsed filter of the queue; `from_query` refuses nothing, it drops what it does not understand (a hostile
    sort key or owner gives the default)."""

    scope: str = "open"
    owner: str = ""  # "", OWNER_ME, OWNER_NOBODY or a user id
    plateau: int | None = None
    sort: str = ""  # "" is the scope's default

    @classmethod
    def from_query(cls, query: Any) -> "EscalationFilters":
        scope = query.get("scope") or ""
        scope = scope if scope in ESCALATION_SCOPES else "open"
        owner = (query.get("owner") or "").strip()
        if owner not in (OWNER_ME, OWNER_NOBODY) and parse_id(owner) is None:
            owner = ""
        sort = (query.get("sort") or "").strip()
        if sort.lstrip("-") not in ESCALATION_SORTS or sort == DEFAULT_SORTS[scope]:
            sort = ""
        return cls(scope=scope, owner=owner, plateau=parse_id((query.get("plateau") or "").strip()), sort=sort)

    @property
    def effective_sort(self) -> str:
        return self.sort or DEFAULT_SORTS[self.scope]

    def as_query(self, **changes: Any) -> dict[str, str]:
        """The filter as URL parameters (only those set), with `changes` applied: for links, pages and the way
        back after an action."""
        values = {field.name: getattr(self, field.name) for field in fields(self)} | changes
        query: dict[str, str] = {}
        for name, value in values.items():
            if value in (None, "") or (name == "scope" and value == "open"):
                continue
            query[name] = str(value)
        return query

    @property
    def is_filtered(self) -> bool:
        return bool(self.owner or self.plateau is not None)


def escalation_queue(*, filters: EscalationFilters, user_id: int) -> QuerySet[Escalation]:
    """The escalations of the filter in its order, each with its company, flow, programme, owner and the company's
    first contact's name and phone (CONTACT_ORDER) in the same query."""
    first_contact = Contact.objects.filter(customer_id=OuterRef("connection__customer_id")).order_by(*CONTACT_ORDER)
    queryset = Escalation.objects.select_related(
        "connection__customer", "connection__flow__plateau__programme", "owner"
    ).annotate(
        contact_name=Subquery(first_contact.values("name")[:1]),
        contact_phone=Subquery(first_contact.values("phone")[:1]),
    )
    queryset = queryset.filter(closed_at__isnull=filters.scope == "open")
    if filters.owner == OWNER_ME:
        queryset = queryset.filter(owner_id=user_id)
    elif filters.owner == OWNER_NOBODY:
        queryset = queryset.filter(owner__isnull=True)
    elif filters.owner:
        queryset = queryset.filter(owner_id=int(filters.owner))
    if filters.plateau is not None:
        queryset = queryset.filter(connection__flow__plateau__number=filters.plateau)
    sort = filters.effective_sort
    descending = sort.startswith("-")
    order = [
        F(column).desc(nulls_last=True) if descending else F(column).asc(nulls_last=True)
        for column in ESCALATION_SORTS[sort.lstrip("-")]
    ]
    return queryset.order_by(*order)


def escalation_rows_decorate(escalations: list[Escalation], *, today: datetime.date) -> list[Escalation]:
    """Each row's age (calendar days open) and working days to its programme's deadline, for the page."""
    days_left: dict[datetime.date, int] = {}
    for escalation in escalations:
        deadline = escalation.connection.flow.plateau.programme.deadline
        if deadline not in days_left:
            days_left[deadline] = working_days_left(as_of=today, deadline=deadline) if deadline >= today else 0
        opened_day = timezone.localdate(escalation.opened_at)
        last_day = timezone.localdate(escalation.closed_at) if escalation.closed_at else today
        escalation.age_days = (last_day - opened_day).days  # type: ignore[attr-defined]
        escalation.working_days_left = days_left[deadline]  # type: ignore[attr-defined]
        escalation.deadline_passed = deadline < today  # type: ignore[attr-defined]
    return escalations


def core_team_members() -> list[Any]:
    return group_members(CORE_TEAM)

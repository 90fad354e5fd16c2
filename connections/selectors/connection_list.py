"""The connection list: one set of filters shared by the team's list, its bulk actions and its export."""

import datetime
import re
from dataclasses import dataclass, fields
from typing import Any

from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef, Q, QuerySet

from connections.models import Connection, ConnectionState, Customer, Escalation
from connections.selectors.connections import connection_overdue_q, team_members
from connections.services.htg_numbers import htg_number_normalise
from connections.validators import normalise_identifier
from htg_migration.forms import search_text
from htg_migration.parsing import parse_id
from plateaus.models import GovernmentParty, MessageFlow
from plateaus.selectors import plateau_numbers

# What the list may be sorted by (a "-" in front reverses); ids break ties so pages never overlap.
SORTS = {
    "customer": ("customer__legal_name", "id"),
    "flow": ("flow__code", "id"),
    "state": ("state", "id"),
    "changed": ("state_changed_at", "id"),
    "due": ("due_on", "id"),
    "htg": ("customer__htg_number", "id"),
}
DEFAULT_SORT = "-changed"
UNASSIGNED = "none"


# A message flow's code as the filter takes it; anything else (a NUL character, 100,000 letters) is dropped.
FLOW_CODE_PATTERN = re.compile(r"[A-Z0-9_-]{1,20}")


@dataclass(frozen=True)
class ConnectionFilters:
    """A parsed, validated filter; `from_query` refuses nothing, it drops what it does not understand."""

    plateau: int | None = None
    flow: str = ""
    state: str = ""
    assignee: str = ""  # a user id, UNASSIGNED, or empty for everyone
    role: str = ""
    hub: int | None = None
    overdue: bool = False
    escalated: bool = False
    blocked: bool = False
    q: str = ""
    sort: str = DEFAULT_SORT

    @classmethod
    def from_query(cls, query: Any) -> "ConnectionFilters":
        def integer(name: str) -> int | None:
            return parse_id((query.get(name) or "").strip())

        def flag(name: str) -> bool:
            return (query.get(name) or "") in {"1", "on", "true", "yes"}

        assignee = (query.get("assignee") or "").strip()
        flow = (query.get("flow") or "").strip().upper()
        sort = (query.get("sort") or DEFAULT_SORT).strip()
        return cls(
            plateau=integer("plateau"),
            flow=flow if FLOW_CODE_PATTERN.fullmatch(flow) else "",
            state=(query.get("state") or "").strip() if query.get("state") in ConnectionState.values else "",
            assignee=assignee if assignee == UNASSIGNED or parse_id(assignee) is not None else "",
            role=(query.get("role") or "").strip() if query.get("role") in Customer.Role.values else "",
            hub=integer("hub"),
            overdue=flag("overdue"),
            escalated=flag("escalated"),
            blocked=flag("blocked"),
            q=search_text(query).text,
            sort=sort if sort.lstrip("-") in SORTS else DEFAULT_SORT,
        )

    def as_query(self, **changes: Any) -> dict[str, str]:
        """The filter as URL parameters (only those set), with `changes` applied: for links and pagination."""
        values = {field.name: getattr(self, field.name) for field in fields(self)} | changes
        query: dict[str, str] = {}
        for name, value in values.items():
            if value in (None, "", False) or (name == "sort" and value == DEFAULT_SORT):
                continue
            query[name] = "1" if value is True else str(value)
        return query

    @property
    def is_filtered(self) -> bool:
        return bool(set(self.as_query()) - {"sort"})


def blocked_flow_ids() -> list[int]:
    """Flows with a government party that is not yet connected to HTG itself."""
    return list(
        MessageFlow.objects.filter(
            parties__in=GovernmentParty.objects.exclude(htg_status=GovernmentParty.HtgStatus.CONNECTED)
        )
        .values_list("id", flat=True)
        .distinct()
    )


def _search(queryset: QuerySet[Connection], text: str) -> QuerySet[Connection]:
    htg_number = htg_number_normalise(text)
    compact = normalise_identifier(text)
    if re.fullmatch(r"\d{8}", compact):
        # Eight bare digits are a KvK number, or an HTG number typed without its prefix (one KvK number in ten
        # passes the HTG check digit too): search both.
        if htg_number:
            return queryset.filter(Q(customer__kvk_number=compact) | Q(customer__htg_number=htg_number))
        return queryset.filter(customer__kvk_number=compact)
    if htg_number:
        return queryset.filter(customer__htg_number=htg_number)
    if re.fullmatch(r"[A-Z]{2}[A-Z0-9]{1,15}", compact) and any(character.isdigit() for character in compact):
        return queryset.filter(Q(customer__eori=compact) | Q(customer__legal_name__icontains=text))
    return queryset.filter(customer__legal_name__icontains=text)


def connection_list(*, filters: ConnectionFilters, today: datetime.date) -> QuerySet[Connection]:
    """Connections matching the filter, with everything a list row shows loaded in the same query."""
    queryset = Connection.objects.select_related(
        "customer", "customer__hub", "flow", "flow__plateau", "assigned_to"
    ).annotate(is_overdue=ExpressionWrapper(connection_overdue_q(today=today), output_field=BooleanField()))
    if filters.plateau is not None:
        queryset = queryset.filter(flow__plateau__number=filters.plateau)
    if filters.flow:
        queryset = queryset.filter(flow__code=filters.flow)
    if filters.state:
        queryset = queryset.filter(state=filters.state)
    if filters.assignee == UNASSIGNED:
        queryset = queryset.filter(assigned_to__isnull=True)
    elif filters.assignee:
        queryset = queryset.filter(assigned_to_id=int(filters.assignee))
    if filters.role:
        queryset = queryset.filter(customer__role=filters.role)
    if filters.hub is not None:
        queryset = queryset.filter(customer__hub_id=filters.hub)
    if filters.overdue:
        queryset = queryset.filter(connection_overdue_q(today=today))
    if filters.escalated:
        queryset = queryset.filter(
            Exists(Escalation.objects.filter(connection_id=OuterRef("pk"), closed_at__isnull=True))
        )
    if filters.blocked:
        queryset = queryset.filter(flow_id__in=blocked_flow_ids())
    if filters.q:
        queryset = _search(queryset, filters.q)
    sort_key = filters.sort.lstrip("-")
    descending = filters.sort.startswith("-")
    return queryset.order_by(*[f"-{column}" if descending else column for column in SORTS[sort_key]])


def connection_filter_options() -> dict[str, Any]:
    """The choices of the list's filter form: three queries, whatever the data size."""
    return {
        "plateaus": plateau_numbers(),
        "flows": list(MessageFlow.objects.select_related("plateau").order_by("plateau__number", "code")),
        "states": ConnectionState.choices,
        "roles": Customer.Role.choices,
        "team_members": team_members(),
        "unassigned": UNASSIGNED,
    }


def connection_list_hub(*, hub_id: int | None) -> Customer | None:
    """The hub a list is narrowed to (its name for the page's heading), or None."""
    return Customer.objects.filter(pk=hub_id).only("legal_name").first() if hub_id else None

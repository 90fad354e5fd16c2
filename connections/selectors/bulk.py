"""Bulk jobs as the team's pages show them, and what a bulk action would do before it is started."""

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import Count, QuerySet
from django.shortcuts import get_object_or_404

from connections import permissions
from connections.models import WAITING_ON_CUSTOMER, BulkJob, BulkJobItem, Connection, ConnectionState
from connections.services.bulk import NOT_IN_BULK
from connections.services.transitions import (
    FINAL_TRANSITIONS,
    transition_label,
    transition_permission,
    transition_sources,
)

SKIPPED_SHOWN = 500
# Side roads after the road itself, in this order.
SIDE_ROADS = ("reschedule", "record_no_show", "hold", "resume", "withdraw", "mark_missed")


def bulk_job_get(*, job_id: int) -> BulkJob:
    """The job with who made it and whom it assigns to; 404 for an unknown id."""
    return get_object_or_404(BulkJob.objects.select_related("created_by", "assignee"), pk=job_id)


def bulk_job_skipped(*, job: BulkJob) -> QuerySet[BulkJobItem]:
    """The first items the job skipped, each with its connection's company and flow."""
    return (
        BulkJobItem.objects.filter(job=job, status=BulkJobItem.Status.SKIPPED)
        .select_related("connection__customer", "connection__flow")
        .order_by("id")[:SKIPPED_SHOWN]
    )


@dataclass(frozen=True)
class BulkStep:
    """A step the bulk form offers: once, with the states it leaves from (for the page's script)."""

    name: str
    label: str
    sources: tuple[str, ...]
    is_final: bool


# Every state in the process's order (the declaration's: side states such as waiting for TLS 1.2 included).
STATE_ORDER = tuple(ConnectionState.values)


def _order(name: str, sources: frozenset[str]) -> tuple[int, int]:
    if name in SIDE_ROADS:
        return (1, SIDE_ROADS.index(name))
    return (0, min(STATE_ORDER.index(state) for state in sources))


def _may(name: str, user: Any) -> bool:
    """Whether this team member may take the step at all (a bulk job runs as the one who starts it)."""
    if transition_permission(name) is permissions.core_team_may:
        return permissions.is_core_team(user)
    return permissions.is_team_member(user)


def bulk_steps(*, states: Iterable[str], user: Any) -> list[BulkStep]:
    """Each step once, in the process's order, when it leaves from one of `states` and the user may take it."""
    present = set(states)
    steps = [
        BulkStep(
            name=name,
            label=transition_label(name),
            sources=tuple(sorted(sources)),
            is_final=name in FINAL_TRANSITIONS,
        )
        for name, sources in transition_sources().items()
        if sources & present and name not in NOT_IN_BULK and _may(name, user)
    ]
    return sorted(steps, key=lambda step: _order(step.name, frozenset(step.sources)))


def bulk_step_source_states(*, filters: Any) -> list[str]:
    """The states a step leaves from that the list's filter allows (a state filter, or "overdue": the waiting
    states), so that no EXISTS asks for a state the filter rules out."""
    sources = set().union(*transition_sources().values())
    if filters.state:
        sources &= {filters.state}
    if filters.overdue:
        sources &= {str(state) for state in WAITING_ON_CUSTOMER}
    return [state for state in ConnectionState.values if state in sources]


def connection_state_counts(*, connections: QuerySet[Connection]) -> dict[str, int]:
    """How many of these connections are in each state: one query."""
    rows = connections.order_by().values_list("state").annotate(count=Count("pk"))
    return dict(rows)


def connection_states_present(*, connections: QuerySet[Connection], candidates: Iterable[str]) -> set[str]:
    """Which of the `candidates` states some of these connections are in. One query of one EXISTS per state, each
    stopping at its first row (the state indexes serve them): the unfiltered list of the whole register costs a few
    index probes, where counting per state would read every row (three times a COUNT's time, measured)."""
    states = list(candidates)
    parts: list[str] = []
    params: list[Any] = []
    for state in states:
        sql, state_params = connections.filter(state=state).order_by().values("pk")[:1].query.sql_with_params()
        parts.append(f"EXISTS ({sql})")
        params.extend(state_params)
    if not parts:
        return set()
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(parts), params)
        row = cursor.fetchone()
    return {state for state, present in zip(states, row, strict=True) if present}


@dataclass(frozen=True)
class BulkSummary:
    """What a bulk action would touch: the count, per state, and how many of them the step applies to."""

    total: int
    by_state: list[tuple[str, int, bool]]  # state label, count, whether the step applies
    applicable: int


def bulk_selection_summary(*, connections: QuerySet[Connection], limit: int | None, transition: str) -> BulkSummary:
    """The connections a bulk job would get (the first `limit` in the list's order), counted per state: one query."""
    chosen = connections.values("pk")[:limit] if limit else connections.values("pk")
    counts = connection_state_counts(connections=Connection.objects.filter(pk__in=chosen))
    sources = transition_sources().get(transition, frozenset()) if transition else None
    by_state = [
        (str(ConnectionState(state).label), count, sources is None or state in sources)
        for state, count in sorted(counts.items(), key=lambda item: list(ConnectionState.values).index(item[0]))
    ]
    total = sum(counts.values())
    applicable = total if sources is None else sum(count for state, count in counts.items() if state in sources)
    return BulkSummary(total=total, by_state=by_state, applicable=applicable)

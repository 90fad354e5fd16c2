"""Reads about connections."""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
from django_fsm import has_transition_perm

from connections.models import WAITING_ON_CUSTOMER, Connection, ConnectionEvent, ConnectionState
from connections.permissions import CONNECTION_TEAM, CORE_TEAM
from connections.services.transitions import transition_label


def connection_waiting_on_company_q() -> Q:
    """Connections at a step that waits on the company (invited, slot offered, testing): the company's move, due by
    `due_on`, with reminders and escalation when it is late."""
    return Q(state__in=WAITING_ON_CUSTOMER)


def connection_overdue_q(*, today: datetime.date) -> Q:
    """Connections whose company's step is past its due date."""
    return Q(due_on__lt=today) & connection_waiting_on_company_q()


def group_members(*groups: str) -> list[Any]:
    """The active members of these staff groups, by name."""
    return list(
        get_user_model()
        .objects.filter(is_active=True, groups__name__in=groups)
        .distinct()
        .order_by("first_name", "username")
    )


def team_members() -> list[Any]:
    """The active members of the connection team and the core team: whom a connection can be given to."""
    return group_members(CONNECTION_TEAM, CORE_TEAM)


@dataclass(frozen=True)
class AvailableTransition:
    name: str
    label: str


def connection_available_transitions(*, connection: Connection, user: Any) -> list[AvailableTransition]:
    """The transitions this user may do now (state, conditions and permission all allow it)."""
    available = connection.get_available_state_transitions()  # type: ignore[attr-defined]
    return [
        AvailableTransition(name=item.name, label=transition_label(item.name))
        for item in available
        if has_transition_perm(getattr(connection, item.name), user)
    ]


def connection_timeline(*, connection_id: int) -> QuerySet[ConnectionEvent]:
    return (
        ConnectionEvent.objects.filter(connection_id=connection_id).select_related("actor").order_by("created_at", "id")
    )


def timeline_replay(events: Iterable[ConnectionEvent], *, as_of: datetime.datetime | None = None) -> str:
    """The state a connection was in, rebuilt from its timeline alone (as of a moment, if given).

    Raises ValueError if an event does not start where the previous one ended: the timeline must be a chain.
    """
    state: str = ConnectionState.PLANNED
    for event in events:
        if as_of is not None and event.created_at > as_of:
            break
        if event.from_state != state:
            raise ValueError(f"event {event.pk} starts at {event.from_state}, the timeline was at {state}")
        state = event.to_state
    return state

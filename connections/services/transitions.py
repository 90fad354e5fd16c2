"""Moving a connection through its state machine: the only way its state changes."""

import datetime
from collections.abc import Callable
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import ConcurrentTransition, can_proceed, has_transition_perm

from connections.models import (
    WAITING_ON_CUSTOMER,
    Connection,
    ConnectionEvent,
    ConnectionState,
    Escalation,
    SlotBooking,
)
from connections.services.events import connection_state_changed_record
from connections.services.ladder import ladder_due_business_days
from connections.services.snapshots import readiness_refresh, readiness_touched, snapshot_state_move
from connections.services.step_emails import connection_step_email_enqueue
from htg_migration import clock
from htg_migration.calendar import add_business_days
from htg_migration.errors import ApplicationError, ConflictError


def transition_names() -> list[str]:
    """Each transition's name once, in the order the model declares them (the process's order). django-fsm lists a
    transition once per source state: "hold" leaves from eight states."""
    return list(transition_sources())


def transition_sources() -> dict[str, frozenset[str]]:
    """Each transition's name with the states it leaves from."""
    sources: dict[str, set[str]] = {}
    for transition in Connection._meta.get_field("state").get_all_transitions(Connection):
        sources.setdefault(transition.name, set()).add(str(transition.source))
    return {name: frozenset(states) for name, states in sources.items()}


TRANSITION_NAMES = frozenset(transition_names())
# The steps that end a connection's road without it going live: the team confirms the count before running them on
# many at once.
FINAL_TRANSITIONS = frozenset({"withdraw", "mark_missed"})


def transition_permission(name: str) -> Any:
    """The permission callable of a transition (the same for each of its source states)."""
    for meta_transition in getattr(Connection, name)._django_fsm.transitions.values():
        return meta_transition.permission
    return None


def transition_label(name: str) -> str:
    method = getattr(Connection, name)
    for meta_transition in method._django_fsm.transitions.values():
        return str(meta_transition.custom.get("label", name))
    return name


def _unmet_condition_messages(connection: Connection, method: Callable[..., Any]) -> list[str]:
    meta = method._django_fsm  # type: ignore[attr-defined]
    meta_transition = meta.get_transition(connection.state)
    return [
        str(getattr(condition, "message", condition.__name__))
        for condition in meta_transition.conditions
        if not condition(connection)
    ]


def _unmet_condition_names(connection: Connection, method: Callable[..., Any]) -> list[str]:
    """The unmet conditions as codes (their function names), for a caller that stores why a step was refused."""
    meta_transition = method._django_fsm.get_transition(connection.state)  # type: ignore[attr-defined]
    return [condition.__name__ for condition in meta_transition.conditions if not condition(connection)]


@transaction.atomic
def connection_transition(
    *,
    connection_id: int,
    transition: str,
    actor: Any,
    note: str = "",
    expected_state: str | None = None,
    at: Any = None,
    step_email: bool = True,
) -> Connection:
    """Run one transition under a row lock and record it in the timeline, in one transaction.

    `actor` is the user who acts, or None for the system itself (scheduled jobs). `expected_state` is the state
    the user saw: if someone else moved the connection since, ConflictError says so and nothing is written.
    `step_email` False leaves the company's e-mail to the caller's next step (a reschedule books the new slot at
    once, and that booking's e-mail says so).
    """
    if transition not in TRANSITION_NAMES:
        raise ApplicationError(_("Unknown step: %(name)s.") % {"name": transition})
    try:
        connection = (
            Connection.objects.select_for_update(of=("self",))
            .select_related("customer", "flow__plateau__programme")
            .get(pk=connection_id)
        )
    except Connection.DoesNotExist:
        raise ApplicationError(_("This connection does not exist (any more).")) from None
    current_label = ConnectionState(connection.state).label
    if expected_state is not None and connection.state != expected_state:
        raise ConflictError(
            _("Someone else changed this connection first: it is now “%(state)s”. Nothing was changed.")
            % {"state": current_label},
            {"state": connection.state},
        )
    method = getattr(connection, transition)
    if not can_proceed(method, check_conditions=False):
        raise ConflictError(
            _("“%(step)s” is not possible while the connection is “%(state)s”. Nothing was changed.")
            % {"step": transition_label(transition), "state": current_label},
            {"state": connection.state},
        )
    unmet = _unmet_condition_messages(connection, method)
    if unmet:
        raise ApplicationError(
            " ".join(unmet), {"state": connection.state, "conditions": _unmet_condition_names(connection, method)}
        )
    if actor is not None and not has_transition_perm(method, actor):
        raise PermissionDenied(_("You are not allowed to do “%(step)s”.") % {"step": transition_label(transition)})

    from_state = connection.state
    moment = at or clock.now()
    method()
    connection.state_changed_at = moment
    connection.due_on = _due_on(
        state=connection.state, moment=moment, deadline=connection.flow.plateau.programme.deadline
    )
    connection.reminder_count = 0  # a new due date (or none) starts the reminder ladder again
    try:
        connection.save(update_fields=["state", "state_before_hold", "state_changed_at", "due_on", "reminder_count"])
    except ConcurrentTransition:
        raise ConflictError(_("Someone else changed this connection first. Nothing was changed.")) from None
    snapshot_state_move(flow_id=connection.flow_id, from_state=from_state, to_state=connection.state, moment=moment)
    readiness_refresh(
        customer_ids=readiness_touched(
            customer_id=connection.customer_id, from_state=from_state, to_state=connection.state
        )
    )
    _release_booking(connection=connection, from_state=from_state, transition=transition, moment=moment)
    _close_escalation(connection=connection, from_state=from_state, moment=moment)
    event = ConnectionEvent.objects.create(
        connection=connection,
        transition=transition,
        from_state=from_state,
        to_state=connection.state,
        actor=actor,
        note=note.strip(),
        created_at=moment,
    )
    connection_state_changed_record(connection=connection, from_state=from_state, transition=transition, moment=moment)
    if step_email:
        connection_step_email_enqueue(connection=connection, event=event)
    return connection


def _due_on(*, state: str, moment: datetime.datetime, deadline: datetime.date) -> datetime.date | None:
    """A step that waits on the company is due a number of Dutch business days after it starts (fewer in the
    programme's last weeks: the ladder steepens)."""
    if state not in WAITING_ON_CUSTOMER:
        return None
    local_day = timezone.localtime(moment).date()
    return add_business_days(local_day, ladder_due_business_days(state=state, today=local_day, deadline=deadline))


_BOOKING_END_REASONS = {
    "reschedule": SlotBooking.EndReason.RESCHEDULED,
    "record_no_show": SlotBooking.EndReason.NO_SHOW,
}


def _release_booking(*, connection: Connection, from_state: str, transition: str, moment: datetime.datetime) -> None:
    """Leaving "slot booked" other than forward (or on hold) frees the slot for another company."""
    if from_state != ConnectionState.SLOT_BOOKED or connection.state in (
        ConnectionState.TECHNICAL_DATA_SENT,
        ConnectionState.ON_HOLD,
    ):
        return
    SlotBooking.objects.filter(connection=connection, cancelled_at__isnull=True).update(
        cancelled_at=moment, end_reason=_BOOKING_END_REASONS.get(transition, SlotBooking.EndReason.CANCELLED)
    )


def _close_escalation(*, connection: Connection, from_state: str, moment: datetime.datetime) -> None:
    """An escalation about a waiting step closes itself once the connection leaves that step."""
    if from_state not in WAITING_ON_CUSTOMER:
        return
    outcome = (
        Escalation.Outcome.CLOSED_OTHERWISE
        if connection.state in (ConnectionState.WITHDRAWN, ConnectionState.MISSED, ConnectionState.ON_HOLD)
        else Escalation.Outcome.CUSTOMER_ACTED
    )
    Escalation.objects.filter(connection=connection, closed_at__isnull=True).update(closed_at=moment, outcome=outcome)

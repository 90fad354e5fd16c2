"""Moving a connection through its state machine: the only way its state changes."""

from collections.abc import Callable
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _
from django_fsm import ConcurrentTransition, can_proceed, has_transition_perm

from connections.models import Connection, ConnectionEvent, ConnectionState
from htg_migration import clock
from htg_migration.errors import ApplicationError, ConflictError


def transition_names() -> list[str]:
    return [transition.name for transition in Connection._meta.get_field("state").get_all_transitions(Connection)]


TRANSITION_NAMES = frozenset(transition_names())


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


@transaction.atomic
def connection_transition(
    *,
    connection_id: int,
    transition: str,
    actor: Any,
    note: str = "",
    expected_state: str | None = None,
    at: Any = None,
) -> Connection:
    """Run one transition under a row lock and record it in the timeline, in one transaction.

    `actor` is the user who acts, or None for the system itself (scheduled jobs). `expected_state` is the state
    the user saw: if someone else moved the connection since, ConflictError says so and nothing is written.
    """
    if transition not in TRANSITION_NAMES:
        raise ApplicationError(_("Unknown step: %(name)s.") % {"name": transition})
    try:
        connection = Connection.objects.select_for_update().select_related("customer", "flow").get(pk=connection_id)
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
        raise ApplicationError(" ".join(unmet), {"state": connection.state})
    if actor is not None and not has_transition_perm(method, actor):
        raise PermissionDenied(_("You are not allowed to do “%(step)s”.") % {"step": transition_label(transition)})

    from_state = connection.state
    moment = at or clock.now()
    method()
    connection.state_changed_at = moment
    try:
        connection.save(update_fields=["state", "state_before_hold", "state_changed_at"])
    except ConcurrentTransition:
        raise ConflictError(_("Someone else changed this connection first. Nothing was changed.")) from None
    ConnectionEvent.objects.create(
        connection=connection,
        transition=transition,
        from_state=from_state,
        to_state=connection.state,
        actor=actor,
        note=note.strip(),
        created_at=moment,
    )
    return connection

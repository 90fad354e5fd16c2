"""Celery tasks: ids in, one service call, safe to run twice."""

from celery import shared_task

from connections.services.missed import connections_mark_missed
from connections.services.transitions import connection_transition
from htg_migration import clock


@shared_task
def connections_mark_missed_task() -> int:
    return connections_mark_missed(today=clock.today())


@shared_task
def connection_transition_task(connection_id: int, transition: str, note: str = "") -> str:
    """Run a transition as the system (bulk jobs and sweeps). A connection that is no longer in a state that
    allows it is left as it is, so running the task twice does the work once."""
    from htg_migration.errors import ApplicationError

    try:
        connection = connection_transition(connection_id=connection_id, transition=transition, actor=None, note=note)
    except ApplicationError as error:
        return f"skipped: {error.message}"
    return connection.state

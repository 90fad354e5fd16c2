"""Celery tasks: ids in, one service call, safe to run twice."""

import datetime
import logging
from typing import Any

from celery import shared_task
from celery.signals import before_task_publish
from django.db import DatabaseError
from django.db import connection as database
from django.utils import timezone

from connections.models import Heartbeat
from connections.services.bulk import bulk_job_run, bulk_jobs_unfinished
from connections.services.events import bounce_events_record
from connections.services.health import heartbeat_record
from connections.services.missed import connections_mark_missed
from connections.services.transitions import connection_transition
from htg_migration import clock
from htg_migration.retention import retention_run

logger = logging.getLogger(__name__)


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


@shared_task(acks_late=True)
def bulk_job_run_task(job_id: int) -> str:
    job = bulk_job_run(job_id=job_id)
    return f"{job.status}: {job.done_count} done, {job.skipped_count} skipped of {job.total}"


@shared_task
def bulk_jobs_resume_task() -> int:
    """The sweep for bulk jobs whose task was lost (a worker crashed, the broker lost it): run them again."""
    job_ids = bulk_jobs_unfinished()
    for job_id in job_ids:
        bulk_job_run_task.delay(job_id)
    return len(job_ids)


@shared_task
def callback_requests_escalate_task() -> int:
    """Escalate open callback requests past their service level (safe to run twice: escalated ones are skipped)."""
    from connections.services.callbacks import callback_requests_escalate

    return callback_requests_escalate(now=clock.now())


@shared_task
def ladder_sweep_task() -> str:
    """Start the reminder ladder's sweep for waiting connections past due: one batch task each (nothing outside
    working hours)."""
    from connections.services.ladder import ladder_sweep_start

    return f"{ladder_sweep_start(now=clock.now())} ladder batches queued"


@shared_task(acks_late=True)
def ladder_sweep_batch_task(connection_ids: list[int], now: str) -> str:
    """One batch of a sweep at `now` (ISO 8601): safe to run twice, each rung moves the due date forward under the
    row lock."""
    from connections.services.ladder import ladder_sweep_batch

    result = ladder_sweep_batch(connection_ids=connection_ids, now=datetime.datetime.fromisoformat(now))
    return (
        f"{result.first_reminders} first and {result.second_reminders} second reminders, "
        f"{result.escalations} escalations, {result.hub_emails} hub e-mails"
    )


@shared_task
def team_digest_task() -> str:
    """Queue today's digest for each team member with something to do (working days from 07:00 only; safe to run
    often: one digest per member and day, by its dedupe key)."""
    from connections.services.digest import team_digest_send

    result = team_digest_send(now=clock.now())
    if not result.working_hours:
        return "outside working hours"
    return f"{result.emails} digests queued, {result.already_sent} already sent today"


HEARTBEAT_TASK = "connections.tasks.heartbeat_task"


@shared_task(name=HEARTBEAT_TASK, ignore_result=True)
def heartbeat_task() -> None:
    """The worker's sign of life (the scheduler sends this task every HEARTBEAT_SECONDS)."""
    heartbeat_record(Heartbeat.Name.WORKER)


@before_task_publish.connect
def scheduler_heartbeat(sender: str | None = None, **kwargs: Any) -> None:
    """The scheduler's sign of life: recorded by the process that sends the heartbeat task, which only the
    scheduler (celery beat) does."""
    if sender != HEARTBEAT_TASK:
        return
    try:
        heartbeat_record(Heartbeat.Name.SCHEDULER)
    except DatabaseError:
        # The scheduler keeps its schedule; its next heartbeat tries again on a fresh connection. /readyz shows the
        # age meanwhile.
        logger.warning("scheduler_heartbeat_not_recorded")
        database.close()


@shared_task
def retention_run_task() -> dict[str, int]:
    """The nightly retention run (htg_migration/retention.py): every app's steps."""
    return retention_run(now=timezone.now())


@shared_task
def bounce_events_record_task() -> int:
    """Every minute: an event for each hard bounce of a company contact's address not yet told (webhooks)."""
    return bounce_events_record(now=clock.now())

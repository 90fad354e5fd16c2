"""Celery tasks: ids in, one service call, safe to run twice."""

import datetime

from celery import shared_task
from django.utils import timezone

from connections.services.bulk import bulk_job_run, bulk_jobs_unfinished
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


@shared_task(acks_late=True)
def import_batch_validate_task(batch_id: int) -> str:
    from connections.services.imports import import_batch_validate

    batch = import_batch_validate(batch_id=batch_id)
    return f"{batch.status}: {batch.error_count} errors in {batch.total_rows} rows"


@shared_task(acks_late=True)
def import_batch_apply_task(batch_id: int) -> str:
    from connections.services.imports import import_batch_apply

    batch = import_batch_apply(batch_id=batch_id)
    return (
        f"{batch.status}: {batch.created_customers} companies added, {batch.updated_customers} updated, "
        f"{batch.created_connections} connections added"
    )


@shared_task
def callback_requests_escalate_task() -> int:
    """Escalate open callback requests past their service level (safe to run twice: escalated ones are skipped)."""
    from connections.services.helpdesk import callback_requests_escalate

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


@shared_task(acks_late=True)
def news_sending_run_task(sending_id: int) -> str:
    """Queue a news sending's e-mails in batches (safe to run twice or after a crash: one e-mail per item and
    address, by its dedupe key)."""
    from connections.services.news import news_sending_run

    sending = news_sending_run(sending_id=sending_id)
    return f"{sending.status}: {sending.queued_count} of {sending.total}"


@shared_task
def news_sendings_resume_task() -> int:
    """The sweep for news sendings whose task was lost (no progress for two minutes): run them again."""
    from connections.services.news import news_sendings_unfinished

    sending_ids = news_sendings_unfinished(now=clock.now())
    for sending_id in sending_ids:
        news_sending_run_task.delay(sending_id)
    return len(sending_ids)


@shared_task(acks_late=True)
def weekly_report_task() -> str:
    """Monday morning: the report of the week that ended yesterday (its Sunday). Safe to run twice: one per week."""
    import datetime

    from connections.services.reports import weekly_report_generate

    report = weekly_report_generate(as_of=clock.today() - datetime.timedelta(days=1))
    return f"weekly report {report.week_start:%G-W%V} ({report.pk})"


@shared_task
def portal_sign_in_links_purge_task() -> int:
    from connections.services.portal_sign_in import portal_sign_in_links_purge

    return portal_sign_in_links_purge(now=timezone.now())

"""Celery tasks: ids in, one service call, safe to run twice."""

from celery import shared_task


@shared_task(acks_late=True)
def traffic_file_check_task(file_id: int) -> str:
    from traffic.services.check import traffic_file_check

    traffic_file = traffic_file_check(file_id=file_id)
    return f"{traffic_file.status}: {traffic_file.error_count} errors in {traffic_file.rows} rows"


@shared_task(acks_late=True)
def traffic_file_apply_task(file_id: int) -> str:
    from traffic.services.apply import traffic_file_apply

    traffic_file = traffic_file_apply(file_id=file_id)
    return f"{traffic_file.status}: {traffic_file.rows} rows"


@shared_task
def traffic_inbox_scan_task() -> int:
    """The every-minute job: files in HTG_TRAFFIC_INBOX become rows (then checked and applied by the worker)."""
    from django.utils import timezone

    from traffic.services.receive import traffic_files_resume, traffic_inbox_scan

    made = traffic_inbox_scan()
    traffic_files_resume(now=timezone.now())
    return len(made)

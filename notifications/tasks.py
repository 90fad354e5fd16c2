"""Celery tasks: ids in, one service call, safe to run twice."""

from celery import shared_task

from htg_migration import clock
from notifications.services import email_send, emails_sweep


@shared_task(acks_late=True)
def email_send_task(email_id: int) -> str:
    """Send one e-mail. Failures are recorded on the row, and retries are scheduled there (next_attempt_at) for
    the sweep, never as a long countdown in the broker."""
    email = email_send(email_id=email_id)
    return email.status if email is not None else "busy or gone"


@shared_task
def emails_sweep_task() -> int:
    """Every minute: queue the e-mails that are due and whose task was lost or whose retry has come."""
    email_ids = emails_sweep(now=clock.now())
    for email_id in email_ids:
        email_send_task.delay(email_id)
    return len(email_ids)

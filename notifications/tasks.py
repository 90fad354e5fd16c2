"""Celery tasks: ids in, one service call, safe to run twice."""

from celery import shared_task
from django.conf import settings

from htg_migration import clock
from notifications.bounce_intake import bounces_maildir_receive, bounces_process_pending
from notifications.services import email_claims_recover, email_id_batches, email_send, emails_send, emails_sweep


@shared_task(acks_late=True)
def email_send_task(email_id: int) -> str:
    """Send one e-mail. Failures are recorded on the row, and retries are scheduled there (next_attempt_at) for
    the sweep, never as a long countdown in the broker."""
    email = email_send(email_id=email_id)
    return email.status if email is not None else "gone"


@shared_task(acks_late=True)
def email_send_many_task(email_ids: list[int]) -> str:
    """Send these e-mails, claimed in batches over one SMTP connection; rows no longer queued are left alone."""
    result = emails_send(email_ids=email_ids)
    return f"{result.sent} sent, {result.retrying} to retry, {result.failed} failed, {result.suppressed} suppressed"


@shared_task
def emails_sweep_task() -> int:
    """Every minute: put back the rows of senders that died mid-batch, then queue the e-mails that are due and whose
    task was lost or whose retry has come, in batches."""
    now = clock.now()
    email_claims_recover(now=now)
    email_ids = emails_sweep(now=now)
    for batch in email_id_batches(email_ids):
        email_send_many_task.delay(batch)
    return len(email_ids)


@shared_task
def bounces_receive_task() -> str:
    """Every minute: receive the bounces waiting in the Maildir of HTG_BOUNCE_MAILDIR (when set), then process the
    recorded bounces whose processing never finished."""
    path = settings.HTG_BOUNCE_MAILDIR
    items = bounces_maildir_receive(path=path) if path else []
    pending = bounces_process_pending(now=clock.now())
    errors = sum(1 for item in items if item.error)
    return f"{len(items)} received from the Maildir ({errors} with errors), {pending} pending processed"

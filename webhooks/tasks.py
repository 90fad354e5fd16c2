"""Celery tasks: one service call each, safe to run twice."""

from celery import shared_task

from htg_migration import clock
from webhooks.services.events import events_publish
from webhooks.services.sending import webhook_claims_recover, webhook_deliveries_due, webhook_deliveries_send


@shared_task(acks_late=True)
def webhook_deliveries_send_task() -> str:
    """Send the due deliveries (queued when events are written; each run takes what is due, in order per
    connection). Failures are recorded on the rows and retried by due date, never by a countdown in the broker."""
    result = webhook_deliveries_send()
    return f"{result.delivered} delivered, {result.retrying} to retry, {result.failed} failed"


@shared_task(acks_late=True)
def webhook_events_task() -> str:
    """After a commit that wrote events: give them their places in the feed, then send the due deliveries."""
    published = events_publish()
    result = webhook_deliveries_send()
    return f"{published} published; {result.delivered} delivered, {result.retrying} to retry, {result.failed} failed"


@shared_task
def webhooks_sweep_task() -> str:
    """Every minute: put back the deliveries of senders that died mid-batch, then send what is due (retries whose
    time has come, and deliveries whose task was lost)."""
    now = clock.now()
    events_publish()
    requeued = webhook_claims_recover(now=now)
    if requeued or webhook_deliveries_due(now=now):
        webhook_deliveries_send_task.delay()
    return f"{requeued} requeued"

"""Celery tasks: ids in, one service call, safe to run twice."""

from celery import shared_task

from htg_migration import clock


@shared_task(acks_late=True)
def news_sending_run_task(sending_id: int) -> str:
    """Queue a news sending's e-mails in batches (safe to run twice or after a crash: one e-mail per item and
    address, by its dedupe key)."""
    from community.services.news import news_sending_run

    sending = news_sending_run(sending_id=sending_id)
    return f"{sending.status}: {sending.queued_count} of {sending.total}"


@shared_task
def news_sendings_resume_task() -> int:
    """The sweep for news sendings whose task was lost (no progress for two minutes): run them again."""
    from community.services.news import news_sendings_unfinished

    sending_ids = news_sendings_unfinished(now=clock.now())
    for sending_id in sending_ids:
        news_sending_run_task.delay(sending_id)
    return len(sending_ids)

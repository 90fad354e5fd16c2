"""Celery tasks: ids in, one service call, safe to run twice."""

from celery import shared_task


@shared_task(acks_late=True)
def import_batch_validate_task(batch_id: int) -> str:
    from imports.services import import_batch_validate

    batch = import_batch_validate(batch_id=batch_id)
    return f"{batch.status}: {batch.error_count} errors in {batch.total_rows} rows"


@shared_task(acks_late=True)
def import_batch_apply_task(batch_id: int) -> str:
    from imports.services import import_batch_apply

    batch = import_batch_apply(batch_id=batch_id)
    return (
        f"{batch.status}: {batch.created_customers} companies added, {batch.updated_customers} updated, "
        f"{batch.created_connections} connections added"
    )


@shared_task
def import_batches_resume_task() -> int:
    """The every-minute sweep for imports whose task was lost or whose worker was killed (imports/services)."""
    from django.utils import timezone

    from imports.services import import_batches_resume

    return len(import_batches_resume(now=timezone.now()))

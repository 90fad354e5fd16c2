"""Import batches: an upload is checked in full in the background, and written only on request and only without
errors. Every step reads the batch's state from its row first, so running a task twice does the work once."""

import datetime
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import PurePath
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db import connection as database
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from htg_migration import clock, uploads
from htg_migration.errors import ApplicationError
from htg_migration.queueing import task_queue_on_commit
from imports.models import ImportBatch
from imports.services.apply import registration_plan_apply
from imports.services.formats import count_data_rows
from imports.services.plan import RegistrationPlan, registration_plan

logger = logging.getLogger(__name__)

S = ImportBatch.Status
RUNNING_STATES = (S.UPLOADED, S.VALIDATING, S.APPLYING)
# pg_advisory_xact_lock key of a batch's import: "IM" in the high half, the batch id in the low half.
_LOCK_BASE = 0x494D << 32


def import_file_check(*, uploaded_file: UploadedFile | None) -> str:
    """The upload's format ("csv" or "xlsx"), judged by htg_migration.uploads (its name, its content, not empty, not
    larger than HTG_IMPORT_MAX_BYTES); ValidationError on the field "file" if it is not right."""
    upload_type = uploads.upload_check(
        uploaded_file=uploaded_file, accepted=(uploads.CSV, uploads.XLSX), max_bytes=settings.HTG_IMPORT_MAX_BYTES
    )
    return ImportBatch.Format(upload_type.extension.removeprefix("."))  # its values are the extensions


@transaction.atomic
def import_batch_create(*, created_by: Any, uploaded_file: UploadedFile | None) -> ImportBatch:
    """Keep the upload as a batch and have it checked in the background; ValidationError for a file that is not a
    CSV or XLSX file within the size limit (nothing is kept then)."""
    file_format = import_file_check(uploaded_file=uploaded_file)
    assert uploaded_file is not None  # checked above
    batch = ImportBatch.objects.create(
        created_by=created_by,
        file=uploaded_file,
        original_name=PurePath(uploaded_file.name or "").name[:255],
        file_format=file_format,
        # When it happened on the programme's clock (shown); its progress on the real one (the sweep's timing).
        created_at=clock.now(),
        progressed_at=timezone.now(),
    )
    from imports.tasks import import_batch_validate_task

    task_queue_on_commit(lambda: import_batch_validate_task.delay(batch.pk))
    return batch


def import_batch_validate(*, batch_id: int) -> ImportBatch:
    """Check the whole file and store the report: invalid with its errors, or valid with what an import would do.

    Deliberately not one transaction: the count of rows checked is committed as it grows, for the progress bar.
    Safe to run twice: only a batch still uploaded or being checked is checked, and only one run stores a report.
    """
    with transaction.atomic():
        batch = ImportBatch.objects.select_for_update().get(pk=batch_id)
        if batch.status not in (S.UPLOADED, S.VALIDATING):
            return batch
        batch.status, batch.processed_rows, batch.progressed_at = S.VALIDATING, 0, timezone.now()
        batch.save(update_fields=["status", "processed_rows", "progressed_at"])
    try:
        with batch.file.open("rb"):
            total_rows = count_data_rows(batch.file, batch.file_format)
        ImportBatch.objects.filter(pk=batch_id).update(total_rows=total_rows)
        with batch.file.open("rb"):
            plan = registration_plan(file=batch.file, file_format=batch.file_format, progress=_rows_done(batch_id))
    except Exception as error:
        return _record_failure(batch_id=batch_id, error=error)
    with transaction.atomic():
        batch = ImportBatch.objects.select_for_update().get(pk=batch_id)
        if batch.status != S.VALIDATING:
            return batch  # another run stored its report first
        _store_report(batch, plan)
    return batch


@transaction.atomic
def import_batch_apply_request(*, batch_id: int) -> ImportBatch:
    """Start importing a checked batch without errors. A second request while it runs, or after, changes nothing."""
    batch = ImportBatch.objects.select_for_update().get(pk=batch_id)
    if batch.status in (S.APPLYING, S.APPLIED):
        return batch
    if batch.status != S.VALID:
        raise ApplicationError(
            _("Only a checked file without errors can be imported; this one is “%(status)s”.")
            % {"status": batch.get_status_display()}
        )
    batch.status, batch.processed_rows, batch.progressed_at = S.APPLYING, 0, timezone.now()
    batch.save(update_fields=["status", "processed_rows", "progressed_at"])
    from imports.tasks import import_batch_apply_task

    task_queue_on_commit(lambda: import_batch_apply_task.delay(batch.pk))
    return batch


def import_batch_apply(*, batch_id: int) -> ImportBatch:
    """Import a batch whose import was requested, in one transaction: all of it, or (on any error) none of it.

    The file is checked again inside that transaction, against the register as it is now: if it has errors now
    (someone registered the same KvK number meanwhile), the batch becomes invalid and nothing is written. Safe to
    run twice: an advisory lock lets one run at a time through, and a run that finds the batch imported stops.
    """
    batch = ImportBatch.objects.get(pk=batch_id)
    if batch.status != S.APPLYING:
        return batch
    try:
        with _progress_beside_transaction(batch_id, batch.total_rows) as progress, transaction.atomic():
            _lock_batch(batch_id)
            if not ImportBatch.objects.filter(pk=batch_id, status=S.APPLYING).exists():
                return ImportBatch.objects.get(pk=batch_id)  # another run imported it meanwhile
            with batch.file.open("rb"):
                plan = registration_plan(file=batch.file, file_format=batch.file_format)
            if not plan.is_valid:
                _store_report(batch, plan)
                return batch
            counts = registration_plan_apply(plan=plan, progress=progress)
            ImportBatch.objects.filter(pk=batch_id).update(
                status=S.APPLIED,
                total_rows=plan.total_rows,
                processed_rows=plan.total_rows,
                created_customers=counts.created_customers,
                updated_customers=counts.updated_customers,
                created_connections=counts.created_connections,
                finished_at=clock.now(),
            )
    except Exception as error:
        return _record_failure(batch_id=batch_id, error=error)
    return ImportBatch.objects.get(pk=batch_id)


@transaction.atomic
def import_batch_resume(*, batch_id: int) -> ImportBatch:
    """Queue the batch's task again, for a batch whose task was lost (the page offers it). Harmless when the task
    is only slow: both runs check the row, and the work is done once."""
    batch = ImportBatch.objects.select_for_update().get(pk=batch_id)
    from imports.tasks import import_batch_apply_task, import_batch_validate_task

    if batch.status in (S.UPLOADED, S.VALIDATING):
        task_queue_on_commit(lambda: import_batch_validate_task.delay(batch.pk))
    elif batch.status == S.APPLYING:
        task_queue_on_commit(lambda: import_batch_apply_task.delay(batch.pk))
    return batch


RESUME_AFTER = datetime.timedelta(minutes=2)


def import_batches_resume(*, now: datetime.datetime) -> list[int]:
    """The every-minute sweep: batches being checked or imported that have not moved for RESUME_AFTER (their task was
    lost or their worker killed) are started again; returns their ids. An import that is still running holds its
    lock and is left alone. An interrupted import wrote nothing (one transaction), so its progress goes back to 0 and
    the page says it was interrupted and is starting again."""
    quiet = (
        ImportBatch.objects.filter(status__in=RUNNING_STATES)
        .annotate(last_sign=Coalesce("progressed_at", "created_at"))
        .filter(last_sign__lt=now - RESUME_AFTER)
        .order_by("id")
        .values_list("id", flat=True)
    )
    resumed = []
    for batch_id in list(quiet):
        with transaction.atomic():
            batch = ImportBatch.objects.select_for_update(skip_locked=True).filter(pk=batch_id).first()
            if batch is None or batch.status not in RUNNING_STATES:
                continue
            if batch.status == S.APPLYING and not _lock_batch(batch_id, wait=False):  # an import still runs
                continue
            interrupted = batch.status == S.APPLYING or batch.processed_rows > 0
            ImportBatch.objects.filter(pk=batch_id).update(
                processed_rows=0, progressed_at=now, interrupted_at=now if interrupted else batch.interrupted_at
            )
            import_batch_resume(batch_id=batch_id)
            resumed.append(batch_id)
    return resumed


def _store_report(batch: ImportBatch, plan: RegistrationPlan) -> None:
    batch.total_rows = batch.processed_rows = plan.total_rows
    batch.errors = [error.as_dict() for error in plan.errors]
    batch.error_count = plan.error_count
    batch.created_customers = plan.created_customers
    batch.updated_customers = plan.updated_customers
    batch.created_connections = plan.created_connections
    batch.status = S.VALID if plan.is_valid else S.INVALID
    batch.finished_at = None if plan.is_valid else clock.now()
    batch.save(
        update_fields=[
            "total_rows",
            "processed_rows",
            "errors",
            "error_count",
            "created_customers",
            "updated_customers",
            "created_connections",
            "status",
            "finished_at",
        ]
    )


def _record_failure(*, batch_id: int, error: Exception) -> ImportBatch:
    logger.exception("Import batch %s failed", batch_id, exc_info=error)
    ImportBatch.objects.filter(pk=batch_id).update(
        status=S.FAILED, failure=f"{type(error).__name__}: {error}"[:4000], finished_at=clock.now()
    )
    return ImportBatch.objects.get(pk=batch_id)


def _rows_done(batch_id: int) -> Callable[[int], None]:
    def report(rows: int) -> None:
        ImportBatch.objects.filter(pk=batch_id).update(processed_rows=rows, progressed_at=timezone.now())

    return report


def _lock_batch(batch_id: int, *, wait: bool = True) -> bool:
    """One import of a batch at a time, until the transaction ends. Not a row lock: the progress is written to the
    batch's row from a second connection meanwhile, which a row lock would block. Without `wait`, whether the lock
    was free (no import of the batch running); it is then held until the caller's transaction ends."""
    function = "pg_advisory_xact_lock" if wait else "pg_try_advisory_xact_lock"
    with database.cursor() as cursor:
        cursor.execute(f"SELECT {function}(%s)", [_LOCK_BASE + batch_id])
        row = cursor.fetchone()
    return wait or bool(row[0])


@contextmanager
def _progress_beside_transaction(batch_id: int, total_rows: int) -> Iterator[Callable[[int, int], None]]:
    """A progress report that the page sees while the import's transaction is still open: written through a second
    database connection, in autocommit."""
    side = connections.create_connection(DEFAULT_DB_ALIAS)
    table = side.ops.quote_name(ImportBatch._meta.db_table)
    sql = f"UPDATE {table} SET processed_rows = %s, progressed_at = now() WHERE id = %s"  # noqa: S608 (the model's)

    def report(done: int, total: int) -> None:
        with side.cursor() as cursor:
            cursor.execute(sql, [total_rows * done // max(total, 1), batch_id])

    try:
        yield report
    finally:
        side.close()

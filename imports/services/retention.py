"""The imports' retention step (htg_migration/retention.py): an uploaded registration list is kept for
HTG_IMPORT_FILE_KEEP_DAYS, then its file is deleted; the batch row (who, when, what it added, its errors) stays."""

import datetime

from django.conf import settings
from django.db.models import Q

from imports.models import ImportBatch


def import_files_purge(*, now: datetime.datetime, dry_run: bool = False) -> int:
    cutoff = now - datetime.timedelta(days=settings.HTG_IMPORT_FILE_KEEP_DAYS)
    # Old by both clocks: uploaded before the cutoff (programme clock) and not worked on since (real clock), so that
    # a demo on a pinned programme date does not lose today's upload to the real date.
    old = (
        ImportBatch.objects.filter(created_at__lt=cutoff)
        .filter(Q(progressed_at__isnull=True) | Q(progressed_at__lt=cutoff))
        .exclude(file="")
    )
    if dry_run:
        return old.count()
    purged = 0
    for batch in old.order_by("id"):
        name = batch.file.name or ""
        # The row first, then the file: a failure between leaves a file that no row names, never a row naming a file
        # that is gone.
        ImportBatch.objects.filter(pk=batch.pk).update(file="")
        batch.file.storage.delete(name)
        purged += 1
    return purged

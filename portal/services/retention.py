"""The portal's retention steps (htg_migration/retention.py): intake drafts left for HTG_INTAKE_DRAFT_KEEP_DAYS
are deleted (a draft holds a company's and its contacts' details as typed, never submitted); old sign-in link rows
go by `portal_sign_in_links_purge`."""

import datetime

from django.conf import settings

from htg_migration.retention import rows_purge
from portal.models import IntakeDraft


def intake_drafts_purge(*, now: datetime.datetime, dry_run: bool = False) -> int:
    cutoff = now - datetime.timedelta(days=settings.HTG_INTAKE_DRAFT_KEEP_DAYS)
    return rows_purge(IntakeDraft.objects.filter(updated_at__lt=cutoff), dry_run=dry_run)

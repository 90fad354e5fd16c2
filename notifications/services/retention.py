"""The outbox's retention step (htg_migration/retention.py): a returned message is kept as received for
HTG_BOUNCE_RAW_KEEP_DAYS, then only what was read from it (address, status, diagnostic, outcome): its raw bytes go,
its size and SHA-256 stay (so the same message arriving again is still recognised)."""

import datetime

from django.conf import settings

from notifications.models import InboundBounce


def bounce_messages_trim(*, now: datetime.datetime, dry_run: bool = False) -> int:
    cutoff = now - datetime.timedelta(days=settings.HTG_BOUNCE_RAW_KEEP_DAYS)
    old = InboundBounce.objects.filter(received_at__lt=cutoff).exclude(raw_message=b"")
    if dry_run:
        return old.count()
    return old.update(raw_message=b"")

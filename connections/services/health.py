"""Health: whether this process is alive (`/healthz`, nothing asked of anything else) and whether the app is ready
to serve (`/readyz`): the database, the broker, the cache, and how long ago the worker and the scheduler were last
seen (their heartbeats: the scheduler sends `heartbeat_task` every HEARTBEAT_SECONDS and records that it did; the
worker records that it ran it)."""

import datetime
from typing import Any

from celery import current_app
from django.conf import settings
from django.core.cache import cache
from django.db import connection as database
from django.utils import timezone

from connections.models import Heartbeat

HEARTBEAT_SECONDS = 30.0
CHECK_TIMEOUT_SECONDS = 2


def heartbeat_record(name: str, *, now: datetime.datetime | None = None) -> None:
    """One statement: INSERT ... ON CONFLICT (name) DO UPDATE."""
    Heartbeat.objects.bulk_create(
        [Heartbeat(name=name, beat_at=now or timezone.now())],
        update_conflicts=True,
        unique_fields=["name"],
        update_fields=["beat_at"],
    )


def _describe(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"[:300]


def _database() -> dict[str, Any]:
    try:
        with database.cursor() as cursor:
            cursor.execute("SELECT 1")
        return {"ok": True}
    except Exception as error:  # whatever the driver raises, the answer is "down" with its reason
        return {"ok": False, "error": _describe(error)}


def _broker() -> dict[str, Any]:
    try:
        with current_app.connection_for_write() as connection:
            connection.ensure_connection(max_retries=1, timeout=CHECK_TIMEOUT_SECONDS)
        return {"ok": True}
    except Exception as error:
        return {"ok": False, "error": _describe(error)}


def _cache() -> dict[str, Any]:
    try:
        cache.set("readyz", "1", timeout=CHECK_TIMEOUT_SECONDS)
        if cache.get("readyz") == "1":
            return {"ok": True}
        # The cache degrades to no cache while Redis is away (settings: IGNORE_EXCEPTIONS): what was set is not there.
        return {"ok": False, "error": "The cache does not keep what is set in it."}
    except Exception as error:
        return {"ok": False, "error": _describe(error)}


def _heartbeats(database_ok: bool, now: datetime.datetime) -> dict[str, dict[str, Any]]:
    seen: dict[str, datetime.datetime] = {}
    if database_ok:
        seen = dict(Heartbeat.objects.values_list("name", "beat_at"))
    stale_after = settings.HTG_HEARTBEAT_STALE_SECONDS
    answers = {}
    for name in Heartbeat.Name.values:
        beat_at = seen.get(name)
        age = (now - beat_at).total_seconds() if beat_at else None
        answers[name] = {
            "ok": age is not None and age <= stale_after,
            "last_seen": beat_at.isoformat() if beat_at else None,
            "age_seconds": round(age, 1) if age is not None else None,
        }
    return answers


def readiness(*, now: datetime.datetime | None = None) -> dict[str, Any]:
    """Each dependency with `ok` (and `error`, or its heartbeat's age). `status` is "ok" when all are, "down" when
    the database is not there (no page can be served), else "degraded" (pages work; e-mails, jobs or the cache wait)."""
    now = now or timezone.now()
    checks = {"database": _database(), "broker": _broker(), "cache": _cache()}
    checks.update(_heartbeats(checks["database"]["ok"], now))
    if not checks["database"]["ok"]:
        status = "down"
    elif all(check["ok"] for check in checks.values()):
        status = "ok"
    else:
        status = "degraded"
    return {"status": status, "checked_at": now.isoformat(), "checks": checks}

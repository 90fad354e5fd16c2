"""The monthly partitions of traffic_trafficcount: made on demand before counts are written, detached when old."""

import datetime

from django.db import connection, transaction

from htg_migration.errors import ApplicationError

TABLE = "traffic_trafficcount"


def month_start(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def next_month_start(day: datetime.date) -> datetime.date:
    start = month_start(day)
    return start.replace(year=start.year + 1, month=1) if start.month == 12 else start.replace(month=start.month + 1)


def partition_name(day: datetime.date) -> str:
    return f"{TABLE}_y{day.year:04d}m{day.month:02d}"


def _attached(name: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 1 FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = %s::regclass AND c.relname = %s",
            [TABLE, name],
        )
        return cursor.fetchone() is not None


def _exists(name: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [name])
        row = cursor.fetchone()
    return bool(row and row[0])


@transaction.atomic
def ensure_month(day: datetime.date) -> str:
    """The partition for `day`'s month, made when missing; its name. Two callers at once wait on a transaction-level
    advisory lock (no session state: this works through PgBouncer's transaction pooling). A month that was detached
    is not silently made again: its counts live in the detached table, so writing there needs a person's decision."""
    name = partition_name(day)
    if _attached(name):
        return name
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [TABLE])
        if _attached(name):
            return name
        if _exists(name):
            raise ApplicationError(
                f"The month {day:%Y-%m} was detached ({name}); attach it again before writing traffic for it.",
                extra={"month": f"{day:%Y-%m}", "table": name},
            )
        cursor.execute(
            f'CREATE TABLE "{name}" PARTITION OF {TABLE} FOR VALUES FROM (%s) TO (%s)',
            [month_start(day), next_month_start(day)],
        )
    return name


@transaction.atomic
def detach_month(day: datetime.date) -> str:
    """Detach `day`'s month from the count table (its rows stay in a table of their own, out of every query)."""
    name = partition_name(day)
    if not _attached(name):
        raise ApplicationError(f"No attached partition for {day:%Y-%m}.", extra={"month": f"{day:%Y-%m}"})
    with connection.cursor() as cursor:
        cursor.execute(f'ALTER TABLE {TABLE} DETACH PARTITION "{name}"')
    return name

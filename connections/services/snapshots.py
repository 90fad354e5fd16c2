"""Keeping today's daily snapshot current: each service that creates connections or changes a state adds its change
to today's counts, in its own transaction (`reporting.services.snapshots` opens, closes, checks and rebuilds days).

One statement per change, race-free: `INSERT ... ON CONFLICT (day, flow_id, state) DO UPDATE SET count = count +
EXCLUDED.count` adds in the database, so concurrent changes never lose one another's. It writes only while today's
snapshot is open; before that the dashboard counts from the connections, and opening recounts under a table lock that
waits for every change in flight (see reporting.services.snapshots). A go-live also adds one to its day's go-lives
(`DailyGoLive`), the same way, and the companies a change touches have their readiness worked out again
(`CompanyReadiness`, under a row lock: see `readiness_refresh`).
"""

import datetime
import zoneinfo
from collections.abc import Collection, Iterable
from typing import Any

from django.conf import settings
from django.db import connection as database
from django.db.models import Model
from django.utils import timezone

from connections.models import (
    CompanyReadiness,
    Connection,
    ConnectionState,
    Customer,
    DailyCount,
    DailyGoLive,
    DailySnapshot,
)
from htg_migration import clock


def _table(model: type[Model]) -> str:
    return database.ops.quote_name(model._meta.db_table)


def snapshot_counts_add(*, changes: Iterable[tuple[int, str, int]], moment: datetime.datetime | None = None) -> None:
    """Add (flow id, state, +n or -n) to today's counts, if today's snapshot is open. A change dated before today (a
    step recorded afterwards, `at=`) also makes the closed days from its day on unreadable until they are closed again
    (the nightly job does), since their replay has changed."""
    today = clock.today()
    rows = [(flow_id, state, delta) for flow_id, state, delta in changes if delta]
    if moment is not None:
        day = timezone.localtime(moment, zoneinfo.ZoneInfo(settings.TIME_ZONE)).date()
        if day < today:
            DailySnapshot.objects.filter(day__gte=day, day__lt=today).delete()
    if not rows:
        return
    values = ", ".join(["(%s::date, %s::bigint, %s, %s::integer)"] * len(rows))
    params: list[Any] = [value for flow_id, state, delta in rows for value in (today, flow_id, state, delta)]
    counts = _table(DailyCount)
    sql = (
        f"INSERT INTO {counts} (day, flow_id, state, count) SELECT v.day, v.flow_id, v.state, v.count "  # noqa: S608 - table names and placeholders only
        f"FROM (VALUES {values}) AS v (day, flow_id, state, count) "
        f"WHERE EXISTS (SELECT 1 FROM {_table(DailySnapshot)} sd WHERE sd.day = %s) "
        f"ON CONFLICT (day, flow_id, state) DO UPDATE SET count = {counts}.count + EXCLUDED.count"
    )
    with database.cursor() as cursor:
        cursor.execute(sql, [*params, today])


def snapshot_state_move(*, flow_id: int, from_state: str, to_state: str, moment: datetime.datetime) -> None:
    """One connection of the flow left `from_state` for `to_state`."""
    changes = [] if from_state == to_state else [(flow_id, from_state, -1), (flow_id, to_state, 1)]
    snapshot_counts_add(changes=changes, moment=moment)
    if to_state == ConnectionState.LIVE and from_state != ConnectionState.LIVE:
        _go_live_add(flow_id=flow_id, moment=moment)


def _go_live_add(*, flow_id: int, moment: datetime.datetime) -> None:
    """One more go-live on the moment's day (a step recorded afterwards counts on its own day), if today's snapshot
    is open: one statement, race-free as the counts are."""
    day = timezone.localtime(moment, zoneinfo.ZoneInfo(settings.TIME_ZONE)).date()
    go_lives = _table(DailyGoLive)
    sql = (
        f"INSERT INTO {go_lives} (day, flow_id, count) SELECT %s, %s, 1 "  # noqa: S608 - table names and placeholders only
        f"WHERE EXISTS (SELECT 1 FROM {_table(DailySnapshot)} sd WHERE sd.day = %s AND sd.closed_at IS NULL) "
        f"ON CONFLICT (day, flow_id) DO UPDATE SET count = {go_lives}.count + 1"
    )
    with database.cursor() as cursor:
        cursor.execute(sql, [day, flow_id, clock.today()])


LIVE_STATES = (ConnectionState.LIVE.value, ConnectionState.DIGIPOORT_CLOSED.value)


def readiness_select(where: str) -> tuple[str, list[Any]]:
    """SQL giving (customer id, in use, able) for the customers `cu` matching `where`: in use when a connection is
    not withdrawn; able when every such connection is live, or its flow is live at the company's hub (the rule of
    the dashboard's companies figures)."""
    connection, customer = _table(Connection), _table(Customer)
    withdrawn = ConnectionState.WITHDRAWN.value
    sql = (
        f"SELECT cu.id, EXISTS (SELECT 1 FROM {connection} c WHERE c.customer_id = cu.id AND c.state <> %s), "  # noqa: S608 - table names and placeholders only
        f"NOT EXISTS (SELECT 1 FROM {connection} c WHERE c.customer_id = cu.id AND c.state NOT IN (%s, %s, %s) "
        f"AND NOT EXISTS (SELECT 1 FROM {connection} h WHERE h.customer_id = cu.hub_id AND h.flow_id = c.flow_id "
        f"AND h.state IN (%s, %s))) FROM {customer} cu WHERE {where}"
    )
    return sql, [withdrawn, withdrawn, *LIVE_STATES, *LIVE_STATES]


def readiness_refresh(*, customer_ids: Collection[int]) -> None:
    """Work out again whether these companies are in use and able, if today's snapshot is open (opening it works
    out every company's). Their rows are locked first, in id order, and only then read: a change committed by
    another transaction on the same company (or its hub) meanwhile is seen, so concurrent changes never leave a
    company's row as only one of them saw it. Call it after the change, in its transaction."""
    ids = sorted(set(customer_ids))
    if not ids or not DailySnapshot.objects.filter(day=clock.today(), closed_at__isnull=True).exists():
        return
    readiness = _table(CompanyReadiness)
    select, params = readiness_select("cu.id = ANY(%s)")
    with database.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {readiness} (customer_id, in_use, able) SELECT id, FALSE, TRUE "  # noqa: S608 - table names and placeholders only
            f"FROM unnest(%s::bigint[]) AS id ON CONFLICT (customer_id) DO NOTHING",
            [ids],
        )
        cursor.execute(
            f"SELECT customer_id FROM {readiness} WHERE customer_id = ANY(%s) ORDER BY customer_id FOR UPDATE",  # noqa: S608
            [ids],
        )
        cursor.execute(
            f"UPDATE {readiness} r SET in_use = x.in_use, able = x.able FROM ({select}) AS x (id, in_use, able) "  # noqa: S608
            f"WHERE r.customer_id = x.id AND (r.in_use, r.able) IS DISTINCT FROM (x.in_use, x.able)",
            [*params, ids],
        )


def readiness_touched(*, customer_id: int, from_state: str, to_state: str) -> list[int]:
    """The companies whose readiness a step of this company's connection may change: the company, and when the
    connection became live or stopped being so, the clients for whom it is the hub."""
    if (from_state in LIVE_STATES) == (to_state in LIVE_STATES):
        return [customer_id]
    return [customer_id, *Customer.objects.filter(hub_id=customer_id).values_list("pk", flat=True)]


def snapshots_discard() -> None:
    """Forget every snapshot: for writers that bypass the services (the demo seed's bulk rows). Until the nightly job
    (or `manage.py snapshots_rebuild`) makes them again, the dashboard counts from the connections."""
    DailySnapshot.objects.all().delete()
    DailyCount.objects.all().delete()
    DailyGoLive.objects.all().delete()
    CompanyReadiness.objects.all().delete()

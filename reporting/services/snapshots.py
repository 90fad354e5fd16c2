"""Opening, closing, checking and rebuilding the daily snapshot (connections.models.snapshots).

The truth is the dashboard's own aggregate (`funnel_query`): today's connections' states, or a past day's replay of the
timeline. A snapshot is checked against it; a difference is logged, repaired (the recount is written) and counted on
the day's row (`repairs`), never hidden. Each day is its own transaction, so a rebuild stopped half-way keeps the days
it closed and the next run goes on from there.

The go-lives per day (the burn-up's steps) are recounted from the timeline (`burnup_query`'s rule, every flow and day)
when today's snapshot is opened, and checked and repaired the same way each time it is checked. Closing a day also
stores its risk list (`risk_query` on the timeline's replay) beside its companies figures. Today's companies figures
come from each company's readiness (`CompanyReadiness`), worked out for every company when today's snapshot is opened
and checked and repaired the same way.
"""

import dataclasses
import datetime
import logging
import zoneinfo
from typing import Any

from django.conf import settings
from django.db import connection as database
from django.db import transaction
from django.db.models import Count, Min
from django.db.models.functions import TruncDate
from django.utils import timezone

from connections.models import (
    CompanyReadiness,
    Connection,
    ConnectionEvent,
    ConnectionState,
    Customer,
    DailyCount,
    DailyGoLive,
    DailySnapshot,
)
from connections.services.snapshots import readiness_select
from htg_migration import clock
from plateaus.models import MessageFlow
from reporting.selectors.queries import (
    FlowReference,
    companies_query,
    dashboard_reference,
    funnel_query,
    risk_query,
)

logger = logging.getLogger(__name__)

Counts = dict[tuple[int, str], int]


@dataclasses.dataclass(frozen=True)
class SnapshotCheck:
    """One day's snapshot against its recount: per (flow id, state) the count stored and the count recounted."""

    day: datetime.date
    opened: bool
    differences: dict[tuple[int, str], tuple[int, int]]
    # Today's check: per (day, flow id) the go-lives stored and recounted, where they differed.
    go_live_differences: dict[tuple[datetime.date, int], tuple[int, int]] = dataclasses.field(default_factory=dict)
    # Today's check: per company, (in use, able) stored and worked out again, where they differed.
    readiness_differences: dict[int, tuple[tuple[bool, bool], tuple[bool, bool]]] = dataclasses.field(
        default_factory=dict
    )

    @property
    def ok(self) -> bool:
        return not self.differences and not self.go_live_differences and not self.readiness_differences


def _recount(*, day: datetime.date, today: datetime.date) -> Counts:
    """Per flow (every flow, of any programme) and state: the dashboard's aggregate for the day."""
    reference = dashboard_reference(as_of=day, today=today)
    flows = [
        FlowReference(pk, "", "", "", plateau_id, ())
        for pk, plateau_id in MessageFlow.objects.values_list("pk", "plateau_id")
    ]
    rows = funnel_query(dataclasses.replace(reference, flows=flows)).rows()
    return {(flow_id, state): count for flow_id, state, count in rows if count}


def _stored(day: datetime.date) -> Counts:
    rows = DailyCount.objects.filter(day=day).exclude(count=0).values_list("flow_id", "state", "count")
    return {(flow_id, state): count for flow_id, state, count in rows}


def _differences(stored: dict[Any, Any], recount: dict[Any, Any], *, missing: Any = 0) -> dict[Any, tuple[Any, Any]]:
    """Per key of either side, (stored, recounted) where they differ; a key one side lacks counts as `missing`."""
    return {
        key: (stored.get(key, missing), recount.get(key, missing))
        for key in sorted(stored.keys() | recount.keys())
        if stored.get(key, missing) != recount.get(key, missing)
    }


def _write(day: datetime.date, counts: Counts) -> None:
    DailyCount.objects.filter(day=day).delete()
    DailyCount.objects.bulk_create(
        [DailyCount(day=day, flow_id=flow_id, state=state, count=count) for (flow_id, state), count in counts.items()]
    )


def _report(snapshot: DailySnapshot, differences: dict[tuple[int, str], tuple[int, int]]) -> None:
    """A difference is logged and counted on the day's row, then repaired by the caller."""
    logger.error(
        "daily snapshot of %s differed from its recount in %d count(s), repaired: %s",
        snapshot.day,
        len(differences),
        "; ".join(f"flow {flow} {state}: {had} -> {truth}" for (flow, state), (had, truth) in differences.items()),
    )
    snapshot.repairs += len(differences)
    snapshot.save(update_fields=["repairs"])


GoLives = dict[tuple[datetime.date, int], int]


def _go_lives_recount() -> GoLives:
    """Per day (Europe/Amsterdam) and flow, the connections that went live: the burn-up's rule (an event into live
    from another state), over every flow and day."""
    zone = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    rows = (
        ConnectionEvent.objects.filter(to_state=ConnectionState.LIVE)
        .exclude(from_state=ConnectionState.LIVE)
        .annotate(day=TruncDate("created_at", tzinfo=zone))
        .order_by()
        .values("day", "connection__flow_id")
        .annotate(count=Count("connection_id"))
        .values_list("day", "connection__flow_id", "count")
    )
    return {(day, flow_id): count for day, flow_id, count in rows}


def _go_lives_stored() -> GoLives:
    rows = DailyGoLive.objects.exclude(count=0).values_list("day", "flow_id", "count")
    return {(day, flow_id): count for day, flow_id, count in rows}


def _go_lives_check(snapshot: DailySnapshot, *, opened: bool) -> dict[tuple[datetime.date, int], tuple[int, int]]:
    """Write the recount when today's snapshot is opened; else compare, and log, count and repair a difference."""
    recount = _go_lives_recount()
    differences: dict[tuple[datetime.date, int], tuple[int, int]] = {}
    if not opened:
        stored = _go_lives_stored()
        differences = _differences(stored, recount)
        if not differences:
            return {}
        logger.error(
            "go-lives per day differed from their recount in %d row(s), repaired: %s",
            len(differences),
            "; ".join(f"{day} flow {flow}: {had} -> {truth}" for (day, flow), (had, truth) in differences.items()),
        )
        snapshot.repairs += len(differences)
        snapshot.save(update_fields=["repairs"])
    DailyGoLive.objects.all().delete()
    DailyGoLive.objects.bulk_create(
        [DailyGoLive(day=day, flow_id=flow_id, count=count) for (day, flow_id), count in recount.items()]
    )
    return differences


Readiness = tuple[bool, bool]
NOT_IN_USE: Readiness = (False, True)  # a company without a row: nothing in use, nothing missing


def _readiness_check(snapshot: DailySnapshot, *, opened: bool) -> dict[int, tuple[Readiness, Readiness]]:
    """Work out every company's readiness; write it when today's snapshot is opened, else compare it with the rows,
    and log, count and repair a difference."""
    select, params = readiness_select("TRUE")
    with database.cursor() as cursor:
        cursor.execute(select, params)
        recount: dict[int, Readiness] = {row[0]: (row[1], row[2]) for row in cursor.fetchall()}
    stored: dict[int, Readiness] = (
        {}
        if opened
        else {row[0]: (row[1], row[2]) for row in CompanyReadiness.objects.values_list("customer_id", "in_use", "able")}
    )
    differences = _differences(stored, recount, missing=NOT_IN_USE)
    if not opened and differences:
        logger.error(
            "company readiness differed from its recount for %d company(ies), repaired: %s",
            len(differences),
            "; ".join(f"company {customer}: {had} -> {truth}" for customer, (had, truth) in differences.items()),
        )
        snapshot.repairs += len(differences)
        snapshot.save(update_fields=["repairs"])
    if opened:
        CompanyReadiness.objects.all().delete()
    CompanyReadiness.objects.bulk_create(
        [
            CompanyReadiness(customer_id=customer, in_use=truth[0], able=truth[1])
            for customer, (_had, truth) in differences.items()
        ],
        update_conflicts=True,
        unique_fields=["customer"],
        update_fields=["in_use", "able"],
        batch_size=5_000,
    )
    return {} if opened else differences


def _connections_lock() -> None:
    """Hold back writes to connections (and to companies, whose hub counts for their readiness) until the
    transaction ends (reads and row locks go on): the changes in flight commit first, later ones wait.
    Transaction-scoped, so fine through PgBouncer."""
    with database.cursor() as cursor:
        for model in (Connection, Customer):
            cursor.execute(f"LOCK TABLE {database.ops.quote_name(model._meta.db_table)} IN SHARE ROW EXCLUSIVE MODE")


@transaction.atomic
def daily_snapshot_today_check(*, today: datetime.date | None = None) -> SnapshotCheck:
    """Open today's snapshot (a recount), or check the open one against a recount and repair it.

    The connections table is locked against writes (SHARE ROW EXCLUSIVE: reads and row locks go on) while it is
    recounted: every change in flight commits first, with its own addition to the counts, or waits and then finds
    the snapshot open and adds itself. So the recount and the counters never miss or double a change.
    """
    today = today or clock.today()
    _connections_lock()
    recount = _recount(day=today, today=today)
    snapshot, opened = DailySnapshot.objects.get_or_create(day=today, defaults={"opened_at": clock.now()})
    differences = {} if opened else _differences(_stored(today), recount)
    if differences:
        _report(snapshot, differences)
    if opened or differences:
        _write(today, recount)
    return SnapshotCheck(
        day=today,
        opened=opened,
        differences=differences,
        go_live_differences=_go_lives_check(snapshot, opened=opened),
        readiness_differences=_readiness_check(snapshot, opened=opened),
    )


def _json_value(value: object) -> object:
    return value.isoformat() if isinstance(value, datetime.datetime) else value


@transaction.atomic
def daily_snapshot_close(*, day: datetime.date, today: datetime.date | None = None) -> SnapshotCheck:
    """Close a past day: its counts are the timeline's replay at its end, and its companies figures are stored. A day
    that had counts (it was today once) is checked against the replay first; a difference is reported and repaired."""
    today = today or clock.today()
    if day >= today:
        raise ValueError(f"only a past day can be closed, not {day}")
    # A step recorded for an earlier moment reopens the day (deletes its row) in its own transaction: under the lock
    # it either committed before the replay below (which then includes it) or deletes this day's row after.
    _connections_lock()
    recount = _recount(day=day, today=today)
    snapshot, opened = DailySnapshot.objects.select_for_update().get_or_create(
        day=day, defaults={"opened_at": clock.now()}
    )
    stored = _stored(day)
    differences = _differences(stored, recount) if stored or not opened else {}
    if differences:
        _report(snapshot, differences)
    _write(day, recount)
    reference = dashboard_reference(as_of=day, today=today)
    companies_rows = companies_query(reference).rows()
    snapshot.companies, snapshot.companies_not_able = companies_rows[0] if companies_rows else (0, 0)
    risk_rows = risk_query(reference).rows()
    snapshot.risks = [[_json_value(value) for value in row] for row in risk_rows]
    snapshot.at_risk = risk_rows[0][-1] if risk_rows else 0
    snapshot.closed_at = clock.now()
    snapshot.save(update_fields=["companies", "companies_not_able", "risks", "at_risk", "closed_at"])
    return SnapshotCheck(day=day, opened=opened, differences=differences)


def daily_snapshots_first_day() -> datetime.date | None:
    """The day the first connection was created (Europe/Amsterdam), or None with no connections."""
    first = Connection.objects.aggregate(first=Min("created_at"))["first"]
    return timezone.localtime(first, zoneinfo.ZoneInfo(settings.TIME_ZONE)).date() if first is not None else None


def daily_snapshots_rebuild(
    *, start: datetime.date | None = None, today: datetime.date | None = None, again: bool = False
) -> list[SnapshotCheck]:
    """Close every past day from `start` (default: the first connection's day) to yesterday, one transaction each.
    Days already closed are skipped unless `again`: a stopped run goes on where it stopped; a second run changes
    nothing."""
    today = today or clock.today()
    start = start or daily_snapshots_first_day()
    if start is None:
        return []
    closed = set(
        DailySnapshot.objects.filter(day__gte=start, day__lt=today, closed_at__isnull=False).values_list(
            "day", flat=True
        )
    )
    checks = []
    day = start
    while day < today:
        if again or day not in closed:
            checks.append(daily_snapshot_close(day=day, today=today))
        day += datetime.timedelta(days=1)
    return checks


def daily_snapshots_nightly(*, today: datetime.date | None = None) -> list[SnapshotCheck]:
    """The nightly job: close the days not yet closed (yesterday, and any made unreadable by a step recorded
    afterwards), then open or check today's."""
    today = today or clock.today()
    checks = daily_snapshots_rebuild(today=today)
    checks.append(daily_snapshot_today_check(today=today))
    return checks

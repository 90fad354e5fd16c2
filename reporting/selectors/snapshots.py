"""The dashboard's reads of the daily snapshot (connections.models.snapshots): the day's row, its counts, the
go-lives per day and a closed day's stored risk list."""

import datetime
from typing import Any

from django.db.models import Count, Q

from connections.models import CompanyReadiness, DailyCount, DailyGoLive, DailySnapshot


def daily_snapshot_readable(*, day: datetime.date, is_today: bool) -> DailySnapshot | None:
    """The day's snapshot if its figures may be read: today's while it is open (kept current), a past day's once it
    is closed (checked against the timeline). None sends the dashboard to its aggregate. One query."""
    return daily_snapshots_readable(day=day, today=day if is_today else day + datetime.timedelta(days=1))[0]


def daily_snapshots_readable(*, day: datetime.date, today: datetime.date) -> tuple[DailySnapshot | None, bool]:
    """The day's snapshot if readable (as `daily_snapshot_readable`), and whether today's is open, which keeps the
    go-lives of every day current: one query."""
    rows = {snapshot.day: snapshot for snapshot in DailySnapshot.objects.filter(day__in={day, today})}
    is_today = day >= today
    snapshot = rows.get(today if is_today else day)
    readable = snapshot if snapshot is not None and (snapshot.closed_at is None) == is_today else None
    today_row = rows.get(today)
    return readable, today_row is not None and today_row.closed_at is None


def daily_counts(*, day: datetime.date, flow_ids: list[int]) -> list[tuple[int, str, int]]:
    """(flow id, state, count) of the day for these flows, the states with connections only: the funnel's rows."""
    return list(
        DailyCount.objects.filter(day=day, flow_id__in=flow_ids)
        .exclude(count=0)
        .order_by()
        .values_list("flow_id", "state", "count")
    )


def daily_go_lives(*, through: datetime.date, flow_ids: list[int]) -> list[tuple[int, datetime.date, int]]:
    """(flow id, day, go-lives) of every day up to and including `through`, for these flows: the burn-up's steps."""
    return list(
        DailyGoLive.objects.filter(day__lte=through, flow_id__in=flow_ids)
        .exclude(count=0)
        .order_by()
        .values_list("flow_id", "day", "count")
    )


def stored_risk_rows(snapshot: DailySnapshot) -> list[tuple[Any, ...]]:
    """A closed day's risk list as the risk query's rows (its entry times back as datetimes)."""
    return [
        tuple(datetime.datetime.fromisoformat(value) if index == 5 else value for index, value in enumerate(row))
        for row in snapshot.risks or []
    ]


def company_readiness_counts() -> tuple[int, int]:
    """(companies with a connection in use, of those not yet able to message via HTG for every flow they use), from
    the companies' readiness rows kept current while today's snapshot is open. One query."""
    counts = CompanyReadiness.objects.aggregate(
        companies=Count("pk", filter=Q(in_use=True)), not_able=Count("pk", filter=Q(in_use=True, able=False))
    )
    return counts["companies"], counts["not_able"]

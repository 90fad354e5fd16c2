"""The dashboard's reads of the daily snapshot (connections.models.snapshots): the day's row, then its counts."""

import datetime

from connections.models import DailyCount, DailySnapshot


def daily_snapshot_readable(*, day: datetime.date, is_today: bool) -> DailySnapshot | None:
    """The day's snapshot if its figures may be read: today's while it is open (kept current), a past day's once it
    is closed (checked against the timeline). None sends the dashboard to its aggregate. One query."""
    snapshot = DailySnapshot.objects.filter(day=day).first()
    if snapshot is None or (snapshot.closed_at is None) != is_today:
        return None
    return snapshot


def daily_counts(*, day: datetime.date, flow_ids: list[int]) -> list[tuple[int, str, int]]:
    """(flow id, state, count) of the day for these flows, the states with connections only: the funnel's rows."""
    return list(
        DailyCount.objects.filter(day=day, flow_id__in=flow_ids)
        .exclude(count=0)
        .order_by()
        .values_list("flow_id", "state", "count")
    )

"""Budgets of the programme dashboard (issue: the programme dashboard): its server time and its query count."""

import statistics
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import datetime

    from bench.run import BenchContext, Metric

REPEATS = 15
PAST_REPEATS = 5  # a past day is rebuilt from the timeline: seconds at 100,000 customers


def metric_dashboard(context: "BenchContext") -> list["Metric"]:
    """`dashboard_ms`: the programme dashboard (/team/dashboard/) of the seed's day (the programme clock pinned to 15
    May 2020, so "today" is the seeded day), as a whole request through Django's test client (session, permissions,
    the form, the reference reads, the daily snapshot's counts, the per-connection parts: burn-up, risk list, slots
    and members, the planning maths, the SVG charts, the template), the median of 15; `dashboard_asof_ms` the same
    for a past day (1 May 2020), the median of 5. Before measuring, the daily snapshot is as the nightly job leaves
    it: today's opened (a recount), 1 May closed (checked against the timeline's replay); it is discarded afterwards.
    Floor of each: the aggregates the snapshot replaces, i.e. the dashboard's reads without the snapshot (the
    reference queries and the six aggregates, SQL taken from the selector, for a past day the replay of the
    timeline) executed raw through the same database connection, rows fetched, the median of as many runs: a ratio
    well under 1 is the point of the snapshot. Beside it, *snapshot read*: the dashboard's reads of what is stored
    (the snapshot rows and counts, the go-lives per day, a closed day's risk list, or today's companies' readiness
    and risk list through indexes, free slots and members: every statement of the selector but the two reference
    reads, captured) executed raw, the median of as many runs. Goals: at most 150 ms for today and 300 ms for a past
    day at 100,000 customers.
    `dashboard_queries`: the number of queries of one dashboard request; its floor is the number of reads the
    selector needs without the snapshot (reference and aggregates), the rest being the session, the user and its
    groups, the plateaus of the form and the list of weekly reports."""
    import datetime

    from django.test.utils import override_settings

    from bench.run import AS_OF, metric, team_client
    from connections.services.snapshots import snapshots_discard
    from reporting.services.snapshots import daily_snapshot_close, daily_snapshot_today_check

    client, _user = team_client()
    past = datetime.date(2020, 5, 1)
    figures: list[Metric] = []
    with override_settings(HTG_CLOCK_DATE=AS_OF):
        daily_snapshot_today_check(today=AS_OF)
        daily_snapshot_close(day=past, today=AS_OF)
        try:
            for name, query, as_of, repeats in (
                ("dashboard_ms", {}, AS_OF, REPEATS),
                ("dashboard_asof_ms", {"as_of": past.isoformat()}, past, PAST_REPEATS),
            ):
                measured = _measure(context, client, query, as_of, repeats)
                figures.append(metric(name, context.size, measured.value, "ms", measured.floor, measured.snapshot))
                if name == "dashboard_ms":
                    figures.append(
                        metric("dashboard_queries", context.size, measured.queries, "queries", measured.reads)
                    )
        finally:
            snapshots_discard()  # leave the register as seeded for the metrics after this one
    return figures


# The two reference reads, as the selector runs them (plateaus with their programme; flows with their parties).
REFERENCE_SQL = [
    "SELECT p.*, g.* FROM plateaus_plateau p JOIN plateaus_programme g ON g.id = p.programme_id "
    "ORDER BY g.deadline, p.number",
    "SELECT f.id, f.code, f.name_nl, f.name_en, f.plateau_id, gp.abbreviation, gp.htg_status, gp.htg_connected_on "
    "FROM plateaus_messageflow f LEFT JOIN plateaus_messageflow_parties fp ON fp.messageflow_id = f.id "
    "LEFT JOIN plateaus_governmentparty gp ON gp.id = fp.governmentparty_id ORDER BY f.plateau_id, f.code, "
    "gp.abbreviation",
]


@dataclass(frozen=True)
class _Measured:
    value: float  # median ms of the request
    floor: float  # median ms of the reads without the snapshot, raw
    snapshot: float  # median ms of the snapshot's own reads, raw
    queries: int  # queries of one request
    reads: int  # raw reads of the floor


def _snapshot_sql(as_of: "datetime.date") -> list[str]:
    """The SQL of the dashboard's reads of what is stored (every statement of `dashboard_build` for the day but the
    two reference reads: the snapshot rows, its counts, the go-lives per day, a closed day's stored risk list or
    today's companies' readiness and risk list through indexes, free slots and members), as executed."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from bench.run import AS_OF
    from reporting.selectors import dashboard_build, dashboard_reference
    from reporting.selectors.snapshots import daily_snapshot_readable

    reference = dashboard_reference(as_of=as_of, today=AS_OF)
    if daily_snapshot_readable(day=as_of, is_today=reference.is_today) is None:
        raise RuntimeError(f"the snapshot of {as_of} is not readable: the bench would measure the aggregates")
    with CaptureQueriesContext(connection) as captured:
        dashboard_build(as_of=as_of, today=AS_OF)
    return [query["sql"] for query in captured.captured_queries][len(REFERENCE_SQL) :]


def _measure(
    context: "BenchContext", client: "object", query: dict[str, str], as_of: "datetime.date", repeats: int
) -> _Measured:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from bench.run import AS_OF, timings_ms
    from reporting.selectors import dashboard_aggregates, dashboard_reference

    url = "/team/dashboard/"

    def request() -> None:
        response = client.get(url, query)  # type: ignore[attr-defined]
        if response.status_code != 200:
            raise RuntimeError(f"{url} answered {response.status_code}")

    request()  # warm up: templates, plans
    value = statistics.median(timings_ms(request, repeats))
    reference = dashboard_reference(as_of=as_of, today=AS_OF)
    statements = [aggregate.sql_with_params() for aggregate in dashboard_aggregates(reference).values()]
    snapshot_statements = _snapshot_sql(as_of)
    cursor = context.connection.cursor()

    def raw() -> None:
        for sql in REFERENCE_SQL:
            cursor.execute(sql)
            cursor.fetchall()
        for sql, params in statements:
            cursor.execute(sql, params)
            cursor.fetchall()

    def raw_snapshot() -> None:
        for sql in snapshot_statements:  # captured with their values: no parameters
            cursor.execute(sql)
            cursor.fetchall()

    raw()
    floor = statistics.median(timings_ms(raw, repeats))
    raw_snapshot()
    snapshot = statistics.median(timings_ms(raw_snapshot, repeats))
    with CaptureQueriesContext(connection) as captured:
        request()
    return _Measured(
        value=value,
        floor=floor,
        snapshot=snapshot,
        queries=len(captured),
        reads=len(REFERENCE_SQL) + len(statements),
    )

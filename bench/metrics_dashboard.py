"""Budgets of the programme dashboard (issue: the programme dashboard): its server time and its query count."""

import statistics
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bench.run import BenchContext, Metric

REPEATS = 15
PAST_REPEATS = 5  # a past day is rebuilt from the timeline: seconds at 100,000 customers


def metric_dashboard(context: "BenchContext") -> list["Metric"]:
    """`dashboard_ms`: the programme dashboard (/team/dashboard/) of the seed's day (the programme clock pinned to 15
    May 2020, so "today" is the seeded day: states read from the connections), as a whole request through Django's
    test client (session, permissions, the form, two reference reads, six aggregates, the planning maths, the SVG
    charts, the template), the median of 15; `dashboard_asof_ms` the same for a past day (1 May 2020), rebuilt from
    the timeline (the median of 5). Floor of each: the dashboard's own reads (the reference queries and the
    aggregates, SQL taken from the selector) executed raw through the same database connection, rows fetched, the
    median of as many runs.
    `dashboard_queries`: the number of queries of one dashboard request; its floor is the number of reads the
    selector needs (reference and aggregates), the rest being the session, the user and its groups, the plateaus of
    the form and the list of weekly reports."""
    import datetime

    from django.test.utils import override_settings

    from bench.run import AS_OF, metric, team_client

    client, _user = team_client()
    past = datetime.date(2020, 5, 1)
    figures: list[Metric] = []
    with override_settings(HTG_CLOCK_DATE=AS_OF):
        for name, query, as_of, repeats in (
            ("dashboard_ms", {}, AS_OF, REPEATS),
            ("dashboard_asof_ms", {"as_of": past.isoformat()}, past, PAST_REPEATS),
        ):
            value, floor, queries, reads = _measure(context, client, query, as_of, repeats)
            figures.append(metric(name, context.size, value, "ms", floor))
            if name == "dashboard_ms":
                figures.append(metric("dashboard_queries", context.size, queries, "queries", reads))
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


def _measure(
    context: "BenchContext", client: "object", query: dict[str, str], as_of: "object", repeats: int
) -> tuple[float, float, int, int]:
    """(median ms of the request, median ms of its raw reads, queries of one request, number of raw reads)."""
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
    reference = dashboard_reference(as_of=as_of, today=AS_OF)  # type: ignore[arg-type]
    statements = [aggregate.sql_with_params() for aggregate in dashboard_aggregates(reference).values()]
    cursor = context.connection.cursor()

    def raw() -> None:
        for sql in REFERENCE_SQL:
            cursor.execute(sql)
            cursor.fetchall()
        for sql, params in statements:
            cursor.execute(sql, params)
            cursor.fetchall()

    raw()
    floor = statistics.median(timings_ms(raw, repeats))
    with CaptureQueriesContext(connection) as captured:
        request()
    return value, floor, len(captured), len(REFERENCE_SQL) + len(statements)

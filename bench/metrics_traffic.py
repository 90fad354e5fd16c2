"""Budget of the dashboard's traffic section (issue 18): the volume share over six months of traffic."""

import statistics
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bench.run import BenchContext, Metric

REPEATS = 15
DAYS = 182


def metric_traffic_share(context: "BenchContext") -> list["Metric"]:
    """`traffic_share_ms`: the dashboard's volume share (reporting.selectors.traffic.traffic_share: the share of the
    production volume on HTG per plateau and day and per flow over six months, read from the daily rollup, and put
    together), over 182 days of demo traffic for the N customers (demo_traffic's generator, INSERT ... SELECT into
    the monthly partitions, then the rollup and the evidence), the median of 15; `traffic_section_ms` the whole
    traffic section of the dashboard (the share plus the lists of senders still on Digipoort: nine queries). Floor of
    each: the same statements (captured from one call) executed raw through the same database connection, rows
    fetched, the median of 15. `traffic_counts`: the number of daily count rows seeded, `traffic_seed_s` the seconds
    that took (no floor)."""
    import datetime
    import time

    from bench.run import AS_OF, metric, vacuum
    from reporting.selectors.traffic import WINDOW_DAYS, dashboard_traffic, traffic_share
    from traffic.services.demo import traffic_demo_seed

    started = time.perf_counter()
    seeded = traffic_demo_seed(as_of=AS_OF, days=DAYS, reset=True, skip_foreign_key_checks=True)
    seconds = time.perf_counter() - started
    print(f"bench: {seeded.counts} traffic counts in {seconds:.1f} s", flush=True)
    vacuum(context.connection, "traffic_trafficcount", "traffic_trafficdaily", "traffic_trafficsender")
    vacuum(context.connection, "connections_trafficevidence")
    first_day = AS_OF - datetime.timedelta(days=WINDOW_DAYS - 1)
    share = _measure(context, lambda: traffic_share(first_day=first_day, last_day=AS_OF))
    section = _measure(context, lambda: dashboard_traffic(as_of=AS_OF))
    return [
        metric("traffic_share_ms", context.size, *share),
        metric("traffic_section_ms", context.size, *section),
        metric("traffic_counts", context.size, seeded.counts, "rows", 0),
        metric("traffic_seed_s", context.size, seconds, "s", 0),
    ]


def _measure(context: "BenchContext", action: Callable[[], object]) -> tuple[float, str, float]:
    """(median ms of the action, "ms", median ms of its statements run raw)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from bench.run import timings_ms

    action()  # warm up
    value = statistics.median(timings_ms(action, REPEATS))
    with CaptureQueriesContext(connection) as captured:
        action()
    statements = [query["sql"] for query in captured.captured_queries]
    cursor = context.connection.cursor()

    def raw() -> None:
        for sql in statements:
            cursor.execute(sql)
            cursor.fetchall()

    raw()
    return value, "ms", statistics.median(timings_ms(raw, REPEATS))

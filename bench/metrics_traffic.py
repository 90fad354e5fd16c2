"""Budget of the dashboard's traffic section (issue 18): the volume share over six months of traffic."""

import statistics
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bench.run import BenchContext, Metric

REPEATS = 15
DAYS = 182


def metric_traffic_share(context: "BenchContext") -> list["Metric"]:
    """`traffic_share_ms`: the dashboard's traffic section (reporting.selectors.traffic.dashboard_traffic: the share of
    the production volume on HTG per plateau, flow and day over six months, read from the daily rollup, plus the
    lists of senders still on Digipoort), over 182 days of demo traffic for the N customers (demo_traffic's
    generator, INSERT ... SELECT into the monthly partitions, then the rollup and the evidence), the median of 15.
    Floor: the same nine statements (captured from one call) executed raw through the same database connection, rows
    fetched, the median of 15. `traffic_counts`: the number of daily count rows seeded (floor: none); `traffic_seed_s`
    the seconds that took (floor: none)."""
    import time

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from bench.run import AS_OF, metric, timings_ms, vacuum
    from reporting.selectors.traffic import dashboard_traffic
    from traffic.services.demo import traffic_demo_seed

    started = time.perf_counter()
    seeded = traffic_demo_seed(as_of=AS_OF, days=DAYS, reset=True, skip_foreign_key_checks=True)
    seconds = time.perf_counter() - started
    print(f"bench: {seeded.counts} traffic counts in {seconds:.1f} s", flush=True)
    vacuum(context.connection, "traffic_trafficcount", "traffic_trafficdaily", "traffic_trafficsender")
    vacuum(context.connection, "connections_trafficevidence")

    def section() -> None:
        dashboard_traffic(as_of=AS_OF)

    section()  # warm up
    value = statistics.median(timings_ms(section, REPEATS))
    with CaptureQueriesContext(connection) as captured:
        section()
    statements = [query["sql"] for query in captured.captured_queries]
    cursor = context.connection.cursor()

    def raw() -> None:
        for sql in statements:
            cursor.execute(sql)
            cursor.fetchall()

    raw()
    floor = statistics.median(timings_ms(raw, REPEATS))
    return [
        metric("traffic_share_ms", context.size, value, "ms", floor),
        metric("traffic_counts", context.size, seeded.counts, "rows", 0),
        metric("traffic_seed_s", context.size, seconds, "s", 0),
    ]

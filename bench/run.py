"""`make bench`: every performance budget, measured on PostgreSQL at each size beside its floor.

    python bench/run.py [--sizes 10000,100000] [--output bench/results.json] [--docs docs/benchmarks.md]
                        [--only helpdesk_lookup,connection_list]

The bench database (BENCH_DATABASE_URL, else DATABASE_URL, else postgres://postgres@127.0.0.1:5432/htg_bench) is
dropped and created afresh, migrated, and for each size filled by demo_seed (seed 1, as of 15 May 2020). As in
production, sessions are cached in Redis (BENCH_CACHE_URL, else redis://127.0.0.1:6379/14 when it answers). Then
every function of METRICS runs in order and returns its figures. A figure's floor is what the same work costs in
raw form on the same machine in the same run (the SQL it needs and nothing else, plain smtplib, ...), so the
ratio value / floor means something on a noisy or slower machine too. `--only` runs some of the metrics (the seed
still runs), for working on one budget: point --output and --docs elsewhere than the full run's files.

To add a budget: write `def metric_<name>(context: BenchContext) -> list[Metric]` whose docstring says what it
measures and what its floor is (both go into docs/benchmarks.md), and append it to METRICS.
"""

import argparse
import datetime
import json
import os
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # run as a script from anywhere: the project's packages must import

from bench.metrics_api import metric_api_connections  # noqa: E402 - needs the path above
from bench.metrics_dashboard import metric_dashboard  # noqa: E402 - needs the path above
from bench.metrics_helpdesk import metric_helpdesk_lookup  # noqa: E402 - needs the path above
from bench.metrics_ladder import metric_sweep_s  # noqa: E402 - needs the path above
from bench.metrics_notifications import metric_emails_per_s  # noqa: E402 - needs the path above
from bench.metrics_team import metric_connection_list  # noqa: E402 - needs the path above
from bench.metrics_traffic import metric_traffic_share  # noqa: E402 - needs the path above
from bench.metrics_webhooks import metric_webhooks_per_s  # noqa: E402 - needs the path above
from bench.report import load_test_section, render_docs  # noqa: E402 - needs the path above
from bench.shared import machine_facts, raw_insert_seconds, recreate_database  # noqa: E402 - needs the path above

if TYPE_CHECKING:
    from django.contrib.auth.models import User
    from django.db.backends.base.base import BaseDatabaseWrapper
    from django.db.models import Model
    from django.test import Client

    from connections.services.demo import DemoSeedResult

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/htg_bench"
SEED = 1
AS_OF = datetime.date(2020, 5, 15)


# The budgets, as the largest ratio to its floor a figure may have (for a rate: floor / value), and the size from
# which it holds (None: at every size). A figure without a budget here is measured and shown, not judged.
GOALS: dict[str, tuple[float, int | None]] = {
    "connection_list_due_ms": (5.0, 100_000),  # a page's own fixed cost dominates a small register's raw query
    "sweep_s": (4.0, None),
    "emails_per_s": (2.5, None),  # at least 0.4 of plain smtplib's rate
    "lookup_htg_p95_ms": (3.0, None),  # the honest floor: the SELECT, the audit INSERT and its synchronous COMMIT
    "traffic_ingest_rows_per_s": (4.0, None),  # at least a quarter of COPY's rate
    "webhooks_per_s": (2.0, None),  # at least half of a plain http.client loop's rate
    "api_connections_ms": (3.0, None),
    "traffic_share_ms": (2.0, None),  # and under 300 ms: the share reads the daily rollup, not the counts
}
# Budgets in the figure's own unit (the "at most 150 ms"), from a size on: past the raw floor of the work
# they replace, a ratio cannot express them. The figure still shows its floor and ratio beside them.
LIMITS: dict[str, tuple[float, int | None]] = {
    "dashboard_ms": (150.0, 100_000),
    "dashboard_asof_ms": (300.0, 100_000),
}


@dataclass(frozen=True)
class Metric:
    name: str
    size: int
    value: float
    unit: str
    floor: float
    ratio: float
    # A second reference beside the floor, where the figure has one (the dashboard: the snapshot rows' own raw read).
    snapshot_read: float | None = None

    @property
    def goal(self) -> str:
        """The budget and whether this figure meets it, for the table ("" without a budget)."""
        if self.limit is not None:
            return f"≤ {self.limit:g} {self.unit}: {'met' if self.value <= self.limit else 'missed'}"
        if self.budget is None:
            return ""
        return f"≤ {self.budget:g}: {'met' if self.ratio <= self.budget else 'missed'}"

    @property
    def limit(self) -> float | None:
        """The largest value (in its unit) this figure may have at its size, or None where it has no such budget."""
        limit, from_size = LIMITS.get(self.name, (None, None))
        return limit if from_size is None or self.size >= from_size else None

    @property
    def budget(self) -> float | None:
        """The largest ratio this figure may have at its size, or None where it has no budget."""
        limit, from_size = GOALS.get(self.name, (None, None))
        return limit if from_size is None or self.size >= from_size else None


@dataclass(frozen=True)
class BenchContext:
    """What every metric gets: the size, the database connection, and the demo data that was seeded for it."""

    size: int
    connection: "BaseDatabaseWrapper"
    seed: "DemoSeedResult"
    seed_seconds: float


def metric(name: str, size: int, value: float, unit: str, floor: float, snapshot_read: float | None = None) -> Metric:
    digits = 1 if unit == "ms" else 3
    return Metric(
        name=name,
        size=size,
        value=round(value, digits),
        unit=unit,
        floor=round(floor, digits),
        ratio=round(value / floor, 2) if floor else 0.0,
        snapshot_read=None if snapshot_read is None else round(snapshot_read, 2),
    )


def rate_metric(name: str, size: int, value: float, unit: str, floor: float) -> Metric:
    """A rate's figure (more is better, e.g. e-mails per second): value and floor are rates, and the ratio is
    floor / value, so that, as for times, it says how many times the floor's cost per item the work takes."""
    return replace(metric(name, size, value, unit, floor), ratio=round(floor / value, 2) if value else 0.0)


def vacuum(connection: "BaseDatabaseWrapper", *tables: str) -> None:
    """VACUUM (ANALYZE) these tables, as autovacuum does in a deployment between bursts: a metric's floor or an
    earlier metric leaves dead rows behind (a rolled-back floor, a bench's own clean-up), and the figure measured
    next must not pay for them while its floor did not."""
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"VACUUM (ANALYZE) {connection.ops.quote_name(table)}")


def timed_ms(action: Callable[[], object]) -> float:
    """How long one call of `action` takes, in milliseconds."""
    started = time.perf_counter()
    action()
    return (time.perf_counter() - started) * 1000


def timings_ms(action: Callable[[], object], repeats: int) -> list[float]:
    """`action` called `repeats` times, one after the other: each call's milliseconds."""
    return [timed_ms(action) for _ in range(repeats)]


def team_client() -> tuple["Client", "User"]:
    """Django's test client logged in as the seed's first active member of the connection team (the staff groups
    synced first), and that member."""
    from django.contrib.auth.models import User
    from django.test import Client

    from connections.services.staff import staff_groups_sync

    staff_groups_sync()
    user = User.objects.filter(groups__name="connection team", is_active=True).order_by("id").first()
    if user is None:
        raise RuntimeError("the seed made no team member")
    client = Client(SERVER_NAME="localhost")
    client.force_login(user)
    return client, user


# --- the metrics ---------------------------------------------------------------------------------------------


def metric_seed(context: BenchContext) -> list[Metric]:
    """`seed_s`: seed_demo (demo_seed) writing N customers with their contacts, connections, timelines and HTG
    numbers, on an empty database. Floor: PostgreSQL writing the same number of rows into unlogged copies of the
    same tables (no indexes, no constraints), one `INSERT ... SELECT ... FROM generate_series` per table."""
    from connections.models import Connection, ConnectionEvent, Contact, Customer, HtgNumberAllocation

    rows: dict[type[Model], int] = {
        Customer: context.seed.customers,
        Contact: context.seed.contacts,
        Connection: context.seed.connections,
        ConnectionEvent: context.seed.events,
        HtgNumberAllocation: context.seed.htg_numbers,
    }
    floor = sum(raw_insert_seconds(context.connection, model, count) for model, count in rows.items())
    return [metric("seed_s", context.size, context.seed_seconds, "s", floor)]


def metric_import(context: BenchContext) -> list[Metric]:
    """`import_s`: checking and then importing a CSV registration list of N rows (bench/metrics_imports.py), through
    the import's own services as its two tasks run them: the seeded register exported in the import format and every
    row turned into a new company (new EORI, KvK, names and e-mail addresses; a client's hub is the new twin of its
    hub, defined elsewhere in the file), so the import adds N companies with their contacts and planned connections
    to a register of N, checked against it. Floor: PostgreSQL's COPY of the very rows it added (companies,
    contacts, connections) into unlogged copies of those tables without indexes. The added rows are removed again
    afterwards."""
    from bench.metrics_imports import import_metrics

    return import_metrics(context)


def metric_traffic_ingest(context: BenchContext) -> list[Metric]:
    """`traffic_ingest_rows_per_s`: a gateway's traffic file of 1,000,000 rows (CSV, about 110 MB) checked and
    applied through the traffic app's services (bench/metrics_traffic_ingest.py): the check in Python, then COPY into
    a staging table, senders upserted, counts into the month's partition, the rollup. Floor: PostgreSQL's COPY of
    the same file into an unlogged table of the same columns without indexes. Measured once, at the first size."""
    from bench.metrics_traffic_ingest import traffic_ingest_metrics

    return traffic_ingest_metrics(context)


METRICS: list[Callable[[BenchContext], list[Metric]]] = [
    metric_seed,
    metric_connection_list,
    metric_dashboard,
    metric_helpdesk_lookup,
    metric_emails_per_s,
    metric_webhooks_per_s,
    metric_sweep_s,
    metric_import,
    metric_traffic_ingest,
    metric_traffic_share,
    metric_api_connections,
]


# --- floors --------------------------------------------------------------------------------------------------


# --- the run -------------------------------------------------------------------------------------------------


def bench_database_url() -> str:
    """The bench database's URL. It is dropped and created again, so its name must say it is a bench database."""
    url = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL
    parts = urlsplit(url)
    if parts.scheme not in {"postgres", "postgresql", "pgsql"}:
        raise SystemExit(f"bench: the benchmarks run on PostgreSQL only, not on {parts.scheme}: set BENCH_DATABASE_URL")
    name = parts.path.lstrip("/")
    if "bench" not in name:
        # Never drop the database someone works in: use a sibling bench database on the same server.
        url = urlunsplit(parts._replace(path=f"/{name}_bench"))
    return url


def bench_cache_url() -> str:
    """The shared cache the web processes use in production (Redis: sessions are read from it, see settings): the
    bench's BENCH_CACHE_URL, else a Redis on 127.0.0.1:6379 (database 14) when one answers; empty: none (sessions are
    then read from the database, and docs/benchmarks.md says so)."""
    if "BENCH_CACHE_URL" in os.environ:
        return os.environ["BENCH_CACHE_URL"]
    import socket

    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1):
            return "redis://127.0.0.1:6379/14"
    except OSError:
        return ""


def machine_info(connection: "BaseDatabaseWrapper") -> dict[str, str]:
    from django.conf import settings

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        postgresql = cursor.fetchone()[0]
    cache = os.environ.get("DJANGO_CACHE_URL") or "none"
    return {
        **machine_facts(postgresql=postgresql),
        "sessions": f"{settings.SESSION_ENGINE.rsplit('.', 1)[-1]} (cache: {cache})",
        "conn_max_age": str(settings.DATABASES["default"].get("CONN_MAX_AGE", 0)),
    }


def _checkpoint(connection: "BaseDatabaseWrapper") -> None:
    """Start each measurement with the dirty pages written out, so a checkpoint does not land in the middle of it."""
    from django.db import DatabaseError

    try:
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
            cursor.execute("CHECKPOINT")
    except DatabaseError:
        pass  # not a superuser: measure anyway


def selected_metrics(only: list[str]) -> list[Callable[[BenchContext], list[Metric]]]:
    """The METRICS to run: all of them, or those named by `--only` (the function name without `metric_`)."""
    if not only:
        return METRICS
    by_name = {measure.__name__.removeprefix("metric_"): measure for measure in METRICS}
    unknown = [name for name in only if name not in by_name]
    if unknown:
        raise SystemExit(f"bench: no metric {', '.join(unknown)}; choose from {', '.join(by_name)}")
    return [by_name[name] for name in only]


def run(
    sizes: list[int], measures: list[Callable[[BenchContext], list[Metric]]] | None = None
) -> tuple[list[Metric], dict[str, str]]:
    import django
    from django.core.management import call_command
    from django.db import connection

    django.setup()
    call_command("migrate", interactive=False, verbosity=0)
    from connections.services.demo import demo_reset, demo_seed

    metrics: list[Metric] = []
    for size in sizes:
        demo_reset()
        _checkpoint(connection)
        print(f"bench: seeding {size} customers ...", flush=True)
        started = time.perf_counter()
        seeded = demo_seed(customers=size, seed=SEED, as_of=AS_OF)
        seconds = time.perf_counter() - started
        print(
            f"bench: {seeded.customers} customers, {seeded.contacts} contacts, {seeded.connections} connections, "
            f"{seeded.events} events, {seeded.htg_numbers} HTG numbers in {seconds:.1f} s",
            flush=True,
        )
        _checkpoint(connection)
        context = BenchContext(size=size, connection=connection, seed=seeded, seed_seconds=seconds)
        for measure in measures if measures is not None else METRICS:
            for figure in measure(context):
                print(f"bench: {figure.name} at {figure.size}: {figure.value} {figure.unit}", end=" ")
                beside = "" if figure.snapshot_read is None else f", snapshot read {figure.snapshot_read}"
                print(f"(floor {figure.floor}, ratio {figure.ratio}{beside}) {figure.goal}", flush=True)
                metrics.append(figure)
    return metrics, machine_info(connection)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Measure every performance budget on PostgreSQL.")
    parser.add_argument("--sizes", default="10000,100000", help="customer counts, comma-separated")
    parser.add_argument("--output", default=str(ROOT / "bench" / "results.json"))
    parser.add_argument("--docs", default=str(ROOT / "docs" / "benchmarks.md"))
    parser.add_argument(
        "--only",
        default="",
        help="run only these metrics, comma-separated (e.g. helpdesk_lookup); the seed always runs. "
        "For working on one budget: write --output and --docs elsewhere, not over the full run's files",
    )
    arguments = parser.parse_args(argv)
    sizes = [int(size) for size in arguments.sizes.split(",") if size.strip()]
    measures = selected_metrics([name.strip() for name in arguments.only.split(",") if name.strip()])

    url = bench_database_url()
    recreate_database(url)
    os.environ["DJANGO_SETTINGS_MODULE"] = "htg_migration.settings.local"
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_DEBUG"] = "false"  # DEBUG keeps every query in memory: not what production does
    os.environ["DJANGO_CACHE_URL"] = bench_cache_url()  # as in production (docker-compose.yml): sessions in Redis
    # As in production (docker-compose.yml): each web process keeps its database connection for 60 s, rather than
    # opening one (a PostgreSQL backend started) for every request.
    os.environ.setdefault("DATABASE_CONN_MAX_AGE", "60")
    metrics, machine = run(sizes, measures)

    output = Path(arguments.output)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(
        json.dumps(
            {"metrics": [{**asdict(figure), "goal": figure.budget, "limit": figure.limit} for figure in metrics]},
            indent=2,
        )
        + "\n"
    )
    docs = Path(arguments.docs)
    docs.parent.mkdir(parents=True, exist_ok=True)
    docs.write_text(render_docs(metrics, machine, sizes, measures, DEFAULT_DATABASE_URL) + load_test_section(docs))
    print(f"bench: wrote {output} and {docs}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""`make load`: the app under 50 concurrent users for 3 minutes, in the production shape on loopback, beside the same
mix's shape against the stock Django admin on the same data.

    python bench/load/run.py [--users 50] [--seconds 180] [--customers 100000] [--reuse-data]
                             [--output bench/load-results.json] [--docs docs/benchmarks.md] [--no-peer]

1. The data: the load database (LOAD_DATABASE_URL, else postgres://postgres@127.0.0.1:5432/htg_load; its name must
   contain "load") is dropped and created, migrated and seeded with `seed_demo` (N customers, seed 1, as of 15 May
   2020, with the team's workspace: slots, escalations, callbacks) and analysed (VACUUM ANALYZE, as autovacuum
   would), today's snapshot opened (`snapshots_rebuild`), the static files collected. `--reuse-data` keeps a
   database already seeded with N customers.
2. The production shape, each a process of its own on 127.0.0.1: gunicorn with htg_migration.settings.production
   (as the Dockerfile runs it: 3 workers), one Celery worker (default and long queue) and `celery beat`, Redis
   (LOAD_REDIS_URL, else redis://127.0.0.1:6379/15: flushed first) for the sessions, the cache and the broker, and
   an SMTP server (bench/load/sink.py) where the companies find their sign-in links. Only what loopback needs
   differs from a deployment: plain HTTP (no TLS redirect, no secure cookies, no HSTS), SMTP without TLS, and the
   portal's sign-in links per IP address raised (every company comes from 127.0.0.1 here).
3. Locust (bench/load/locustfile.py), headless: the users, spawned 5 a second, for the time given; then the admin
   peer the same way. Each run is bounded (locust's --run-time, and a hard timeout on top).
4. The checks (bench/load/data.py): every step the users made is in the timeline once, every contact logged is
   one row, every e-mail queued was sent. Then the JSON and the "Load test" section of docs/benchmarks.md.
"""

import argparse
import contextlib
import csv
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # run as a script from anywhere: the bench's packages must import

from bench.load.report import docs_write, render_section  # noqa: E402 - needs the path above
from bench.shared import machine_facts, recreate_database  # noqa: E402 - needs the path above

PYTHON = sys.executable
VAR = ROOT / "var" / "load"
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/htg_load"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/15"
AS_OF = "2020-05-15"
SPAWN_RATE = 5
APP_USERS = ["TeamMember", "HelpdeskStaff", "Company"]
PEER_USERS = ["AdminTeamMember", "AdminHelpdeskStaff"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def load_database_url() -> str:
    url = os.environ.get("LOAD_DATABASE_URL") or DEFAULT_DATABASE_URL
    if "load" not in urlsplit(url).path:
        raise SystemExit("load: LOAD_DATABASE_URL must name a database with 'load' in its name (it is dropped)")
    return url


def app_environment(*, database_url: str, redis_url: str, port: int, smtp_port: int) -> dict[str, str]:
    """The production settings with what loopback needs (see the module's docstring)."""
    url = f"http://127.0.0.1:{port}"
    return {
        **os.environ,
        "PYTHONUNBUFFERED": "1",
        "DJANGO_SETTINGS_MODULE": "htg_migration.settings.production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_CSRF_TRUSTED_ORIGINS": url,
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "DJANGO_SECURE_COOKIES": "false",
        "DJANGO_SECURE_HSTS_SECONDS": "0",
        "DATABASE_URL": database_url,
        "DATABASE_CONN_MAX_AGE": "60",  # as docker-compose.yml
        "CELERY_BROKER_URL": redis_url,
        "DJANGO_CACHE_URL": redis_url,
        "EMAIL_BACKEND": "notifications.backends.SmtpEmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp_port),
        "EMAIL_USE_TLS": "false",
        "HTG_PORTAL_LINKS_PER_IP": "1000000",
        "HTG_CLOCK_DATE": AS_OF,  # the seeded programme as it stood on that day
        "HTG_TEAM_URL": f"{url}/",
        "HTG_PORTAL_URL": f"{url}/portal/",
        "HTG_VAR_DIR": str(VAR),
        "DJANGO_STATIC_ROOT": str(VAR / "static"),
        "DJANGO_LOG_LEVEL": "WARNING",
    }


def manage(environment: dict[str, str], *arguments: str) -> str:
    return subprocess.run(
        [PYTHON, "manage.py", *arguments], cwd=ROOT, env=environment, check=True, stdout=subprocess.PIPE, text=True
    ).stdout


def seeded_customers(url: str) -> int | None:
    import psycopg2

    try:
        connection = psycopg2.connect(url)
    except psycopg2.OperationalError:
        return None
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT to_regclass('connections_customer') IS NOT NULL")
            if not cursor.fetchone()[0]:
                return None
            cursor.execute("SELECT count(*) FROM connections_customer")
            return int(cursor.fetchone()[0])
    finally:
        connection.close()


def vacuum_analyze(url: str) -> None:
    """What autovacuum does in a deployment after a bulk load: without the planner's statistics of the fresh rows,
    the dashboard's queries take nested loops over 300,000 connections."""
    import psycopg2

    connection = psycopg2.connect(url)
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            cursor.execute("VACUUM (ANALYZE)")
    finally:
        connection.close()


def data_build(environment: dict[str, str], *, customers: int, reuse: bool) -> None:
    url = environment["DATABASE_URL"]
    if reuse and seeded_customers(url) == customers:
        print(f"load: reusing the {customers} customers in {urlsplit(url).path.lstrip('/')}", flush=True)
        manage(environment, "migrate", "--no-input", "-v", "0")
    else:
        recreate_database(url)
        manage(environment, "migrate", "--no-input", "-v", "0")
        print(f"load: seeding {customers} customers ...", flush=True)
        print(manage(environment, "seed_demo", "--customers", str(customers), "--seed", "1", "--as-of", AS_OF), end="")
        vacuum_analyze(url)
    print(manage(environment, "snapshots_rebuild", "--from", AS_OF), end="")
    manage(environment, "collectstatic", "--no-input", "-v", "0")


def flush_redis(url: str) -> None:
    import redis

    redis.Redis.from_url(url).flushdb()


class Processes:
    """The app's processes, each logging to var/load/<name>.log; all stopped at the end, whatever happened."""

    def __init__(self, environment: dict[str, str]) -> None:
        self.environment = environment
        self.running: list[tuple[str, subprocess.Popen[bytes]]] = []

    def start(self, name: str, command: list[str]) -> None:
        log = (VAR / f"{name}.log").open("ab")
        process = subprocess.Popen(command, cwd=ROOT, env=self.environment, stdout=log, stderr=subprocess.STDOUT)
        self.running.append((name, process))

    def check_alive(self) -> None:
        for name, process in self.running:
            if process.poll() is not None:
                raise RuntimeError(f"load: {name} stopped (exit {process.returncode}); see {VAR / (name + '.log')}")

    def stop(self) -> None:
        for _name, process in reversed(self.running):
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for _name, process in reversed(self.running):
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@contextlib.contextmanager
def production_shape(environment: dict[str, str], *, port: int, smtp_port: int) -> Iterator[Processes]:
    processes = Processes(environment)
    try:
        processes.start("smtp", [PYTHON, "-m", "bench.load.sink", str(smtp_port), str(VAR / "mail")])
        processes.start(
            "gunicorn",
            [PYTHON, "-m", "gunicorn", "htg_migration.wsgi:application", "--bind", f"127.0.0.1:{port}",
             "--workers", os.environ.get("LOAD_GUNICORN_WORKERS", "3")],
        )  # fmt: skip
        celery = [PYTHON, "-m", "celery", "-A", "htg_migration"]
        processes.start(
            "worker",
            [*celery, "worker", "--loglevel", "WARNING", "--concurrency", "2", "-Q", "celery,long", "-n", "load@%h"],
        )
        processes.start(
            "beat", [*celery, "beat", "--loglevel", "WARNING", "--schedule", str(VAR / "celerybeat-schedule")]
        )
        wait_ready(f"http://127.0.0.1:{port}/readyz", processes)
        yield processes
    finally:
        processes.stop()


def wait_ready(url: str, processes: Processes, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        processes.check_alive()
        try:
            with urllib.request.urlopen(url, timeout=5) as answer:  # noqa: S310 - loopback, our own URL
                if answer.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(1)
    raise RuntimeError(f"load: {url} did not answer within {timeout:.0f} s; see {VAR}/gunicorn.log")


def locust_run(
    *, host: str, users: int, seconds: int, classes: list[str], prefix: str, plan: Path, journal: Path
) -> list[dict[str, Any]]:
    """Run locust headless (bounded: its own --run-time, and a hard timeout on top); each named request's figures."""
    environment = {**os.environ, "LOAD_PLAN": str(plan), "LOAD_JOURNAL": str(journal), "PYTHONUNBUFFERED": "1"}
    command = [
        PYTHON, "-m", "locust", "-f", str(ROOT / "bench" / "load" / "locustfile.py"), "--headless",
        "--users", str(users), "--spawn-rate", str(SPAWN_RATE), "--run-time", f"{seconds}s", "--stop-timeout", "90",
        "--host", host, "--csv", str(VAR / prefix), "--only-summary", "--loglevel", "WARNING", *classes,
    ]  # fmt: skip
    with (VAR / f"{prefix}-locust.log").open("wb") as log:
        subprocess.run(command, cwd=ROOT, env=environment, stdout=log, stderr=subprocess.STDOUT, timeout=seconds + 300)
    return read_stats(VAR / f"{prefix}_stats.csv")


def read_stats(path: Path) -> list[dict[str, Any]]:
    def number(text: str) -> float:
        return round(float(text), 1) if text not in ("", "N/A") else 0.0

    pages = []
    with path.open() as stats:
        for row in csv.DictReader(stats):
            if row["Name"] == "Aggregated":
                continue
            pages.append(
                {
                    "name": row["Name"],
                    "requests": int(row["Request Count"]),
                    "failures": int(row["Failure Count"]),
                    "p50_ms": number(row["50%"]),
                    "p95_ms": number(row["95%"]),
                    "p99_ms": number(row["99%"]),
                }
            )
    return sorted(pages, key=lambda page: page["name"])


def failures(prefix: str) -> list[str]:
    path = VAR / f"{prefix}_failures.csv"
    if not path.exists():
        return []
    with path.open() as rows:
        return [f"{row['Name']}: {row['Error']} ({row['Occurrences']}x)" for row in csv.DictReader(rows)]


def machine_info(database_url: str) -> dict[str, str]:
    """The machine's facts, and its load (the 1-minute average) as the run ends: whether other work shared it."""
    import psycopg2

    connection = psycopg2.connect(database_url)
    try:
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            postgresql = cursor.fetchone()[0]
    finally:
        connection.close()
    return {**machine_facts(postgresql=postgresql), "load": f"{os.getloadavg()[0]:.1f}"}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="The load test: the app and the admin under concurrent users.")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=180)
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--reuse-data", action="store_true", help="keep a load database seeded with as many customers")
    parser.add_argument("--no-peer", action="store_true", help="skip the admin peer")
    parser.add_argument("--output", default=str(ROOT / "bench" / "load-results.json"))
    parser.add_argument("--docs", default=str(ROOT / "docs" / "benchmarks.md"), help="'' writes no docs")
    arguments = parser.parse_args(argv)

    VAR.mkdir(parents=True, exist_ok=True)
    for stale in [*VAR.glob("*.csv"), *VAR.glob("*.log"), *VAR.glob("*.jsonl")]:
        stale.unlink()
    port, smtp_port = free_port(), free_port()
    database_url = load_database_url()
    redis_url = os.environ.get("LOAD_REDIS_URL") or DEFAULT_REDIS_URL
    environment = app_environment(database_url=database_url, redis_url=redis_url, port=port, smtp_port=smtp_port)
    data_build(environment, customers=arguments.customers, reuse=arguments.reuse_data)
    flush_redis(redis_url)

    plan, journal = VAR / "plan.json", VAR / "journal.jsonl"
    subprocess.run(
        [PYTHON, "-m", "bench.load.data", "plan", str(plan), str(VAR / "mail"), str(arguments.users)],
        cwd=ROOT,
        env=environment,
        check=True,
    )
    host = f"http://127.0.0.1:{port}"
    run = {"host": host, "users": arguments.users, "seconds": arguments.seconds, "plan": plan}
    with production_shape(environment, port=port, smtp_port=smtp_port) as processes:
        print(f"load: {arguments.users} users for {arguments.seconds} s against the app at {host} ...", flush=True)
        pages = locust_run(**run, classes=APP_USERS, prefix="app", journal=journal)
        processes.check_alive()
        checks = json.loads(
            subprocess.run(
                [PYTHON, "-m", "bench.load.data", "check", str(plan), str(journal)],
                cwd=ROOT,
                env=environment,
                check=True,
                stdout=subprocess.PIPE,
                text=True,
            ).stdout
        )
        peer: list[dict[str, Any]] = []
        if not arguments.no_peer:
            print("load: the same for the admin peer ...", flush=True)
            peer = locust_run(**run, classes=PEER_USERS, prefix="peer", journal=VAR / "peer-journal.jsonl")
        processes.check_alive()

    results: dict[str, Any] = {
        "users": arguments.users,
        "seconds": arguments.seconds,
        "pages": pages,
        "peer": peer,
        "checks": checks,
    }
    failure_messages = failures("app") + failures("peer")
    output = Path(arguments.output)
    output.write_text(json.dumps(results, indent=2) + "\n")
    if arguments.docs:
        section = render_section(
            {
                **results,
                "customers": arguments.customers,
                "machine": machine_info(database_url),
                "failure_messages": "; ".join(failure_messages),
                "command": " ".join(["bench/load/run.py", *(argv if argv is not None else sys.argv[1:])]),
            }
        )
        docs_write(Path(arguments.docs), section)
    for page in pages + peer:
        print(
            f"load: {page['name']}: {page['requests']} requests, {page['failures']} failures, "
            f"p50 {page['p50_ms']:g} ms, p95 {page['p95_ms']:g} ms, p99 {page['p99_ms']:g} ms",
            flush=True,
        )
    print(f"load: checks {json.dumps(checks)}", flush=True)
    print(f"load: wrote {output}" + (f" and {arguments.docs}" if arguments.docs else ""), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

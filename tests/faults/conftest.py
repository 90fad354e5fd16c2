"""The fault tests' own services: a PostgreSQL cluster, a redis-server and an SMTP sink that the tests start, stop,
restart, slow down or make refuse, and the app's processes (worker, scheduler, web) pointed at them.

The shared PostgreSQL (5432) and Redis (6379) are never touched: a test that stops "the database" stops a cluster of
its own (`pg_createcluster` on a free port, migrated once per session, a fresh database per test copied from the
migrated one), and a test that kills "Redis" kills a redis-server of its own.
"""

import asyncio
import contextlib
import datetime
import email
import os
import shutil
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg2
import pytest
from aiosmtpd.controller import Controller
from django.conf import settings
from django.db import connections

from htg_migration.celery import app as celery_app
from tests.conftest import REQUIRE_SERVICES, ROOT, CeleryWorker, free_port, port_answers, wait_for

PG_BIN_ROOT = Path("/usr/lib/postgresql")


def _missing(reason: str) -> None:
    if REQUIRE_SERVICES:
        pytest.fail(f"{reason} (HTG_REQUIRE_SERVICES is set: the fault tests must run here)", pytrace=False)
    pytest.skip(reason)


def _postgres_version() -> str | None:
    if shutil.which("pg_createcluster") is None or not PG_BIN_ROOT.is_dir():
        return None
    versions = sorted((path.name for path in PG_BIN_ROOT.iterdir() if (path / "bin" / "postgres").exists()), key=int)
    return versions[-1] if versions else None


class OwnPostgres:
    """A PostgreSQL cluster of the tests' own (Debian's postgresql-common), owned by the postgres user as every
    cluster made by root is, on a free port of 127.0.0.1 with trust authentication (`initdb --auth=trust`: loopback
    only, for the length of the session)."""

    def __init__(self, version: str) -> None:
        self.version = version
        self.name = f"htgfaults{uuid.uuid4().hex[:10]}"
        self.port = free_port()

    def _cluster(self, *arguments: str) -> None:
        done = subprocess.run(arguments, check=False, capture_output=True, text=True)
        assert done.returncode == 0, f"{' '.join(arguments)}: {done.stdout}{done.stderr}"

    def create(self) -> None:
        self._cluster(
            "pg_createcluster", self.version, self.name, "--port", str(self.port), "--start-conf", "manual",
            "-o", "fsync=off", "-o", "shared_buffers=32MB",
            "--", "--auth=trust",
        )  # fmt: skip
        self.start()

    def start(self) -> None:
        self._cluster("pg_ctlcluster", self.version, self.name, "start")
        assert wait_for(self.answers, timeout=30), "the tests' own PostgreSQL did not start"

    def stop(self) -> None:
        """Fast shutdown, as a restart by an operator or the platform does: sessions are ended, then the server."""
        self._cluster("pg_ctlcluster", self.version, self.name, "stop", "-m", "fast")

    def restart(self) -> None:
        self._cluster("pg_ctlcluster", self.version, self.name, "restart", "-m", "fast")
        assert wait_for(self.answers, timeout=30), "the tests' own PostgreSQL did not come back"

    def drop(self) -> None:
        subprocess.run(["pg_dropcluster", "--stop", self.version, self.name], check=False, capture_output=True)

    def answers(self) -> bool:
        try:
            psycopg2.connect(host="127.0.0.1", port=self.port, user="postgres", dbname="postgres").close()
            return True
        except psycopg2.OperationalError:
            return False

    def url(self, database: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def execute(self, sql: str) -> None:
        """A statement outside a transaction (CREATE and DROP DATABASE), on the maintenance database."""
        connection = psycopg2.connect(host="127.0.0.1", port=self.port, user="postgres", dbname="postgres")
        connection.autocommit = True
        try:
            with connection.cursor() as cursor:
                cursor.execute(sql)
        finally:
            connection.close()


TEMPLATE_DATABASE = "htg_migrated"


@pytest.fixture(scope="session")
def own_postgres() -> Iterator[OwnPostgres]:
    """The session's own cluster with one migrated database, the template of every test's database."""
    version = _postgres_version()
    if version is None:
        _missing("needs Debian's PostgreSQL server packages (pg_createcluster)")
    assert version is not None
    cluster = OwnPostgres(version)
    try:
        cluster.create()
        cluster.execute(f"CREATE DATABASE {TEMPLATE_DATABASE}")
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--verbosity", "0"],
            cwd=ROOT,
            env={
                **os.environ,
                "DJANGO_SETTINGS_MODULE": "htg_migration.settings.test",
                "DATABASE_URL": cluster.url(TEMPLATE_DATABASE),
            },
            check=True,
            capture_output=True,
        )
        yield cluster
    finally:
        cluster.drop()


@dataclass
class FaultDatabase:
    cluster: OwnPostgres
    name: str

    @property
    def url(self) -> str:
        return self.cluster.url(self.name)


@pytest.fixture
def fault_database(own_postgres, django_db_blocker) -> Iterator[FaultDatabase]:
    """A fresh migrated database on the own cluster, and this test process's Django connection pointed at it, so the
    test writes its rows and reads its outcome where the worker, scheduler and web of the test work (the worker's
    environment is built from this connection: tests.conftest.CeleryWorker)."""
    if not own_postgres.answers():  # a test before this one may have left its cluster stopped
        own_postgres.start()
    database = FaultDatabase(cluster=own_postgres, name=f"htg_fault_{uuid.uuid4().hex[:10]}")
    own_postgres.execute(f"CREATE DATABASE {database.name} TEMPLATE {TEMPLATE_DATABASE}")
    default = connections["default"]
    saved = dict(default.settings_dict)
    with django_db_blocker.unblock():
        connections.close_all()
        default.settings_dict.update(HOST="127.0.0.1", PORT=str(own_postgres.port), NAME=database.name, USER="postgres")
        try:
            yield database
        finally:
            connections.close_all()
            default.settings_dict.clear()
            default.settings_dict.update(saved)
    if not own_postgres.answers():
        own_postgres.start()
    own_postgres.execute(f"DROP DATABASE IF EXISTS {database.name} WITH (FORCE)")


class OwnRedis:
    """A redis-server of the test's own on a free port, without persistence: killed, it comes back empty."""

    def __init__(self, log_path: Path) -> None:
        self.port = free_port()
        self.log_path = log_path
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        server = shutil.which("redis-server")
        assert server is not None
        self.process = subprocess.Popen(
            [server, "--bind", "127.0.0.1", "--port", str(self.port), "--save", "", "--appendonly", "no",
             "--logfile", str(self.log_path)],
        )  # fmt: skip
        assert wait_for(lambda: port_answers(self.port), timeout=15), "the test's own redis-server did not start"

    def kill(self) -> None:
        """SIGKILL: everything it held (queued tasks, the cache) is gone."""
        assert self.process is not None
        self.process.kill()
        self.process.wait()
        assert wait_for(lambda: not port_answers(self.port), timeout=15)


@pytest.fixture
def own_redis(tmp_path) -> Iterator[OwnRedis]:
    if shutil.which("redis-server") is None:
        _missing("needs redis-server")
    redis = OwnRedis(tmp_path / "redis.log")
    redis.start()
    yield redis
    if redis.process is not None and redis.process.poll() is None:
        redis.process.kill()
        redis.process.wait()


class SinkHandler:
    """An SMTP sink that a test can make refuse or slow. Every message it takes is recorded by its Message-ID and
    recipient in `delivered` before it answers the end of the message: a message a server has taken may be delivered
    even when its answer never reaches the sender (the case a duplicate comes from)."""

    def __init__(self) -> None:
        self.delivered: list[tuple[str, str]] = []
        self.rcpt_replies: dict[str, str] = {}  # address: reply to RCPT TO (e.g. "550 5.1.1 no such user")
        self.data_reply: str | None = None  # the reply to the end of every message instead of taking it
        self.answer_delay = 0.0  # seconds between taking a message and answering 250
        self.before_answer: Callable[[int], None] | None = None  # run in a thread with the count of messages taken
        self.taken = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        reply = self.rcpt_replies.get(address)
        if reply:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.data_reply:
            return self.data_reply
        message = email.message_from_bytes(envelope.original_content or envelope.content)
        self.delivered.append((str(message["Message-ID"]), str(message["To"])))
        self.taken += 1
        if self.before_answer is not None:
            await asyncio.get_running_loop().run_in_executor(None, self.before_answer, self.taken)
        if self.answer_delay:
            await asyncio.sleep(self.answer_delay)
        return "250 Message accepted"

    def message_ids(self) -> Counter[str]:
        return Counter(message_id for message_id, _to in self.delivered)


@dataclass
class Sink:
    """The SMTP server on a fixed port, stopped (nothing listens: connections refused) and started again at will."""

    port: int
    handler: SinkHandler = field(default_factory=SinkHandler)
    controller: Controller | None = None

    def start(self) -> None:
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None
        assert wait_for(lambda: not port_answers(self.port), timeout=15)


@pytest.fixture
def sink() -> Iterator[Sink]:
    server = Sink(port=free_port())
    server.start()
    yield server
    server.stop()


@pytest.fixture
def broker_for_this_process(own_redis) -> Iterator[None]:
    """Tasks this process sends (on commit, or a test playing the scheduler) go to the own Redis, to the queues the
    workers of the test take (the defaults: the Redis is the test's own)."""
    keys = ("broker_url", "task_always_eager", "task_default_queue", "task_routes")
    previous = {key: celery_app.conf[key] for key in keys}
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
    celery_app.conf.update(
        broker_url=own_redis.url,
        task_always_eager=False,
        task_default_queue=QUEUE,
        task_routes={name: {"queue": f"{QUEUE}-long"} for name in settings.LONG_TASKS},
    )
    try:
        yield
    finally:
        celery_app._pool = None
        celery_app.amqp._producer_pool = None
        celery_app.conf.update(previous)


QUEUE = "celery"


def app_environment(*, database: FaultDatabase, redis: OwnRedis, sink: Sink | None) -> dict[str, str]:
    """The settings every process of the app under test gets: the own services, short waits where the production
    ones are minutes (retries after 1-2 s, the answer to a message's end within 2 s, heartbeats stale after 5 s)."""
    environment = {
        "DJANGO_SETTINGS_MODULE": "htg_migration.settings.test",
        "DATABASE_URL": database.url,
        "CELERY_BROKER_URL": redis.url,
        "DJANGO_CACHE_URL": redis.url.removesuffix("/0") + "/1",
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "HTG_CELERY_LONG_QUEUE": f"{QUEUE}-long",
        "HTG_EMAIL_RETRY_BASE_SECONDS": "1",
        "HTG_EMAIL_RETRY_MAX_SECONDS": "2",
        "HTG_EMAIL_MAX_ATTEMPTS": "8",
        "HTG_SMTP_DATA_TIMEOUT": "2",
        "EMAIL_TIMEOUT": "5",
        "HTG_HEARTBEAT_STALE_SECONDS": "5",
    }
    if sink is not None:
        environment.update(
            EMAIL_BACKEND="notifications.backends.SmtpEmailBackend",
            EMAIL_HOST="127.0.0.1",
            EMAIL_PORT=str(sink.port),
            EMAIL_USE_TLS="false",
        )
    return environment


@pytest.fixture
def worker_factory(
    fault_database, own_redis, broker_for_this_process, tmp_path
) -> Iterator[Callable[..., CeleryWorker]]:
    """Start worker processes (solo pool) on the own database and Redis, taking the default and the long queue."""
    workers: list[CeleryWorker] = []

    def start(sink: Sink | None = None, **settings: str) -> CeleryWorker:
        environment = {**app_environment(database=fault_database, redis=own_redis, sink=sink), **settings}
        worker = CeleryWorker(
            QUEUE, tmp_path / f"worker-{len(workers)}.log", broker_url=own_redis.url, environment=environment
        )
        worker.start()
        workers.append(worker)
        return worker

    yield start
    for worker in workers:
        worker.stop()
        print(f"--- {worker.log_path.name}\n{worker.log_path.read_text()[-8000:]}")


class Scheduler:
    """`celery beat` with the app's own schedule, every interval entry every `seconds` (the sweeps and resumes run
    each minute in production; the crontab entries are left as they are)."""

    def __init__(self, environment: dict[str, str], log_path: Path, seconds: float) -> None:
        self.environment = environment
        self.log_path = log_path
        self.seconds = seconds
        self.process: subprocess.Popen[bytes] | None = None
        self.log_file = log_path.open("a")

    def start(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.faults.scheduler", str(self.seconds), str(self.log_path.with_suffix(".db"))],
            cwd=ROOT,
            env={**os.environ, **self.environment},
            stdout=self.log_file,
            stderr=subprocess.STDOUT,
        )

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log_file.close()


@pytest.fixture
def scheduler_factory(fault_database, own_redis, tmp_path) -> Iterator[Callable[..., Scheduler]]:
    schedulers: list[Scheduler] = []

    def start(*, seconds: float = 1.0) -> Scheduler:
        scheduler = Scheduler(
            app_environment(database=fault_database, redis=own_redis, sink=None),
            tmp_path / f"scheduler-{len(schedulers)}.log",
            seconds,
        )
        scheduler.start()
        schedulers.append(scheduler)
        return scheduler

    yield start
    for scheduler in schedulers:
        scheduler.stop()
        print(f"--- {scheduler.log_path.name}\n{scheduler.log_path.read_text()[-4000:]}")


class Web:
    """The web tier as production runs it: gunicorn with the WSGI application, one process, two threads."""

    def __init__(self, environment: dict[str, str], log_path: Path) -> None:
        self.port = free_port()
        self.log_path = log_path
        self.log_file = log_path.open("a")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "htg_migration.wsgi", "--bind", f"127.0.0.1:{self.port}",
             "--workers", "1", "--threads", "2", "--timeout", "60"],
            cwd=ROOT,
            env={**os.environ, **environment},
            stdout=self.log_file,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
        assert wait_for(lambda: port_answers(self.port), timeout=60), log_path.read_text()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log_file.close()


@pytest.fixture
def web(fault_database, own_redis, tmp_path) -> Iterator[Web]:
    server = Web(app_environment(database=fault_database, redis=own_redis, sink=None), tmp_path / "web.log")
    yield server
    server.stop()
    print(f"--- web.log\n{server.log_path.read_text()[-8000:]}")


def outbox_statuses(email_ids: list[int]) -> Counter[str]:
    from notifications.models import OutboxEmail

    return Counter(OutboxEmail.objects.filter(pk__in=email_ids).values_list("status", flat=True))


def emails_scheduler_tick(*, ahead: datetime.timedelta = datetime.timedelta(0)) -> int:
    """What the `emails-sweep` beat entry does (notifications.tasks.emails_sweep_task), from this process: recover
    the claims of senders that are gone, and queue what is due. `ahead` moves the sweep's clock forward, past the
    one-minute grace a first send gets before the sweep takes it as lost (the tests do not wait that minute)."""
    from htg_migration import clock
    from notifications.services import email_claims_recover, email_id_batches, emails_sweep
    from notifications.tasks import email_send_many_task

    email_claims_recover(now=clock.now())  # due now: the worker claims by its own clock
    due = emails_sweep(now=clock.now() + ahead)
    for batch in email_id_batches(due):
        email_send_many_task.delay(batch)
    return len(due)


def wait_while_ticking(condition: Callable[[], bool], tick: Callable[[], Any], *, timeout: float = 120) -> bool:
    """Wait for a state, running the scheduler's tick about once a second meanwhile."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        tick()
        wait_for(condition, timeout=1)
    return condition()


def close_connections_quietly() -> None:
    with contextlib.suppress(Exception):
        connections.close_all()


def run_in_thread(target: Callable[[], Any]) -> threading.Thread:
    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    return thread

"""Shared fixtures and the rule that tests needing real services run in CI and never skip there."""

import os
import random
import shutil
import socket
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection as database
from django.db import connections
from hypothesis import settings as hypothesis_settings

from htg_migration.celery import app as celery_app

REQUIRE_SERVICES = os.environ.get("HTG_REQUIRE_SERVICES", "").lower() in {"1", "true", "yes"}

# No deadline: how long one example takes depends on the machine's load, not on the code under test.
hypothesis_settings.register_profile("htg", deadline=None)
hypothesis_settings.load_profile("htg")


def pytest_configure(config: pytest.Config) -> None:
    # One seed per run, chosen before pytest-xdist starts its workers, which inherit it through the environment.
    os.environ.setdefault("HTG_TEST_SEED", str(random.SystemRandom().randrange(2**32)))


def pytest_report_header(config: pytest.Config) -> str:
    return f"HTG_TEST_SEED={os.environ['HTG_TEST_SEED']} (set it to replay the random choices of this run)"


@pytest.fixture
def test_seed() -> int:
    """The run's seed for a test's own random choices: HTG_TEST_SEED, or the random one in the report header."""
    seed = int(os.environ["HTG_TEST_SEED"])
    print(f"HTG_TEST_SEED={seed}")  # shown with the failure
    return seed


def port_answers(port: int, *, timeout: float = 1) -> bool:
    """Whether something listens on this port of 127.0.0.1."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout):
            return True
    except OSError:
        return False


def free_port() -> int:
    """A port of 127.0.0.1 that nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _redis_reachable() -> bool:
    return port_answers(6379)


def _unavailable(item: pytest.Item, reason: str) -> None:
    if REQUIRE_SERVICES:
        pytest.fail(f"{reason} (HTG_REQUIRE_SERVICES is set: this test must run here)", pytrace=False)
    pytest.skip(reason)


PGBOUNCER = shutil.which("pgbouncer") or shutil.which("pgbouncer", path="/usr/sbin")


def pytest_runtest_setup(item: pytest.Item) -> None:
    if (item.get_closest_marker("redis") or item.get_closest_marker("worker")) and not _redis_reachable():
        _unavailable(item, "needs Redis on 127.0.0.1:6379")
    if item.get_closest_marker("pgbouncer") and PGBOUNCER is None:
        _unavailable(item, "needs Debian's pgbouncer (apt-get install pgbouncer)")


@pytest.fixture
def programme_flows(db):
    """The reference message flows by code, as the data migration loaded them."""
    from plateaus.models import MessageFlow

    return {flow.code: flow for flow in MessageFlow.objects.select_related("plateau")}


ROOT = Path(__file__).resolve().parent.parent
BROKER_URL = os.environ.get("HTG_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def _database_url() -> str:
    options = database.settings_dict
    host = quote(options["HOST"] or "127.0.0.1", safe="")  # or the embedded server's socket directory
    return f"postgres://{options['USER']}@{host}:{options['PORT'] or 5432}/{options['NAME']}"


def _drop_broker_pools() -> None:
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


class CeleryWorker:
    """A worker process of its own on a queue of its own (solo pool, so the process is the worker), that a test can
    kill outright (SIGKILL, as the kernel's OOM killer or a pulled plug would) and start again on the same queue."""

    def __init__(
        self,
        queue: str,
        log_path: Path,
        *,
        broker_url: str = BROKER_URL,
        environment: dict[str, str] | None = None,
    ) -> None:
        self.queue = queue
        self.broker_url = broker_url
        self.environment = environment or {}  # more settings for the worker's environment (the fault tests')
        self.long_queue = f"{queue}-long"  # the long jobs' queue (settings.CELERY_TASK_ROUTES), of its own too
        self.log_path = log_path
        self.process: subprocess.Popen[bytes] | None = None
        self.log_file = log_path.open("a")  # a file, not a pipe: a full pipe would stall the worker

    def start(self) -> None:
        environment = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "htg_migration.settings.test",
            "DATABASE_URL": _database_url(),
            "CELERY_BROKER_URL": self.broker_url,
            "CELERY_TASK_ALWAYS_EAGER": "false",
            "HTG_CELERY_LONG_QUEUE": self.long_queue,
            **self.environment,
        }
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "htg_migration",
                "worker",
                "-P",
                "solo",
                "-Q",
                f"{self.queue},{self.long_queue}",
                "-l",
                "INFO",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
            ],
            cwd=ROOT,
            env=environment,
            stdout=self.log_file,
            stderr=subprocess.STDOUT,
        )

    def kill(self) -> None:
        """SIGKILL: no clean-up, no acknowledgement, the database and SMTP connections simply drop."""
        assert self.process is not None
        self.process.kill()
        self.process.wait()

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
def celery_worker(transactional_db, tmp_path):
    """A started `CeleryWorker`; tasks sent from this process go to its queue."""
    worker = CeleryWorker(f"htg-test-{uuid.uuid4().hex[:12]}", tmp_path / "worker.log")
    worker.start()
    keys = ("broker_url", "task_always_eager", "task_default_queue", "task_routes")
    previous = {key: celery_app.conf[key] for key in keys}
    # Eager calls earlier in this process may have opened a producer pool on the default broker: drop it.
    _drop_broker_pools()
    celery_app.conf.update(
        broker_url=BROKER_URL,
        task_always_eager=False,
        task_default_queue=worker.queue,
        task_routes={name: {"queue": worker.long_queue} for name in settings.LONG_TASKS},
    )
    try:
        yield worker
    finally:
        _drop_broker_pools()
        celery_app.conf.update(previous)
        worker.stop()
        print(worker.log_path.read_text()[-20000:])  # shown when the test fails


@pytest.fixture
def celery_worker_queue(celery_worker):
    """The queue of a worker process of its own, so parallel test runs never take each other's tasks."""
    return celery_worker.queue


def wait_for(condition, timeout=45.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


def run_in_threads(targets):
    """Run each callable in its own thread with its own database connection; what each returned or raised."""
    results: list[object] = [None] * len(targets)

    def runner(index, target):
        try:
            results[index] = target()
        except Exception as error:
            results[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=runner, args=(index, target)) for index, target in enumerate(targets)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


@pytest.fixture(autouse=True)
def _language_reset():
    """Every test starts in the default language: a Dutch page read through the test client leaves Dutch active
    in this thread (LocaleMiddleware activates it and does not undo it), which would leak into the next test."""
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)

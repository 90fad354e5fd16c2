"""Tasks carried by a real Redis broker to a real Celery worker process, against the test database."""

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.db import connection as database

from connections.models import Connection, ConnectionEvent
from connections.tasks import connection_transition_task, connections_mark_missed_task
from htg_migration.celery import app as celery_app
from tests.connections.factories import ConnectionFactory, UserFactory, walk_to

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.worker,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

ROOT = Path(__file__).resolve().parent.parent.parent
BROKER_URL = os.environ.get("HTG_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def _database_url() -> str:
    options = database.settings_dict
    return f"postgres://{options['USER']}@{options['HOST'] or '127.0.0.1'}:{options['PORT'] or 5432}/{options['NAME']}"


@pytest.fixture
def worker_queue():
    """A worker process of its own on a queue of its own, so parallel test runs never take each other's tasks."""
    queue = f"htg-test-{uuid.uuid4().hex[:12]}"
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "htg_migration.settings.test",
        "DATABASE_URL": _database_url(),
        "CELERY_BROKER_URL": BROKER_URL,
        "CELERY_TASK_ALWAYS_EAGER": "false",
    }
    process = subprocess.Popen(
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
            queue,
            "-l",
            "INFO",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    previous = {key: celery_app.conf[key] for key in ("broker_url", "task_always_eager")}
    celery_app.conf.update(broker_url=BROKER_URL, task_always_eager=False)
    try:
        yield queue
    finally:
        celery_app.conf.update(previous)
        process.terminate()
        try:
            output, _ = process.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            output, _ = process.communicate()
        print(output)  # shown when the test fails


def _wait_for(condition, timeout=45.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


def _live_connection(flow, actor):
    return walk_to(ConnectionFactory(flow=flow), "live", actor)


def test_the_worker_records_open_connections_as_missed_after_the_deadline_once(worker_queue, programme_flows):
    # given: the programme's deadline (30 June 2020) has passed; two connections went live in time
    walker = UserFactory(is_superuser=True)
    live = _live_connection(programme_flows["AGS"], walker)
    marker = _live_connection(programme_flows["CID"], walker)
    late = [ConnectionFactory(flow=programme_flows[code]) for code in ("NCTS", "SW")]
    events_before = ConnectionEvent.objects.count()

    # when: the sweep runs twice on the worker, then a marker task that tells us both are done
    connections_mark_missed_task.apply_async(queue=worker_queue)
    connections_mark_missed_task.apply_async(queue=worker_queue)
    connection_transition_task.apply_async(args=[marker.pk, "close_digipoort", "marker"], queue=worker_queue)

    # then: each late connection is missed once, by the system; the live one is left alone
    assert _wait_for(lambda: Connection.objects.get(pk=marker.pk).state == "digipoort_closed")
    assert {connection.state for connection in Connection.objects.filter(pk__in=[c.pk for c in late])} == {"missed"}
    assert Connection.objects.get(pk=live.pk).state == "live"
    assert ConnectionEvent.objects.count() - events_before == 3  # two missed, one marker
    assert ConnectionEvent.objects.filter(transition="mark_missed", actor__isnull=True).count() == 2


def test_running_the_same_transition_task_twice_does_the_work_once(worker_queue, programme_flows):
    # given
    connection = ConnectionFactory(flow=programme_flows["AGS"])
    marker = ConnectionFactory(flow=programme_flows["NCTS"])

    # when
    connection_transition_task.apply_async(args=[connection.pk, "invite", "bulk"], queue=worker_queue)
    connection_transition_task.apply_async(args=[connection.pk, "invite", "bulk"], queue=worker_queue)
    connection_transition_task.apply_async(args=[marker.pk, "invite", "marker"], queue=worker_queue)

    # then
    assert _wait_for(lambda: Connection.objects.get(pk=marker.pk).state == "invited")
    assert Connection.objects.get(pk=connection.pk).state == "invited"
    assert ConnectionEvent.objects.filter(connection=connection).count() == 1

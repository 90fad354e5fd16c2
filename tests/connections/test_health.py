"""Health: /healthz says the process is alive and asks nothing else; /readyz tells the truth about the database,
the broker, the cache and the worker's and scheduler's heartbeats, each with its age, with dependencies really
stopped (a redis-server of the test's own, a database port nobody listens on)."""

import datetime
import shutil
import subprocess

import pytest
from django.core.cache import caches
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from connections.models import Heartbeat
from connections.services.health import heartbeat_record
from htg_migration.celery import app as celery_app
from htg_migration.settings.base import redis_cache
from tests.conftest import free_port, port_answers, wait_for

pytestmark = pytest.mark.django_db


def _fresh_heartbeats():
    for name in Heartbeat.Name.values:
        heartbeat_record(name)


def test_healthz_answers_without_asking_the_database(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get(reverse("connections:health"))

    assert (response.status_code, response.json()) == (200, {"status": "alive"})


def test_readyz_is_ok_when_everything_answers_and_every_heartbeat_is_fresh(client):
    _fresh_heartbeats()

    response = client.get(reverse("connections:ready"))

    answer = response.json()
    assert (response.status_code, answer["status"]) == (200, "ok")
    assert set(answer["checks"]) == {"database", "broker", "cache", "worker", "scheduler"}
    assert all(check["ok"] for check in answer["checks"].values())
    assert 0 <= answer["checks"]["worker"]["age_seconds"] < 60
    assert response["Cache-Control"] == "no-store"


def test_a_stale_or_missing_heartbeat_is_reported_with_its_age_and_the_app_is_degraded(client, settings):
    # given: the worker last seen 10 minutes ago, the scheduler never
    settings.HTG_HEARTBEAT_STALE_SECONDS = 120
    heartbeat_record(Heartbeat.Name.WORKER, now=timezone.now() - datetime.timedelta(minutes=10))

    # when
    answer = client.get(reverse("connections:ready")).json()

    # then
    assert answer["status"] == "degraded"
    assert answer["checks"]["worker"]["ok"] is False
    assert 590 <= answer["checks"]["worker"]["age_seconds"] <= 700
    assert answer["checks"]["scheduler"] == {"ok": False, "last_seen": None, "age_seconds": None}


@pytest.fixture
def own_redis():
    """A redis-server of the test's own on a free port (the shared one on 6379 is never stopped)."""
    server = shutil.which("redis-server")
    if server is None:
        pytest.fail("redis-server is needed for this test")
    port = free_port()
    process = subprocess.Popen([server, "--port", str(port), "--save", "", "--appendonly", "no"])
    assert wait_for(lambda: port_answers(port), timeout=15)
    yield process, port
    if process.poll() is None:
        process.kill()
        process.wait()


@pytest.mark.faults
def test_readyz_reports_the_broker_and_the_cache_down_when_redis_stops_and_pages_still_work(
    client, settings, own_redis
):
    # given: the broker and the cache on a Redis of the test's own, which answers
    process, port = own_redis
    url = f"redis://127.0.0.1:{port}/0"
    settings.CACHES = {"default": redis_cache(url)}
    previous_broker = celery_app.conf.broker_url
    celery_app.conf.broker_url = url
    _fresh_heartbeats()
    try:
        assert client.get(reverse("connections:ready")).json()["status"] == "ok"

        # when: Redis stops
        process.kill()
        process.wait()
        caches["default"].close()
        response = client.get(reverse("connections:ready"))
    finally:
        celery_app.conf.broker_url = previous_broker

    # then: both are down with their reason, and the answer is "degraded", not an error
    answer = response.json()
    assert (response.status_code, answer["status"]) == (200, "degraded")
    assert answer["checks"]["broker"]["ok"] is False
    assert answer["checks"]["cache"]["ok"] is False
    assert answer["checks"]["cache"]["error"]
    assert answer["checks"]["database"]["ok"] is True


@pytest.mark.faults
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_readyz_answers_503_with_the_reason_when_the_database_is_not_there(client):
    # given: the database connection pointed at a port where nothing listens
    saved = dict(connection.settings_dict)
    connection.close()
    connection.settings_dict["PORT"] = str(free_port())
    try:
        response = client.get(reverse("connections:ready"))
    finally:
        connection.close()
        connection.settings_dict.clear()
        connection.settings_dict.update(saved)

    answer = response.json()
    assert (response.status_code, answer["status"]) == (503, "down")
    assert answer["checks"]["database"]["ok"] is False
    assert "OperationalError" in answer["checks"]["database"]["error"]
    assert answer["checks"]["worker"]["ok"] is False  # not known without the database


def test_the_scheduler_sends_the_heartbeat_every_half_minute():
    entry = celery_app.conf.beat_schedule["heartbeat"]
    assert (entry["task"], entry["schedule"]) == ("connections.tasks.heartbeat_task", 30.0)


@pytest.mark.postgres
@pytest.mark.worker
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_real_worker_records_its_heartbeat_and_the_sender_the_scheduler_s(celery_worker):
    from connections.tasks import heartbeat_task

    # when: the task is sent as the scheduler sends it, to a real worker process
    heartbeat_task.delay()

    # then
    assert wait_for(lambda: Heartbeat.objects.filter(name="worker").exists())
    assert Heartbeat.objects.filter(name="scheduler").exists()


@pytest.mark.faults
@pytest.mark.redis
def test_signed_in_users_keep_working_and_a_company_can_still_sign_in_while_redis_is_away(
    client, settings, own_redis, programme_flows
):
    import re

    from django.test import Client

    from notifications.models import OutboxEmail
    from tests.connections.factories import ContactFactory, CustomerFactory, team_member

    # given: sessions in the database behind a Redis cache of the test's own, as in production; a team member
    # signed in while Redis answered
    process, port = own_redis
    settings.CACHES = {"default": redis_cache(f"redis://127.0.0.1:{port}/0")}
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    client.force_login(team_member())
    assert client.get(reverse("connections:connection_list")).status_code == 200

    # when: Redis goes away
    process.kill()
    process.wait()
    caches["default"].close()

    # then: the team member's pages still work (the session read from the database) ...
    assert client.get(reverse("connections:connection_list")).status_code == 200
    # ... and a company asks for a sign-in link, opens it and is signed in
    ContactFactory(customer=CustomerFactory(), email="anna@vandam.example", language="en")
    company = Client()
    assert company.post(reverse("portal:sign_in"), {"email": "anna@vandam.example"}).status_code in (200, 302)
    body = OutboxEmail.objects.filter(template_key="portal.sign_in_link").latest("id").body_text
    token = re.search(r"/portal/sign-in/([A-Za-z0-9_\-]+)/", body).group(1)
    signed_in = company.post(reverse("portal:sign_in_confirm", args=[token]))
    assert signed_in.status_code == 302
    assert company.get(signed_in.url, follow=True).status_code == 200

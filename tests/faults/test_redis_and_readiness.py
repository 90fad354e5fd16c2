"""Redis killed and restarted empty, and /readyz with each dependency down, replayed against the app's real
processes: gunicorn serving the WSGI app and a Celery worker, both on the test's own PostgreSQL cluster and
redis-server (the broker and the cache), and an SMTP sink (tests/faults/conftest.py).

Why a real web process: the faults are what a running web tier meets (a cache and a broker that vanish under its
open connections, a database that stops and comes back), and a request through gunicorn shows what a person would
get. This process only prepares rows (a signed-in session, queued e-mails) and reads the outcome from the database
and the sink. Nothing is restarted to recover: the same web and worker processes answer again.
"""

import datetime
import http.cookiejar
import json
import re
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter

import pytest
from django.db import transaction
from django.test import Client
from django.utils import timezone

from connections.models import Heartbeat
from notifications.models import OutboxEmail
from notifications.services import EmailDraft, email_enqueue_many
from tests.conftest import wait_for
from tests.faults.conftest import emails_scheduler_tick, outbox_statuses, wait_while_ticking

pytestmark = [pytest.mark.faults]

TWO_MINUTES = datetime.timedelta(minutes=2)


class Browser:
    """Requests to the web process with cookies kept, answers returned whatever their status (no exceptions)."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies))

    def request(self, path: str, data: dict[str, str] | None = None) -> tuple[int, str]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        request = urllib.request.Request(  # noqa: S310 (http://127.0.0.1, the web process of the test)
            self.base_url + path, data=body, headers={"Referer": self.base_url + path}
        )
        try:
            with self.opener.open(request, timeout=30) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def form_post(self, path: str, data: dict[str, str]) -> tuple[int, str]:
        """GET the form's page, then POST it with its CSRF token."""
        status, page = self.request(path)
        assert status == 200, (status, page[:500])
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        assert token is not None
        return self.request(path, {"csrfmiddlewaretoken": token.group(1), **data})

    def set_cookie(self, name: str, value: str) -> None:
        host = urllib.parse.urlsplit(self.base_url).hostname or ""
        self.cookies.set_cookie(
            http.cookiejar.Cookie(
                0, name, value, None, False, host, False, False, "/", True, False, None, False, None, None, {}
            )
        )

    def ready(self) -> tuple[int, dict]:
        status, body = self.request("/readyz")
        return status, json.loads(body)


def _signed_in_team_member(browser: Browser) -> None:
    """A team member's session, made as Django's test client makes it, in the web's database."""
    from tests.connections.factories import team_member

    client = Client()
    client.force_login(team_member(), backend="django.contrib.auth.backends.ModelBackend")
    browser.set_cookie("sessionid", client.cookies["sessionid"].value)


def _heartbeat_fresh() -> None:
    """The scheduler's and the worker's heartbeat, as the beat entry `heartbeat` makes them (sent from here)."""
    from connections.tasks import heartbeat_task

    asked_at = timezone.now()
    heartbeat_task.delay()
    assert wait_for(lambda: Heartbeat.objects.filter(name="worker", beat_at__gte=asked_at).exists(), timeout=60)


def _ready_ok(browser: Browser) -> bool:
    _heartbeat_fresh()
    status, answer = browser.ready()
    return status == 200 and answer["status"] == "ok"


def _enqueue(count: int, *, prefix: str) -> list[int]:
    with transaction.atomic():
        emails = email_enqueue_many(
            emails=[
                EmailDraft(
                    to_address=f"{prefix}{number:03d}@example.nl",
                    template_key="connection.invited",
                    language="nl",
                    context={"contact_name": "Jan", "company_name": "Firma", "flow_name": "AGS",
                             "intake_url": "https://example.org/i/", "due_date": "15 mei 2020"},
                    dedupe_key=f"{prefix}:{number}",
                )
                for number in range(count)
            ]
        )  # fmt: skip
    return [email.id for email in emails]


def test_redis_killed_and_restarted_empty_loses_no_email_and_the_pages_keep_working_meanwhile(
    web, worker_factory, own_redis, sink, settings
):
    # given: web and worker on the own Redis (broker and cache), a team member signed in, the worker busy with 5
    # sending tasks of 10 e-mails each (the sink takes a message every 0.2 s, so most tasks wait in Redis)
    worker_factory(sink)
    browser = Browser(web.url)
    _signed_in_team_member(browser)
    assert browser.request("/team/connections/")[0] == 200
    assert wait_for(lambda: _ready_ok(browser), timeout=60)
    sink.handler.answer_delay = 0.2
    settings.HTG_EMAIL_BATCH = 10
    email_ids = _enqueue(50, prefix="redis")
    assert wait_for(lambda: sink.handler.taken >= 3, timeout=60)

    # when: Redis is killed (the queued tasks and the cache are gone with it)
    own_redis.kill()

    # then: the team's pages still work, a company can still ask for a sign-in link (the e-mail is a row; its task
    # waits for the broker), and /readyz says the broker and the cache are down but the app is up
    assert browser.request("/team/connections/")[0] == 200
    company = Browser(web.url)
    from tests.connections.factories import ContactFactory, CustomerFactory

    ContactFactory(customer=CustomerFactory(), email="anna@vandam.example", language="en")
    status, _page = company.form_post("/portal/sign-in/", {"email": "anna@vandam.example"})
    assert status == 200
    sign_in_email = OutboxEmail.objects.get(template_key="portal.sign_in_link")
    status, answer = browser.ready()
    assert (status, answer["status"]) == (200, "degraded")
    assert answer["checks"]["broker"]["ok"] is False
    assert answer["checks"]["cache"]["ok"] is False
    assert answer["checks"]["database"]["ok"] is True

    # when: Redis comes back empty on its port; the scheduler's sweep runs as it does every minute
    sink.handler.answer_delay = 0
    own_redis.start()
    all_ids = [*email_ids, sign_in_email.pk]
    done = wait_while_ticking(
        lambda: outbox_statuses(all_ids)["sent"] == len(all_ids), lambda: emails_scheduler_tick(ahead=TWO_MINUTES)
    )

    # then: every e-mail arrived, each once (the one a task was sending when Redis went may come twice, with its
    # Message-ID: its task was taken again from the queue only if Redis kept it, which an empty Redis did not)
    assert done, outbox_statuses(all_ids)
    sent = dict(OutboxEmail.objects.filter(pk__in=all_ids).values_list("message_id", "to_address"))
    received = sink.handler.message_ids()
    assert set(received) == set(sent)
    assert [count for count in received.values() if count > 1] == []
    # and the same web and worker processes answer, /readyz is ok again (nothing restarted but Redis)
    assert browser.request("/team/connections/")[0] == 200
    assert wait_for(lambda: _ready_ok(browser), timeout=60)


def test_readyz_tells_the_truth_about_each_dependency_that_is_down_and_again_when_it_is_back(
    web, worker_factory, scheduler_factory, fault_database
):
    # given: web, worker and a scheduler (its heartbeat every second here), everything answering
    browser = Browser(web.url)
    worker = worker_factory()
    scheduler = scheduler_factory(seconds=1)

    def checks_become(expected: dict[str, bool], status: str, http_status: int = 200) -> bool:
        def matches() -> bool:
            code, answer = browser.ready()
            oks = {name: check["ok"] for name, check in answer["checks"].items()}
            return code == http_status and answer["status"] == status and oks == expected

        return wait_for(matches, timeout=60)

    everything = {"database": True, "broker": True, "cache": True, "worker": True, "scheduler": True}
    assert checks_become(everything, "ok")

    # when/then: the worker is killed: its heartbeat goes stale (5 s here), the rest is fine
    worker.kill()
    assert checks_become({**everything, "worker": False}, "degraded")
    worker.start()
    assert checks_become(everything, "ok")

    # when/then: the scheduler stops
    scheduler.stop()
    assert checks_become({**everything, "scheduler": False}, "degraded")
    scheduler = scheduler_factory(seconds=1)
    assert checks_become(everything, "ok")

    # when/then: PostgreSQL stops: 503 "down", and the heartbeats are unknown without it
    fault_database.cluster.stop()
    status, answer = browser.ready()
    assert (status, answer["status"]) == (503, "down")
    assert answer["checks"]["database"]["ok"] is False
    assert Counter(check["ok"] for check in answer["checks"].values()) == Counter({True: 2, False: 3})
    assert browser.request("/healthz")[0] == 200  # the process itself is alive

    # when/then: it starts again: the same web, worker and scheduler find it, and all is ok
    fault_database.cluster.start()
    assert checks_become(everything, "ok")

"""Faults while the outbox sends, replayed against real parts the test starts itself: a worker process, its own
PostgreSQL cluster, its own redis-server and an SMTP sink it stops, slows or makes refuse (tests/faults/conftest.py).

Why processes and not calls: the faults are those of processes and connections (a SIGKILL, a database that goes away
under an open transaction, an answer that never comes), so the worker is a real `celery worker` with its own
database and SMTP connections; this process writes the e-mails as the app does (`email_enqueue_many`, tasks queued on
commit to the own Redis), plays the scheduler's `emails-sweep` where a test needs it (the real recovery and sweep
functions), and reads the outcome from the same database. The sink decides what arrived: every message it took, by
its Message-ID. Each test asserts that nothing is lost (every row sent, or failed for a stated reason, and each sent
row's Message-ID at the sink) and nothing is duplicated (each Message-ID once, but where the protocol cannot tell:
then a second copy with the same Message-ID, which a receiver drops), and that the worker takes new work afterwards
without being restarted.
"""

import datetime
import random
import threading
from collections import Counter

import pytest
from django.db import transaction
from django.utils import timezone

from connections.models import Heartbeat
from notifications.models import OutboxEmail, SuppressedAddress
from notifications.services import EmailDraft, email_enqueue_many
from tests.conftest import wait_for
from tests.faults.conftest import emails_scheduler_tick, outbox_statuses, wait_while_ticking

pytestmark = [pytest.mark.faults]

CONTEXT = {
    "contact_name": "Jan de Vries",
    "company_name": "Voorbeeld B.V.",
    "flow_name": "NCTS",
    "intake_url": "https://example.org/intake/abc/",
    "due_date": "15 mei 2020",
}
TWO_MINUTES = datetime.timedelta(minutes=2)


def _enqueue(count: int, *, prefix: str) -> list[int]:
    with transaction.atomic():
        emails = email_enqueue_many(
            emails=[
                EmailDraft(
                    to_address=f"{prefix}{number:04d}@example.nl",
                    template_key="connection.invited",
                    language="nl",
                    context=CONTEXT,
                    dedupe_key=f"{prefix}:{number}",
                )
                for number in range(count)
            ]
        )
    return [email.id for email in emails]


def _all_done(email_ids: list[int]) -> bool:
    statuses = outbox_statuses(email_ids)
    return sum(statuses[status] for status in ("sent", "failed")) == len(email_ids)


def _assert_nothing_lost_nothing_duplicated(sink, email_ids: list[int], *, repeats_allowed: int = 0) -> None:
    """Every row sent (its Message-ID at the sink) or failed; the sink has no other message; each Message-ID once,
    but for up to `repeats_allowed` that came twice (the same message, which the receiver can drop)."""
    rows = OutboxEmail.objects.filter(pk__in=email_ids)
    assert set(rows.values_list("status", flat=True)) <= {"sent", "failed"}
    sent = dict(rows.filter(status="sent").values_list("message_id", "to_address"))
    received = sink.handler.message_ids()
    assert set(received) == set(sent), "lost or unknown messages"
    assert sorted(set(sink.handler.delivered)) == sorted(sent.items())
    repeated = {message_id: count for message_id, count in received.items() if count > 1}
    assert len(repeated) <= repeats_allowed, repeated
    assert set(repeated.values()) <= {2}, repeated
    assert not rows.exclude(claimed_by="").exists()


def _worker_answers() -> bool:
    """The worker takes a new task (the heartbeat) and runs it: no restart needed."""
    from connections.tasks import heartbeat_task

    asked_at = timezone.now()
    heartbeat_task.delay()
    return wait_for(lambda: Heartbeat.objects.filter(name="worker", beat_at__gte=asked_at).exists(), timeout=60)


def test_a_worker_killed_during_a_batch_and_started_again_loses_nothing_and_repeats_at_most_the_one_in_flight(
    sink, worker_factory, test_seed
):
    # given: 400 e-mails, sent by a worker in batches
    worker = worker_factory(sink)
    email_ids = _enqueue(400, prefix="killed")

    # when: the worker is SIGKILLed once some, not all, have arrived (the point from the run's seed), then started
    # again; the scheduler's sweep runs meanwhile (its clock two minutes ahead: a first send lost with the killed
    # worker's task is taken by the sweep one minute after it was written)
    kill_after = random.Random(test_seed).randint(20, 350)
    assert wait_for(lambda: sink.handler.taken >= kill_after, timeout=120)
    worker.kill()
    arrived_at_kill = sink.handler.taken
    print(f"killed after {arrived_at_kill} arrived (seed {test_seed})")
    worker.start()
    done = wait_while_ticking(lambda: _all_done(email_ids), lambda: emails_scheduler_tick(ahead=TWO_MINUTES))

    # then: all sent, each once but at most the one the worker was sending when it died (same Message-ID twice)
    assert done, outbox_statuses(email_ids)
    assert 0 < arrived_at_kill < 400
    assert outbox_statuses(email_ids) == Counter({"sent": 400})
    _assert_nothing_lost_nothing_duplicated(sink, email_ids, repeats_allowed=1)
    assert set(OutboxEmail.objects.filter(pk__in=email_ids).values_list("attempts", flat=True)) == {1}
    assert _worker_answers()


def test_the_smtp_server_down_then_answering_451_then_550_loses_nothing_and_sends_nothing_twice(sink, worker_factory):
    # given: the mail server is down (nothing listens on its port)
    sink.stop()
    worker = worker_factory(sink)
    refused = {"smtp0003@example.nl", "smtp0011@example.nl"}
    email_ids = _enqueue(20, prefix="smtp")

    def tick() -> None:
        emails_scheduler_tick()

    # when: the sender finds it down, twice (the retry waits are 1-2 s here, minutes in production)
    def tried_twice_while_down() -> bool:
        rows = OutboxEmail.objects.filter(pk__in=email_ids)
        return rows.filter(attempts__gte=2, last_error__contains="Connection refused").exists()

    assert wait_while_ticking(tried_twice_while_down, tick, timeout=90)
    assert outbox_statuses(email_ids)["sent"] == 0

    # when: it answers again, but 451 to the end of every message, until each e-mail has met that once
    sink.handler.data_reply = "451 4.3.0 Please try again later"
    sink.start()

    def each_met_451() -> bool:
        return not OutboxEmail.objects.filter(pk__in=email_ids).exclude(last_error__contains="451").exists()

    assert wait_while_ticking(each_met_451, tick, timeout=90)
    assert sink.handler.delivered == []

    # when: it takes messages again, but refuses two recipients with 550
    sink.handler.rcpt_replies = dict.fromkeys(refused, "550 5.1.1 No such user")
    sink.handler.data_reply = None
    done = wait_while_ticking(lambda: _all_done(email_ids), tick, timeout=90)

    # then: the refused two failed and are suppressed; the rest arrived, each once
    assert done, outbox_statuses(email_ids)
    assert outbox_statuses(email_ids) == Counter({"sent": 18, "failed": 2})
    failed = OutboxEmail.objects.filter(pk__in=email_ids, status="failed")
    assert set(failed.values_list("to_address", flat=True)) == refused
    assert set(SuppressedAddress.objects.values_list("address", flat=True)) == refused
    assert all("550" in row.last_error for row in failed)
    _assert_nothing_lost_nothing_duplicated(sink, email_ids)
    assert max(OutboxEmail.objects.filter(pk__in=email_ids).values_list("attempts", flat=True)) < 8
    assert worker.process is not None and worker.process.poll() is None
    assert _worker_answers()


@pytest.mark.parametrize("fault", ["restart", "stop"])
def test_postgresql_restarted_or_stopped_while_sending_sends_nothing_twice(sink, worker_factory, fault_database, fault):
    # given: 150 e-mails and a worker sending them (waiting a minute for the answer to a message's end, so that the
    # database's fault, not a slow answer, is what it meets); when the 30th message has been taken, before the
    # server's 250, PostgreSQL is restarted, or stopped and started again once the worker has failed to record a mark
    worker = worker_factory(sink, HTG_SMTP_DATA_TIMEOUT="60")
    cluster = fault_database.cluster
    mark_retried = threading.Event()

    def start_once_a_mark_failed() -> None:
        if wait_for(lambda: "email_sent_mark_retry" in worker.log_path.read_text(), timeout=60):
            mark_retried.set()
        cluster.start()

    def database_fault(taken: int) -> None:
        if taken != 30:
            return
        if fault == "restart":
            cluster.restart()
            return
        cluster.stop()
        threading.Thread(target=start_once_a_mark_failed, daemon=True).start()

    sink.handler.before_answer = database_fault
    email_ids = _enqueue(150, prefix=f"pg{fault}")

    # when: the worker goes on; the scheduler's sweep runs meanwhile (it cannot while the database is down)
    def tick() -> None:
        try:
            emails_scheduler_tick(ahead=TWO_MINUTES)
        except Exception:  # the database is away: the real scheduler's task fails the same way and runs again
            from django.db import connections

            connections.close_all()

    done = wait_while_ticking(lambda: _safe_all_done(email_ids), tick, timeout=180)

    # then: every e-mail arrived exactly once: the mark after the 250 was retried until the database came back
    assert done, outbox_statuses(email_ids)
    if fault == "stop":
        assert mark_retried.is_set()
    assert outbox_statuses(email_ids) == Counter({"sent": 150})
    _assert_nothing_lost_nothing_duplicated(sink, email_ids)
    assert worker.process is not None and worker.process.poll() is None
    assert _worker_answers()


def _safe_all_done(email_ids: list[int]) -> bool:
    from django.db import DatabaseError, connections

    try:
        return _all_done(email_ids)
    except DatabaseError:
        connections.close_all()
        return False


def test_a_slow_answer_to_the_end_of_a_message_makes_it_unknown_and_it_is_sent_again_with_its_message_id(
    sink, worker_factory
):
    # given: a server that takes the first message and answers only after the sender stopped waiting (2 s here)
    worker_factory(sink)

    def slow_for_the_first(taken: int) -> None:
        sink.handler.answer_delay = 4 if taken == 1 else 0

    sink.handler.before_answer = slow_for_the_first
    email_ids = _enqueue(5, prefix="slow")

    # when: the sender gives up on the answer; the row waits its retry time, the sweep sends it again
    assert wait_for(lambda: OutboxEmail.objects.filter(pk__in=email_ids, status="unknown").exists(), timeout=60)
    unknown = OutboxEmail.objects.get(pk__in=email_ids, status="unknown")
    assert "No answer to the end of the message" in unknown.last_error
    done = wait_while_ticking(lambda: _all_done(email_ids), emails_scheduler_tick, timeout=90)

    # then: all sent; the slow one arrived twice with the one Message-ID (a receiver drops the copy), none lost
    assert done, outbox_statuses(email_ids)
    assert outbox_statuses(email_ids) == Counter({"sent": 5})
    unknown.refresh_from_db()
    assert unknown.attempts == 2
    assert sink.handler.message_ids()[unknown.message_id] == 2
    _assert_nothing_lost_nothing_duplicated(sink, email_ids, repeats_allowed=1)
    assert _worker_answers()

"""Item 8 of the outbox: a worker killed outright (SIGKILL) in the middle of a batch of 1,000 e-mails, then started
again: every e-mail arrives, each once except at most the one the killed worker was sending (its 250 may have been
read but not yet recorded), which arrives a second time with the same Message-ID. Real parts throughout:
PostgreSQL, Redis, a worker process, an SMTP sink."""

import datetime
import random
import time
from collections import Counter

import pytest
from django.db import transaction

from htg_migration import clock
from notifications.models import OutboxEmail
from notifications.services import EmailDraft, RecoverResult, email_claims_recover, email_enqueue_many, emails_sweep
from notifications.tasks import email_send_many_task
from tests.conftest import wait_for

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.worker,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

EMAILS = 1000
INVITED_CONTEXT = {
    "contact_name": "Jan de Vries",
    "company_name": "Voorbeeld B.V.",
    "flow_name": "NCTS",
    "intake_url": "https://example.org/intake/abc/",
    "due_date": "15 mei 2020",
}


def _statuses(email_ids):
    return Counter(OutboxEmail.objects.filter(pk__in=email_ids).values_list("status", flat=True))


def _wait_until_arrived(sink, count, timeout=90.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if len(sink.messages) >= count:
            return True
        time.sleep(0.001)
    return False


def test_a_worker_killed_in_the_middle_of_1000_emails_and_started_again_delivers_each_once_but_the_one_in_flight(
    sink_for_worker,
    celery_worker,
    test_seed,
):
    # given: 1,000 e-mails written in one transaction; on commit their sending goes to the worker in batches
    with transaction.atomic():
        emails = email_enqueue_many(
            emails=[
                EmailDraft(
                    to_address=f"contact{number:04d}@example.nl",
                    template_key="connection.invited",
                    language="nl",
                    context={**INVITED_CONTEXT, "contact_name": f"Contact {number}"},
                    dedupe_key=f"kill-test:{number}",
                )
                for number in range(EMAILS)
            ]
        )
    email_ids = [email.id for email in emails]
    assert len(email_ids) == EMAILS

    # when: the worker is killed (SIGKILL) at a random point once some, but not all, have arrived; the point comes
    # from the run's seed, so a failure can be replayed with the same HTG_TEST_SEED
    kill_after = random.Random(test_seed).randint(50, 900)
    replay = f"kill point {kill_after}, replay with HTG_TEST_SEED={test_seed}"
    assert _wait_until_arrived(sink_for_worker, kill_after), replay
    celery_worker.kill()
    arrived_before_restart = len(sink_for_worker.messages)
    at_kill = _statuses(email_ids)
    print(f"killed after {kill_after}: {arrived_before_restart} arrived, rows {dict(at_kill)}")
    assert 0 < arrived_before_restart < EMAILS, replay
    assert at_kill[OutboxEmail.Status.SENT] < EMAILS, replay

    # when: a new worker starts (it takes the batches still waiting in Redis) and the sweep runs as the scheduler
    # runs it (every minute; here every two seconds, each time as if a minute had passed). The dead worker's claim
    # is recovered once PostgreSQL has noticed that its session is gone (that can take a moment after a SIGKILL,
    # hence a sweep that runs again, as the real one does), and everything due is queued again (the rows of the
    # batch the dead worker had taken from Redis too; a row queued twice is still sent once: the claim decides)
    celery_worker.start()
    recovered = RecoverResult()
    sweeps = 0

    def scheduler_tick() -> bool:
        nonlocal sweeps
        if _statuses(email_ids)[OutboxEmail.Status.SENT] == EMAILS:
            return True
        found = email_claims_recover(now=clock.now())
        recovered.requeued += found.requeued
        for_the_sweep = emails_sweep(now=clock.now() + datetime.timedelta(minutes=2))
        for start in range(0, len(for_the_sweep), 200):
            email_send_many_task.apply_async(args=[for_the_sweep[start : start + 200]], queue=celery_worker.queue)
        sweeps += 1
        time.sleep(2)
        return False

    all_sent = wait_for(scheduler_tick, timeout=180)
    print(f"recovered {recovered} over {sweeps} sweeps")

    # then: every row is sent, and the sink got each message once, but for at most the one the killed worker had in
    # flight, which came a second time with the same Message-ID (a receiver can tell it is the same message)
    assert all_sent, f"{dict(_statuses(email_ids))}; {replay}"
    received = [message["Message-ID"] for message in sink_for_worker.messages]
    duplicates = {message_id: count for message_id, count in Counter(received).items() if count > 1}
    print(f"{len(received)} messages received, {len(set(received))} distinct, duplicates {duplicates}")
    assert len(duplicates) <= 1, replay
    assert set(duplicates.values()) <= {2}, replay
    assert len(received) == EMAILS + len(duplicates), replay
    rows = OutboxEmail.objects.filter(pk__in=email_ids)
    assert set(received) == set(rows.values_list("message_id", flat=True)), replay
    assert sorted({(message["Message-ID"], message["To"]) for message in sink_for_worker.messages}) == sorted(
        rows.values_list("message_id", "to_address")
    ), replay
    assert set(rows.values_list("attempts", flat=True)) == {1}, replay
    assert not rows.exclude(claimed_by="").exists(), replay
    assert not rows.exclude(last_error="").exists(), replay

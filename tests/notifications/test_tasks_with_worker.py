"""The outbox on a real Celery worker over Redis, against PostgreSQL, delivering to a real SMTP sink."""

import pytest
from django.db import connections

from notifications.models import OutboxEmail
from notifications.services import email_send
from notifications.tasks import email_send_task, emails_sweep_task
from tests.conftest import run_in_threads, wait_for
from tests.notifications.factories import OutboxEmailFactory

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.worker,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def _send_all(email_ids):
    def run():
        for email_id in email_ids:
            email_send(email_id=email_id)
        connections.close_all()

    return run


def test_fifty_lost_emails_are_delivered_exactly_once_with_two_sweeps_and_two_more_senders_at_once(
    sink_for_worker, celery_worker_queue
):
    # given: 50 queued e-mails whose tasks were lost
    emails = OutboxEmailFactory.create_batch(50)
    email_ids = [email.pk for email in emails]

    # when: two sweeps go to the worker at the same moment (two schedulers by mistake) while two threads here send
    # the same rows, competing with the worker for the row locks
    emails_sweep_task.apply_async(queue=celery_worker_queue)
    emails_sweep_task.apply_async(queue=celery_worker_queue)
    run_in_threads([_send_all(email_ids), _send_all(list(reversed(email_ids)))])
    assert wait_for(lambda: OutboxEmail.objects.filter(status=OutboxEmail.Status.SENT).count() == 50)
    # then drain the worker: a marker sent after the sweeps, then one after everything the sweeps queued
    for number in (1, 2):
        marker = OutboxEmailFactory(to_address=f"marker{number}@example.com")
        email_send_task.apply_async(args=[marker.pk], queue=celery_worker_queue)
        assert wait_for(lambda marker=marker: OutboxEmail.objects.get(pk=marker.pk).status == OutboxEmail.Status.SENT)

    # then: every e-mail arrived once, with the Message-ID its row records
    received = [message for message in sink_for_worker.messages if not message["To"].startswith("marker")]
    assert len(received) == 50
    assert sorted(message["To"] for message in received) == sorted(email.to_address for email in emails)
    recorded = dict(OutboxEmail.objects.filter(pk__in=email_ids).values_list("to_address", "message_id"))
    assert {message["To"]: message["Message-ID"] for message in received} == recorded
    assert set(OutboxEmail.objects.filter(pk__in=email_ids).values_list("attempts", flat=True)) == {1}

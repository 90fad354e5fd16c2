"""Two schedulers at once, a bulk job and the resume sweep, and a killed import, replayed with real processes: `celery
beat` (the app's schedule, its every-minute entries every second here: tests/faults/scheduler.py), Celery workers,
the test's own PostgreSQL cluster and redis-server, and an SMTP sink (tests/faults/conftest.py).

Only one scheduler should run, but a deployment can start two (a rolling update, a second host). Every periodic task
must then be harmless twice: the sweeps and resumes run from both, on two workers at once, and each e-mail still
arrives once and each bulk item is done once. An import killed with its worker is started again by the resume sweep
and imports each company once.
"""

import datetime
import threading
from collections import Counter

import pytest
from django.db import connections, transaction
from django.db.models import F
from django.utils import timezone

from connections.models import BulkJob, ConnectionEvent
from connections.services.bulk import bulk_job_create
from notifications.models import OutboxEmail
from notifications.services import EmailDraft, email_enqueue_many
from tests.conftest import wait_for
from tests.faults.conftest import outbox_statuses

pytestmark = [pytest.mark.faults]

FIVE_MINUTES = datetime.timedelta(minutes=5)


def test_two_schedulers_at_once_with_two_workers_send_each_email_once_and_do_each_bulk_item_once(
    sink, worker_factory, scheduler_factory
):
    from connections.models import Connection
    from tests.connections.factories import ConnectionFactory, team_member

    # given: 60 e-mails whose first sending tasks went to the queue more than a minute ago (so the sweeps take them
    # too), and a bulk job inviting 20 companies queued five minutes ago (so the resume sweeps take it too)
    member = team_member()
    invited = [ConnectionFactory() for _ in range(20)]
    with transaction.atomic():
        emails = email_enqueue_many(
            emails=[
                EmailDraft(
                    to_address=f"beat{number:03d}@example.nl",
                    template_key="connection.invited",
                    language="nl",
                    context={"contact_name": "Jan", "company_name": "Firma", "flow_name": "AGS",
                             "intake_url": "https://example.org/i/", "due_date": "15 mei 2020"},
                    dedupe_key=f"beat:{number}",
                )
                for number in range(60)
            ]
        )  # fmt: skip
        email_ids = [email.id for email in emails]
        OutboxEmail.objects.filter(pk__in=email_ids).update(queued_at=F("queued_at") - FIVE_MINUTES)
        job = bulk_job_create(
            created_by=member,
            action=BulkJob.Action.TRANSITION,
            transition="invite",
            connections=Connection.objects.filter(pk__in=[connection.pk for connection in invited]),
        )
        BulkJob.objects.filter(pk=job.pk).update(created_at=F("created_at") - FIVE_MINUTES)

    # when: two schedulers and two workers run at once (the schedulers' sweeps and resumes every second)
    worker_factory(sink)
    worker_factory(sink)
    first, second = scheduler_factory(seconds=1), scheduler_factory(seconds=1)

    def sweeps_ran_from_both() -> bool:
        return all(
            "emails-sweep" in scheduler.log_path.read_text() and "bulk-jobs-resume" in scheduler.log_path.read_text()
            for scheduler in (first, second)
        )

    def settled() -> bool:
        job.refresh_from_db()
        return (
            job.status == BulkJob.Status.FINISHED
            and outbox_statuses(email_ids)["sent"] == 60
            and not OutboxEmail.objects.exclude(status="sent").exists()
        )

    assert wait_for(lambda: sweeps_ran_from_both() and settled(), timeout=120), (outbox_statuses(email_ids), job)
    # a few more rounds of both schedulers over the finished work
    rounds_from = first.log_path.read_text().count("emails-sweep")
    assert wait_for(lambda: first.log_path.read_text().count("emails-sweep") >= rounds_from + 3, timeout=60)

    # then: every e-mail (the 60, and the bulk job's invitations) arrived once
    sent = dict(OutboxEmail.objects.values_list("message_id", "to_address"))
    assert len(sent) >= 60
    received = sink.handler.message_ids()
    assert set(received) == set(sent)
    assert [count for count in received.values() if count > 1] == []
    # and each connection was invited once: the job did each item once, none skipped as "already done"
    job.refresh_from_db()
    assert (job.total, job.done_count, job.skipped_count) == (20, 20, 0)
    invitations = Counter(ConnectionEvent.objects.filter(transition="invite").values_list("connection_id", flat=True))
    assert invitations == Counter({connection.pk: 1 for connection in invited})


def test_an_import_killed_with_its_worker_is_started_again_by_the_resume_sweep_and_imports_each_company_once(
    worker_factory, broker_for_this_process, tmp_path, settings
):
    from connections.models import Customer
    from imports.models import ImportBatch
    from imports.services import import_batch_apply_request, import_batch_create, import_batches_resume
    from imports.services.apply import CHUNK
    from tests.connections.factories import CustomerFactory, team_member
    from tests.imports.import_files import csv_bytes, row, upload

    # given: a checked registration list of one chunk of companies and 100 more (the worker checks it)
    settings.MEDIA_ROOT = tmp_path / "media"
    worker = worker_factory(DJANGO_MEDIA_ROOT=str(settings.MEDIA_ROOT))
    companies = CHUNK + 100
    rows = [
        row(
            eori=f"NL5{number:08d}",
            kvk_number=f"5{number:07d}",
            legal_name=f"Firma {number}",
            contact_email=f"contact{number}@firma{number}.example",
        )
        for number in range(companies)
    ]
    with transaction.atomic():
        batch = import_batch_create(created_by=team_member(), uploaded_file=upload(csv_bytes(rows)))

    def status() -> str:
        batch.refresh_from_db()
        return batch.status

    assert wait_for(lambda: status() == "valid", timeout=180), (batch.status, batch.errors[:3])

    # given: to catch the import in the middle, a colleague's transaction is registering the list's last company at
    # the same moment (not yet committed): the import waits at that row, its first chunk done
    registering, roll_back = threading.Event(), threading.Event()

    def colleague() -> None:
        try:
            with transaction.atomic():
                CustomerFactory(eori=rows[-1]["eori"])
                registering.set()
                roll_back.wait(timeout=300)
                transaction.set_rollback(True)
        finally:
            connections.close_all()

    thread = threading.Thread(target=colleague, daemon=True)
    thread.start()
    assert registering.wait(timeout=30)
    import_batch_apply_request(batch_id=batch.pk)

    def import_waits_midway() -> bool:
        with connections["default"].cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_locks WHERE NOT granted")
            waiting = cursor.fetchone()[0]
        return waiting > 0 and status() == "applying" and batch.processed_rows == CHUNK

    # when: the worker is SIGKILLed there, the colleague gives up, and the worker is started again
    assert wait_for(import_waits_midway, timeout=180), (batch.status, batch.processed_rows)
    worker.kill()
    roll_back.set()
    thread.join(timeout=30)
    assert Customer.objects.count() == 0  # one transaction: nothing of the import was written
    worker.start()

    # when: the resume sweep runs as the scheduler runs it, two minutes on (the batch has not moved since the kill)
    resumed = import_batches_resume(now=timezone.now() + datetime.timedelta(minutes=3))

    # then: started again from the beginning, imported in full, each company once; the page's flag says interrupted
    assert resumed == [batch.pk]
    assert wait_for(lambda: status() == "applied", timeout=180), batch.status
    assert batch.interrupted_at is not None
    assert batch.created_customers == companies
    assert Customer.objects.count() == companies
    assert Counter(Customer.objects.values_list("eori", flat=True)).most_common(1)[0][1] == 1
    # and a later sweep leaves the finished import alone
    assert import_batches_resume(now=timezone.now() + datetime.timedelta(minutes=3)) == []
    assert ImportBatch.objects.get(pk=batch.pk).status == "applied"

"""A broker that is away when a change commits: the change stands and its task is left to the sweep, instead of a
server error for a change that was committed (found by the Redis fault test; htg_migration/queueing.py). Here in one
process, with the broker pointed at a port where nothing listens."""

import datetime

import pytest
from django.db import transaction

from htg_migration.celery import app as celery_app
from notifications.models import OutboxEmail
from notifications.services import email_enqueue, emails_sweep
from tests.conftest import free_port

pytestmark = [pytest.mark.faults, pytest.mark.django_db]


@pytest.fixture
def broker_away():
    keys = ("broker_url", "task_always_eager")
    previous = {key: celery_app.conf[key] for key in keys}
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
    celery_app.conf.update(broker_url=f"redis://127.0.0.1:{free_port()}/0", task_always_eager=False)
    try:
        yield
    finally:
        celery_app._pool = None
        celery_app.amqp._producer_pool = None
        celery_app.conf.update(previous)


def test_an_email_written_while_the_broker_is_away_stays_written_and_the_sweep_finds_it(
    broker_away, django_capture_on_commit_callbacks, caplog
):
    # when: an e-mail is written and its transaction commits; sending its task fails
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        email = email_enqueue(
            to_address="anna@vandam.example",
            template_key="connection.invited",
            language="en",
            context={"contact_name": "Anna", "company_name": "Van Dam B.V.", "flow_name": "AGS",
                     "intake_url": "https://example.org/intake/abc/", "due_date": "15 May 2020"},
            dedupe_key="broker-away:1",
        )  # fmt: skip

    # then: no exception reached the caller; the row is queued, the failure logged, and the sweep takes the row
    email.refresh_from_db()
    assert email.status == OutboxEmail.Status.QUEUED
    assert any("on_commit" in record.getMessage() for record in caplog.records)
    assert emails_sweep(now=email.queued_at + datetime.timedelta(minutes=2)) == [email.pk]

"""A killed import resumes by itself: the every-minute sweep starts again a batch that has not moved for two
minutes and whose import lock is free; its rolled-back progress goes back to 0 and the page says it was interrupted.
A batch still running (its lock held) or that moved recently is left alone."""

import datetime

import pytest
from django.db import connections
from django.urls import reverse
from django.utils import timezone

from connections.models import Customer
from htg_migration.celery import app as celery_app
from imports.models import ImportBatch
from imports.services import import_batch_create, import_batches_resume
from imports.services.batches import _LOCK_BASE
from tests.connections.factories import UserFactory, team_member
from tests.imports.import_files import csv_bytes, row, upload

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def killed_import(django_capture_on_commit_callbacks, programme_flows):
    """A checked file of three companies whose import was killed at 2 of 3 rows: applying, progress 2, nothing
    written (the import is one transaction), last progress five minutes ago."""
    with django_capture_on_commit_callbacks(execute=True):
        batch = import_batch_create(
            created_by=UserFactory(),
            uploaded_file=upload(
                csv_bytes(
                    [
                        row(eori=f"NL50000000{number}", kvk_number=f"5000000{number}", legal_name=f"Firma {number}")
                        for number in range(3)
                    ]
                )
            ),
        )
    batch.refresh_from_db()
    assert batch.status == "valid"
    ImportBatch.objects.filter(pk=batch.pk).update(
        status="applying", processed_rows=2, progressed_at=timezone.now() - datetime.timedelta(minutes=5)
    )
    return batch


def test_a_killed_import_is_started_again_from_the_beginning_and_finishes(
    killed_import, django_capture_on_commit_callbacks
):
    # when: the sweep, with its task run as the worker runs it
    with django_capture_on_commit_callbacks(execute=True):
        resumed = import_batches_resume(now=timezone.now())

    # then
    killed_import.refresh_from_db()
    assert resumed == [killed_import.pk]
    assert killed_import.status == "applied"
    assert killed_import.interrupted_at is not None
    assert Customer.objects.filter(legal_name__startswith="Firma ").count() == 3


def test_the_page_shows_an_interrupted_import_without_its_rolled_back_progress(killed_import, client):
    # when: the sweep has found it (its task not yet run)
    import_batches_resume(now=timezone.now())
    client.force_login(team_member())
    page = client.get(reverse("imports:import_detail", args=[killed_import.pk])).content.decode()

    # then
    killed_import.refresh_from_db()
    assert killed_import.processed_rows == 0
    assert "The work was interrupted and started again" in page
    assert "Nothing of the interrupted import was written" in page


def test_an_import_that_still_holds_its_lock_or_moved_recently_is_left_alone(killed_import):
    # given: a run of the import holds its lock (in a transaction of its own, as import_batch_apply does)
    holder = connections.create_connection("default")
    holder.set_autocommit(False)
    with holder.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_BASE + killed_import.pk])
    try:
        # when / then
        assert import_batches_resume(now=timezone.now()) == []
    finally:
        holder.rollback()
        holder.close()
    killed_import.refresh_from_db()
    assert (killed_import.status, killed_import.processed_rows, killed_import.interrupted_at) == ("applying", 2, None)

    # and one that reported progress a minute ago is left alone too
    ImportBatch.objects.filter(pk=killed_import.pk).update(progressed_at=timezone.now() - datetime.timedelta(minutes=1))
    assert import_batches_resume(now=timezone.now()) == []


def test_the_sweep_runs_every_minute():
    entry = celery_app.conf.beat_schedule["imports-resume"]
    assert (entry["task"], entry["schedule"]) == ("imports.tasks.import_batches_resume_task", 60.0)

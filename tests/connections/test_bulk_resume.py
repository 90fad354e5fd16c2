"""The bulk-job resume sweep never starts a second copy of a job that is still running: it picks only jobs that
have not progressed for two minutes (or never started). Long jobs run on a queue of their own."""

import datetime
import importlib

import pytest
from django.conf import settings
from django.utils import timezone

from connections.models import BulkJob
from connections.services.bulk import bulk_jobs_unfinished
from htg_migration.celery import app as celery_app
from tests.connections.factories import team_member

pytestmark = pytest.mark.django_db


def _job(*, created_minutes_ago: int, progressed_minutes_ago: int | None, status=BulkJob.Status.RUNNING) -> BulkJob:
    now = timezone.now()
    member = team_member()
    return BulkJob.objects.create(
        created_by=member,
        action=BulkJob.Action.ASSIGN,
        assignee=member,
        status=status,
        created_at=now - datetime.timedelta(minutes=created_minutes_ago),
        progressed_at=None
        if progressed_minutes_ago is None
        else now - datetime.timedelta(minutes=progressed_minutes_ago),
    )


def test_only_jobs_quiet_for_two_minutes_or_never_started_are_resumed():
    running = _job(created_minutes_ago=30, progressed_minutes_ago=0)  # a long job, busy right now
    stalled = _job(created_minutes_ago=30, progressed_minutes_ago=5)  # its worker died five minutes ago
    lost = _job(created_minutes_ago=10, progressed_minutes_ago=None, status=BulkJob.Status.QUEUED)  # task lost
    fresh = _job(created_minutes_ago=1, progressed_minutes_ago=None, status=BulkJob.Status.QUEUED)  # just queued
    finished = _job(created_minutes_ago=30, progressed_minutes_ago=20, status=BulkJob.Status.FINISHED)

    resumed = bulk_jobs_unfinished()

    assert resumed == sorted([stalled.pk, lost.pk])
    assert {running.pk, fresh.pk, finished.pk}.isdisjoint(resumed)


def test_a_run_records_its_progress_so_the_sweep_leaves_it_alone(programme_flows):
    from connections.services.bulk import bulk_job_run
    from tests.connections.factories import ConnectionFactory

    job = _job(created_minutes_ago=30, progressed_minutes_ago=None, status=BulkJob.Status.QUEUED)
    job.items.create(connection=ConnectionFactory())

    bulk_job_run(job_id=job.pk)

    job.refresh_from_db()
    assert job.status == BulkJob.Status.FINISHED
    assert timezone.now() - job.progressed_at < datetime.timedelta(minutes=1)


def test_long_jobs_are_routed_to_their_own_queue_and_e_mails_stay_on_the_default_one():
    router = celery_app.amqp.router

    def queue_of(name: str) -> str:
        return router.route({}, name)["queue"].name

    for name in settings.LONG_TASKS:
        assert queue_of(name) == settings.HTG_CELERY_LONG_QUEUE == "long"
    for name in ("notifications.tasks.email_send_task", "notifications.tasks.email_send_many_task"):
        assert queue_of(name) == celery_app.conf.task_default_queue
    for name in settings.LONG_TASKS:  # each route names a task that exists
        module, _dot, function = name.rpartition(".")
        assert getattr(importlib.import_module(module), function).name == name

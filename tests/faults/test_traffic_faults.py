"""A gateway's traffic file applied by a real worker process on the test's own PostgreSQL and Redis, with the worker
SIGKILLed in the middle of the apply's transaction (its COPY into the staging table, or the INSERT of the counts): the
transaction is gone with the process, the file still says "applying" and has counted nothing, and the every-minute
job (`traffic_files_resume`) gives it its task again: it is applied once, every row counted once, its senders'
totals and the rollup not doubled."""

import datetime
import io

import pytest
from django.db import connection
from django.db.models import Sum
from django.utils import timezone

from tests.conftest import wait_for
from tests.traffic.files import row, traffic_csv
from traffic.models import TrafficCount, TrafficDaily, TrafficFile, TrafficSender
from traffic.services.receive import traffic_file_receive, traffic_files_resume

pytestmark = [pytest.mark.faults]
ROWS = 120_000  # an apply of a few seconds: long enough to be caught in the middle


def _file() -> bytes:
    """One HTG day: ROWS senders with 3 messages each (one flow, production, out)."""
    return traffic_csv([row(sender=f"HTG-{number:07d}-8", messages="3", errors="0") for number in range(ROWS)])


def _status(file_id: int) -> str:
    return TrafficFile.objects.values_list("status", flat=True).get(pk=file_id)


def _applying_in_the_database() -> bool:
    """The apply's transaction is at work: a statement on its staging table or on the counts is running."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND pid <> pg_backend_pid() "
            "AND (query ILIKE '%%traffic_staging_%%' OR query ILIKE 'INSERT INTO traffic_trafficcount%%')"
        )
        return bool(cursor.fetchone()[0])


def test_a_worker_killed_in_the_middle_of_an_apply_leaves_nothing_and_the_resume_applies_the_file_once(
    worker_factory, settings, tmp_path
):
    # given: the worker and this process share the files; a file from the gateways' feed (checked, then applied
    # without anyone pressing Apply) on its way to the worker
    media = tmp_path / "media"
    settings.MEDIA_ROOT = media
    worker = worker_factory(DJANGO_MEDIA_ROOT=str(media), HTG_CLOCK_DATE="2020-05-15")
    content = _file()
    traffic_file = traffic_file_receive(
        name="htg-2020-03-02.csv", content=io.BytesIO(content), size=len(content), source=TrafficFile.Source.API
    )

    # when: the worker is SIGKILLed while the apply's transaction runs
    assert wait_for(_applying_in_the_database, timeout=180), _status(traffic_file.pk)
    worker.kill()

    # then: the transaction died with it: nothing counted, the file still waits for its apply
    assert wait_for(lambda: not _applying_in_the_database(), timeout=30)
    assert _status(traffic_file.pk) == TrafficFile.Status.APPLYING
    assert not TrafficCount.objects.filter(file_id=traffic_file.pk).exists()
    assert not TrafficSender.objects.exists()

    # when: a worker runs again and the every-minute job finds the file stuck (past its wait)
    worker.start()
    resumed = traffic_files_resume(now=timezone.now() + datetime.timedelta(hours=1))
    assert resumed == [traffic_file.pk]
    assert wait_for(lambda: _status(traffic_file.pk) == TrafficFile.Status.APPLIED, timeout=180)

    # then: every row counted once, the totals not doubled
    assert TrafficCount.objects.filter(file_id=traffic_file.pk).count() == ROWS
    assert TrafficSender.objects.count() == ROWS
    assert TrafficSender.objects.aggregate(total=Sum("messages_total"))["total"] == 3 * ROWS
    assert (
        TrafficDaily.objects.filter(day=datetime.date(2020, 3, 2), gateway="htg").aggregate(total=Sum("messages"))[
            "total"
        ]
        == 3 * ROWS
    )

"""Tasks carried by a real Redis broker to a real Celery worker process, against the test database."""

import pytest

from connections.models import Connection, ConnectionEvent
from connections.tasks import connection_transition_task, connections_mark_missed_task
from tests.conftest import wait_for
from tests.connections.factories import ConnectionFactory, UserFactory, walk_to

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.worker,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def _live_connection(flow, actor):
    return walk_to(ConnectionFactory(flow=flow), "live", actor)


def test_the_worker_records_open_connections_as_missed_after_the_deadline_once(celery_worker_queue, programme_flows):
    # given: the programme's deadline (30 June 2020) has passed; two connections went live in time
    walker = UserFactory(is_superuser=True)
    live = _live_connection(programme_flows["AGS"], walker)
    marker = _live_connection(programme_flows["CID"], walker)
    late = [ConnectionFactory(flow=programme_flows[code]) for code in ("NCTS", "SW")]
    events_before = ConnectionEvent.objects.count()

    # when: the sweep runs twice on the worker, then a marker task that tells us both are done
    connections_mark_missed_task.apply_async(queue=celery_worker_queue)
    connections_mark_missed_task.apply_async(queue=celery_worker_queue)
    connection_transition_task.apply_async(args=[marker.pk, "close_digipoort", "marker"], queue=celery_worker_queue)

    # then: each late connection is missed once, by the system; the live one is left alone
    assert wait_for(lambda: Connection.objects.get(pk=marker.pk).state == "digipoort_closed")
    assert {connection.state for connection in Connection.objects.filter(pk__in=[c.pk for c in late])} == {"missed"}
    assert Connection.objects.get(pk=live.pk).state == "live"
    assert ConnectionEvent.objects.count() - events_before == 3  # two missed, one marker
    assert ConnectionEvent.objects.filter(transition="mark_missed", actor__isnull=True).count() == 2


def test_running_the_same_transition_task_twice_does_the_work_once(celery_worker_queue, programme_flows):
    # given
    connection = ConnectionFactory(flow=programme_flows["AGS"])
    marker = ConnectionFactory(flow=programme_flows["NCTS"])

    # when
    connection_transition_task.apply_async(args=[connection.pk, "invite", "bulk"], queue=celery_worker_queue)
    connection_transition_task.apply_async(args=[connection.pk, "invite", "bulk"], queue=celery_worker_queue)
    connection_transition_task.apply_async(args=[marker.pk, "invite", "marker"], queue=celery_worker_queue)

    # then
    assert wait_for(lambda: Connection.objects.get(pk=marker.pk).state == "invited")
    assert Connection.objects.get(pk=connection.pk).state == "invited"
    assert ConnectionEvent.objects.filter(connection=connection).count() == 1

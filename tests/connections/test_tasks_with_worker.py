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


def test_a_ladder_sweep_runs_its_batches_as_tasks_on_the_worker_once_each(celery_worker_queue, monkeypatch, settings):
    # given: three due direct customers and a hub with two due clients, in batches of one (hub clients together)
    import datetime

    from connections.models import Customer
    from connections.services import ladder
    from connections.services.transitions import connection_transition
    from notifications.models import OutboxEmail
    from tests.connections.factories import AMSTERDAM, ContactFactory, CustomerFactory

    monkeypatch.setattr(ladder, "LADDER_BATCH", 1)
    settings.HTG_DUE_BUSINESS_DAYS = {"invited": 3, "slot_offered": 3, "testing": 3}  # due on Thursday 14 May
    walker = UserFactory(is_superuser=True)
    invited_at = datetime.datetime(2020, 5, 11, 10, tzinfo=AMSTERDAM)
    hub = CustomerFactory(role=Customer.Role.HUB)
    ContactFactory(customer=hub)
    customers = [CustomerFactory() for _number in range(3)] + [CustomerFactory(hub=hub) for _number in range(2)]
    connections = []
    for customer in customers:
        if customer.hub_id is None:
            ContactFactory(customer=customer)
        connection = ConnectionFactory(customer=customer)
        invited = connection_transition(connection_id=connection.pk, transition="invite", actor=walker, at=invited_at)
        connections.append(invited)

    # when: the sweep starts (outside a transaction: its group goes to the worker at once), twice
    now = datetime.datetime(2020, 5, 15, 10, tzinfo=AMSTERDAM)
    started = ladder.ladder_sweep_start(now=now)
    ids = [connection.pk for connection in connections]
    assert wait_for(lambda: set(Connection.objects.filter(pk__in=ids).values_list("reminder_count", flat=True)) == {1})
    again = ladder.ladder_sweep_start(now=now)

    # then: four batch tasks (three customers, one hub), each connection one rung up, three reminders and one hub
    # e-mail; the second start finds nothing due
    assert (started, again) == (4, 0)
    keys = sorted(OutboxEmail.objects.exclude(template_key="connection.invited").values_list("template_key", flat=True))
    assert keys == ["connection.reminder"] * 3 + ["hub.reminder"]

"""Webhook deliveries by a real worker process into a real HTTP receiver on loopback, with the faults of processes:
a worker SIGKILLed in the middle of 1,000 deliveries loses none (a copy only of those it had sent but not yet
recorded, each with the same event id), keeps each connection's order, and a receiver answering 500 for a while
gets everything once it answers 200 (tests/faults/conftest.py: the own PostgreSQL, Redis and worker)."""

import datetime
import random
from collections import Counter, defaultdict

import pytest
from django.db import transaction

from tests.connections.factories import ConnectionFactory, CustomerFactory
from tests.connections.portal_factories import company_contact
from tests.faults.conftest import wait_while_ticking
from tests.webhooks.factories import endpoint_for
from tests.webhooks.receiver import running_receiver
from webhooks.models import EventKind, WebhookDelivery
from webhooks.services import EventDraft, events_record

pytestmark = [pytest.mark.faults]
MOMENT = datetime.datetime(2020, 5, 15, 10, tzinfo=datetime.UTC)
CLAIM_BATCH = 20  # the worker's claim: at most this many sent and not yet recorded when it dies


def _hub_with_clients(count: int):
    hub = company_contact(role="hub")
    connection_ids = [ConnectionFactory(customer=CustomerFactory(hub=hub.customer)).pk for _ in range(count)]
    return hub, connection_ids


def _write(hub, connection_ids: list[int], total: int, *, per_transaction: int = 100) -> list[int]:
    """`total` events, round-robin over the connections, in transactions of `per_transaction` as changes would write
    them (each queues its task on commit, to the worker)."""
    from connections.models import Connection

    customers = dict(Connection.objects.filter(pk__in=connection_ids).values_list("pk", "customer_id"))
    ids: list[int] = []
    for start in range(0, total, per_transaction):
        with transaction.atomic():
            ids += events_record(
                events=[
                    EventDraft(EventKind.STATE_CHANGED, customers[connection_ids[n % len(connection_ids)]],
                               connection_ids[n % len(connection_ids)], {"n": n}, MOMENT)
                    for n in range(start, min(start + per_transaction, total))
                ]
            )  # fmt: skip
    return ids


def _sweep_tick() -> None:
    """What the `webhooks-sweep` beat entry does, from this process: recover dead senders' claims, queue a send."""
    from htg_migration import clock
    from webhooks.services.sending import webhook_claims_recover
    from webhooks.tasks import webhook_deliveries_send_task

    webhook_claims_recover(now=clock.now())
    webhook_deliveries_send_task.delay()


def _all_delivered(event_ids: list[int]) -> bool:
    done = WebhookDelivery.objects.filter(event_id__in=event_ids, status="delivered").count()
    return done == len(event_ids)


def _assert_in_order_per_connection(received, connection_of: dict[int, int]) -> None:
    """Per connection, the event ids as they arrived never go back (a copy comes right after its first)."""
    arrived: dict[int, list[int]] = defaultdict(list)
    for item in received:
        arrived[connection_of[item.event_id]].append(item.event_id)
    for connection_id, ids in arrived.items():
        assert ids == sorted(ids), (connection_id, ids)


def test_a_worker_killed_in_the_middle_of_1000_deliveries_loses_none_and_keeps_each_connection_s_order(
    worker_factory, test_seed
):
    # given: a hub's endpoint on a receiver, 1,000 events of 20 clients' connections, a worker sending them
    with running_receiver() as receiver:
        hub, connection_ids = _hub_with_clients(20)
        _endpoint, receiver.secret = endpoint_for(hub, url=receiver.url, kinds=[EventKind.STATE_CHANGED])
        worker = worker_factory(HTG_WEBHOOK_CLAIM_BATCH=str(CLAIM_BATCH))
        event_ids = _write(hub, connection_ids, 1000)

        # when: the worker is SIGKILLed once some, not all, have arrived (the point from the run's seed), then
        # started again; the scheduler's sweep runs meanwhile
        kill_after = random.Random(test_seed).randint(50, 900)
        assert wait_while_ticking(lambda: len(receiver.received) >= kill_after, lambda: None, timeout=180)
        worker.kill()
        arrived_at_kill = len(receiver.received)
        print(f"killed after {arrived_at_kill} arrived (seed {test_seed})")
        worker.start()
        done = wait_while_ticking(lambda: _all_delivered(event_ids), _sweep_tick, timeout=300)

        # then: every event arrived, signed; copies only of what was sent and not yet recorded, each twice at most
        assert done, Counter(WebhookDelivery.objects.values_list("status", flat=True))
        assert 0 < arrived_at_kill < 1000
        received = list(receiver.received)
        counts = Counter(item.event_id for item in received)
        assert set(counts) == set(event_ids)
        repeated = {event_id: count for event_id, count in counts.items() if count > 1}
        assert len(repeated) <= CLAIM_BATCH, repeated
        assert set(repeated.values()) <= {2}, repeated
        assert all(item.signature_valid and item.status == 200 for item in received)
        connection_of = dict(WebhookDelivery.objects.values_list("event_id", "connection_id"))
        _assert_in_order_per_connection(received, connection_of)
        assert not WebhookDelivery.objects.exclude(claimed_by="").exists()


def test_a_receiver_answering_500_then_too_late_then_200_gets_every_event_in_order(worker_factory):
    # given: a receiver that fails the first calls (500s, then a call it answers too late), a worker retrying soon
    with running_receiver() as receiver:
        hub, connection_ids = _hub_with_clients(3)
        _endpoint, receiver.secret = endpoint_for(hub, url=receiver.url, kinds=[EventKind.STATE_CHANGED])
        receiver.statuses.extend([500, 500, 503, 500])
        receiver.delays.extend([0, 0, 0, 0, 3])
        worker_factory(
            HTG_WEBHOOK_RETRY_BASE_SECONDS="1", HTG_WEBHOOK_RETRY_MAX_SECONDS="2", HTG_WEBHOOK_TIMEOUT_SECONDS="1"
        )

        # when
        event_ids = _write(hub, connection_ids, 30, per_transaction=10)
        done = wait_while_ticking(lambda: _all_delivered(event_ids), _sweep_tick, timeout=180)

        # then: every event arrived; the one answered too late was sent again (the sender cannot know it arrived),
        # with the same event id
        assert done, Counter(WebhookDelivery.objects.values_list("status", flat=True))
        delivered = receiver.delivered()
        assert all(item.signature_valid for item in delivered)
        counts = Counter(item.event_id for item in delivered)
        assert set(counts) == set(event_ids)
        assert sorted(counts.values()) == [1] * (len(event_ids) - 1) + [2]
        assert len([item for item in receiver.received if item.status >= 500]) == 4
        connection_of = dict(WebhookDelivery.objects.values_list("event_id", "connection_id"))
        _assert_in_order_per_connection(delivered, connection_of)
        # one attempt each, and one more for each of the four 5xx answers and the late one
        assert sum(WebhookDelivery.objects.values_list("attempts", flat=True)) == len(event_ids) + 5

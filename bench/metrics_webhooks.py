"""Budgets of the webhooks (issue 17 item 8): how many deliveries one worker makes per second into a receiver."""

import http.client
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING
from unittest import mock

if TYPE_CHECKING:
    from bench.run import BenchContext, Metric

DELIVERIES = 2000  # the same at every size: the sender's rate does not depend on the register's
CONNECTIONS = 200  # the events' connections: a claim takes the first waiting delivery of each
ROUNDS = 3  # rounds of (floor, value); the best rate of each side counts, as for emails_per_s


class _CountingHandler(BaseHTTPRequestHandler):
    """Answers every POST with 200 over a kept connection (HTTP/1.1), and counts it."""

    protocol_version = "HTTP/1.1"
    received = 0
    lock = threading.Lock()

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers["Content-Length"]))
        with _CountingHandler.lock:
            _CountingHandler.received += 1
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def _events(customer_id: int, connection_ids: list[int]) -> list[int]:
    """DELIVERIES events of the endpoint's company, round-robin over the connections, one transaction per 100 (as
    changes write them); the task each commit would queue is not published (no broker in the bench)."""
    import datetime

    from django.db import transaction

    from webhooks import tasks
    from webhooks.models import EventKind
    from webhooks.services import EventDraft, events_record

    moment = datetime.datetime(2020, 5, 15, 10, tzinfo=datetime.UTC)
    ids: list[int] = []
    with mock.patch.object(tasks.webhook_events_task, "delay"):
        for start in range(0, DELIVERIES, 100):
            with transaction.atomic():
                ids += events_record(
                    events=[
                        EventDraft(
                            EventKind.STATE_CHANGED,
                            customer_id,
                            connection_ids[number % len(connection_ids)],
                            {"bench": number, "to_state": "slot_booked"},
                            moment,
                        )
                        for number in range(start, start + 100)
                    ]
                )
    return ids


def _http_client_rate(port: int, event_ids: list[int], secret: str) -> float:
    """Requests per second of plain http.client POSTing the same bodies, built and signed beforehand, over one kept
    connection."""
    from webhooks.models import Event
    from webhooks.services.sending import webhook_body, webhook_headers

    requests = []
    for event in Event.objects.filter(pk__in=event_ids).order_by("id"):
        body = webhook_body(event)
        requests.append((body, webhook_headers(event_id=event.pk, secret=secret, body=body, timestamp="1589536800")))
    started = time.perf_counter()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    for body, headers in requests:
        connection.request("POST", "/hook", body=body, headers=headers)
        response = connection.getresponse()
        response.read()
        if response.status != 200:
            raise RuntimeError(f"the receiver answered {response.status}")
    connection.close()
    return len(requests) / (time.perf_counter() - started)


def _sender_rate(event_ids: list[int]) -> float:
    """Deliveries per second of `webhook_deliveries_send` (what the worker's task runs) until all are delivered."""
    from webhooks.models import WebhookDelivery
    from webhooks.services.sending import webhook_deliveries_send

    started = time.perf_counter()
    while webhook_deliveries_send(batches=1000).delivered:
        pass
    seconds = time.perf_counter() - started
    delivered = WebhookDelivery.objects.filter(event_id__in=event_ids, status="delivered").count()
    if delivered != len(event_ids):
        raise RuntimeError(f"the sender delivered {delivered} of {len(event_ids)}")
    return len(event_ids) / seconds


def metric_webhooks_per_s(context: "BenchContext") -> list["Metric"]:
    """`webhooks_per_s`: deliveries per second that one worker makes, the best of three rounds (beside the floor's
    best of the same rounds, measured just before each): 2,000 events a round over 200 connections, written by
    `events_record` with their delivery rows for one endpoint, then sent as the worker's task sends them:
    `webhook_deliveries_send` (claims of HTG_WEBHOOK_CLAIM_BATCH rows committed before any request, the first
    waiting delivery of each connection, each event's JSON body signed with HMAC-SHA256 and POSTed by http.client
    over one kept connection, the 2xx answers of a batch recorded by one UPDATE) into an http.server receiver on
    127.0.0.1 that only counts them. Floor: plain http.client POSTing the same bodies, built and signed
    beforehand, over one kept connection to the same receiver. Ratio floor / value; goal: at least half the plain
    loop's rate (a ratio of at most 2)."""
    from django.test import override_settings

    from bench.run import rate_metric, vacuum
    from connections.models import Connection
    from webhooks.models import Event, WebhookEndpoint
    from webhooks.services.endpoints import endpoint_create

    server = ThreadingHTTPServer(("127.0.0.1", 0), _CountingHandler)
    server.daemon_threads = True
    port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    connections = list(Connection.objects.order_by("id").values_list("id", "customer_id")[:CONNECTIONS])
    customer_id = connections[0][1]
    floors, values = [], []
    endpoint = None
    event_ids: list[int] = []
    _CountingHandler.received = 0
    try:
        with override_settings(HTG_WEBHOOK_ALLOW_PRIVATE=True):
            endpoint, secret = endpoint_create(
                customer_id=customer_id,
                url=f"http://127.0.0.1:{port}/hook",
                kinds=["connection.state_changed"],
                owner_email="bench@example.org",
                owner_language="en",
            )
            for _round in range(ROUNDS):
                vacuum(context.connection, "webhooks_event", "webhooks_webhookdelivery")
                event_ids = _events(customer_id, [connection_id for connection_id, _customer in connections])
                floors.append(_http_client_rate(port, event_ids, secret))
                values.append(_sender_rate(event_ids))
                Event.objects.filter(pk__in=event_ids).delete()
        if _CountingHandler.received != 2 * DELIVERIES * ROUNDS:
            raise RuntimeError(f"the receiver got {_CountingHandler.received}, not {2 * DELIVERIES * ROUNDS}")
        floor, value = max(floors), max(values)
        print(
            f"bench: webhooks_per_s rounds: {[round(rate) for rate in values]} "
            f"against {[round(rate) for rate in floors]}"
        )
    finally:
        if endpoint is not None:
            WebhookEndpoint.objects.filter(pk=endpoint.pk).delete()
        Event.objects.filter(pk__in=event_ids).delete()
        server.shutdown()
        server.server_close()
    return [rate_metric("webhooks_per_s", context.size, value, "/s", floor)]

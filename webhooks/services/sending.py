"""Sending the deliveries: claim due rows, POST each event to its endpoint, record what happened on its row.

A sender claims exactly as the e-mail outbox does (notifications.services.sending): a claim token whose advisory lock
a transaction of its own holds while the sender lives (`ClaimHolder`), rows marked sending with that token in one
committed transaction before any request, and a sweep that puts the rows of a dead sender back in the queue. A claim
takes only the first unfinished delivery of each (endpoint, connection): the next one of the same connection waits
until that one is delivered or has failed for good, so a receiver gets each connection's events in order.

A row is marked delivered after the receiver's 2xx; a sender killed between the two sends that row again (at least
once: the same event id, for the receiver to drop the copy)."""

import dataclasses
import datetime
import hashlib
import hmac
import http.client
import json
import logging
import time
from collections import defaultdict
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q

from htg_migration import clock
from notifications.services import ClaimHolder, claim_holder_gone, claim_token
from webhooks.models import Event, WebhookDelivery, WebhookEndpoint
from webhooks.services.addresses import AddressRefusedError, webhook_connection, webhook_target
from webhooks.services.endpoints import endpoint_pause

ERROR_MAX_LENGTH = 2000
RESPONSE_READ_LIMIT = 64 * 1024  # what is read of an answer; a longer one closes the connection
SWEEP_GRACE = datetime.timedelta(minutes=1)
USER_AGENT = "HTG-Migration-Webhooks/1.0"

logger = logging.getLogger(__name__)


def webhook_body(event: Event) -> bytes:
    """What the receiver gets: {id, type, occurred_at, data}, as compact UTF-8 JSON."""
    document = {
        "id": event.pk,
        "type": event.kind,
        "occurred_at": event.occurred_at.isoformat(),
        "data": event.payload,
    }
    return json.dumps(document, separators=(",", ":"), ensure_ascii=False).encode()


def webhook_signature(*, secret: str, timestamp: str, body: bytes) -> str:
    """HMAC-SHA256 with the endpoint's secret over the timestamp, a dot and the body, as `sha256=<hex>`."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def webhook_headers(*, event_id: int, secret: str, body: bytes, timestamp: str) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "X-HTG-Event-Id": str(event_id),
        "X-HTG-Timestamp": timestamp,
        "X-HTG-Signature": webhook_signature(secret=secret, timestamp=timestamp, body=body),
    }


def _backoff(attempts: int) -> datetime.timedelta:
    seconds = settings.HTG_WEBHOOK_RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0)
    return datetime.timedelta(seconds=min(seconds, settings.HTG_WEBHOOK_RETRY_MAX_SECONDS))


def _describe(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"[:ERROR_MAX_LENGTH]


@dataclasses.dataclass
class SendResult:
    """What one call of `webhook_deliveries_send` did."""

    delivered: int = 0
    retrying: int = 0
    failed: int = 0


def _due(now: datetime.datetime) -> Q:
    return Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)


def _claim(*, token: str, now: datetime.datetime, limit: int) -> list[WebhookDelivery]:
    """Take up to `limit` due pending deliveries of active endpoints, each the first unfinished one of its (endpoint,
    connection), and mark them sending with the token, in one committed transaction."""
    earlier = WebhookDelivery.objects.filter(
        endpoint_id=OuterRef("endpoint_id"),
        connection_id=OuterRef("connection_id"),
        id__lt=OuterRef("id"),
        status__in=[WebhookDelivery.Status.PENDING, WebhookDelivery.Status.SENDING],
    )
    with transaction.atomic():
        # The ids first, in id order (the pending index), stopping after `limit`; the rows with their event and
        # endpoint are read after the claim, so the locking query joins nothing it need not.
        claimed_ids = list(
            WebhookDelivery.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(_due(now), status=WebhookDelivery.Status.PENDING, endpoint__state=WebhookEndpoint.State.ACTIVE)
            .exclude(Exists(earlier))
            .order_by("id")
            .values_list("id", flat=True)[:limit]
        )
        if claimed_ids:
            WebhookDelivery.objects.filter(pk__in=claimed_ids).update(
                status=WebhookDelivery.Status.SENDING, claimed_by=token, claimed_at=now
            )
    if not claimed_ids:
        return []
    return list(WebhookDelivery.objects.select_related("event", "endpoint").filter(pk__in=claimed_ids).order_by("id"))


class _Connections:
    """One kept connection per endpoint address for the length of a sending run."""

    def __init__(self) -> None:
        self.open: dict[tuple[str, str], http.client.HTTPConnection] = {}

    def get(self, url: str) -> tuple[http.client.HTTPConnection, bool]:
        parts = urlsplit(url)
        key = (parts.scheme, parts.netloc)
        if key in self.open:
            return self.open[key], True
        opened = webhook_connection(url, timeout=settings.HTG_WEBHOOK_TIMEOUT_SECONDS)
        self.open[key] = opened
        return opened, False

    def drop(self, url: str) -> None:
        parts = urlsplit(url)
        opened = self.open.pop((parts.scheme, parts.netloc), None)
        if opened is not None:
            opened.close()

    def close(self) -> None:
        for opened in self.open.values():
            opened.close()
        self.open.clear()


def _post(connections: _Connections, delivery: WebhookDelivery) -> int:
    """POST the event to the endpoint and return the answer's status code (a redirect is an answer like any other:
    never followed). A kept connection the receiver closed meanwhile is opened afresh once."""
    endpoint = delivery.endpoint
    body = webhook_body(delivery.event)
    headers = webhook_headers(
        event_id=delivery.event_id, secret=endpoint.secret, body=body, timestamp=str(int(time.time()))
    )
    for _try in range(2):
        opened, reused = connections.get(endpoint.url)
        try:
            opened.request("POST", webhook_target(endpoint.url), body=body, headers=headers)
            response = opened.getresponse()
            response.read(RESPONSE_READ_LIMIT)
            if not response.isclosed():
                connections.drop(endpoint.url)  # an answer longer than we read: not worth keeping
            return response.status
        except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
            connections.drop(endpoint.url)
            if not reused:
                raise
        except BaseException:
            connections.drop(endpoint.url)
            raise
    raise AssertionError("unreachable")


def _record_failure(delivery: WebhookDelivery, *, error: str, status_code: int | None, now: datetime.datetime) -> bool:
    """Tried again after a doubling wait until HTG_WEBHOOK_RETRY_HOURS after its first failure; then the delivery
    fails and its endpoint is paused (its owner e-mailed). Returns whether it failed for good."""
    attempts = delivery.attempts + 1
    retry_until = delivery.retry_until or now + datetime.timedelta(hours=settings.HTG_WEBHOOK_RETRY_HOURS)
    finished = now >= retry_until
    WebhookDelivery.objects.filter(pk=delivery.pk, claimed_by=delivery.claimed_by).update(
        status=WebhookDelivery.Status.FAILED if finished else WebhookDelivery.Status.PENDING,
        attempts=attempts,
        retry_until=retry_until,
        next_attempt_at=None if finished else now + _backoff(attempts),
        last_error=error,
        last_status_code=status_code,
        claimed_by="",
        claimed_at=None,
    )
    if finished:
        endpoint_pause(endpoint_id=delivery.endpoint_id, reason=error, now=now)
    return finished


def _record_delivered(delivered: dict[int, list[int]], *, token: str, now: datetime.datetime) -> None:
    """The 2xx answers of a batch, one UPDATE per status code."""
    for status_code, delivery_ids in delivered.items():
        WebhookDelivery.objects.filter(pk__in=delivery_ids, claimed_by=token).update(
            status=WebhookDelivery.Status.DELIVERED,
            delivered_at=now,
            attempts=F("attempts") + 1,
            last_status_code=status_code,
            last_error="",
            next_attempt_at=None,
            claimed_by="",
            claimed_at=None,
        )


def _send_batch(
    claimed: list[WebhookDelivery], *, connections: _Connections, token: str, now: datetime.datetime, result: SendResult
) -> None:
    delivered: dict[int, list[int]] = defaultdict(list)
    try:
        for delivery in claimed:
            try:
                status_code = _post(connections, delivery)
            except (OSError, http.client.HTTPException, AddressRefusedError) as error:
                finished = _record_failure(delivery, error=_describe(error), status_code=None, now=now)
            else:
                if 200 <= status_code < 300:
                    delivered[status_code].append(delivery.pk)
                    continue
                finished = _record_failure(delivery, error=f"HTTP {status_code}", status_code=status_code, now=now)
            if finished:
                result.failed += 1
            else:
                result.retrying += 1
    finally:
        _record_delivered(delivered, token=token, now=now)
        result.delivered += sum(len(ids) for ids in delivered.values())


def webhook_deliveries_send(*, now: datetime.datetime | None = None, batches: int = 50) -> SendResult:
    """Send due deliveries, claimed in batches of HTG_WEBHOOK_CLAIM_BATCH (at most `batches` of them), over one kept
    connection per endpoint, and record each outcome on its row. Safe to run twice and at the same time."""
    now = now or clock.now()
    result = SendResult()
    if not WebhookDelivery.objects.filter(_due(now), status=WebhookDelivery.Status.PENDING).exists():
        return result  # most commits that write events have no delivery: no claim holder for them
    token = claim_token()
    connections = _Connections()
    claim = ClaimHolder(token)
    claim.take()
    try:
        for _batch in range(batches):
            claimed = _claim(token=token, now=now, limit=settings.HTG_WEBHOOK_CLAIM_BATCH)
            if not claimed:
                break
            _send_batch(claimed, connections=connections, token=token, now=now, result=result)
    finally:
        connections.close()
        claim.release()
    return result


def webhook_deliveries_due(*, now: datetime.datetime) -> bool:
    """Whether a delivery waits whose task may have been lost: a retry whose time has come, or a first try still
    waiting a minute after it was written."""
    due = Q(next_attempt_at__lte=now) | Q(next_attempt_at__isnull=True, created_at__lt=now - SWEEP_GRACE)
    return WebhookDelivery.objects.filter(
        due, status=WebhookDelivery.Status.PENDING, endpoint__state=WebhookEndpoint.State.ACTIVE
    ).exists()


def webhook_claims_recover(*, now: datetime.datetime) -> int:
    """The claims of senders that are gone (a worker killed mid-batch): their rows go back to the queue, due now,
    and are sent again (the same event id)."""
    requeued = 0
    tokens = WebhookDelivery.objects.exclude(claimed_by="").values_list("claimed_by", flat=True).distinct().order_by()
    for token in list(tokens):
        with transaction.atomic():
            if not claim_holder_gone(token):
                continue
            mine = WebhookDelivery.objects.filter(claimed_by=token)
            requeued += mine.filter(status=WebhookDelivery.Status.SENDING).update(
                status=WebhookDelivery.Status.PENDING, claimed_by="", claimed_at=None, next_attempt_at=now
            )
            mine.update(claimed_by="", claimed_at=None)  # a row delivered meanwhile keeps its status
    return requeued

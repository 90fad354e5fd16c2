"""Writing events: each a row in the caller's transaction, fanned out in the same statement to a delivery row for
every endpoint that chose its kind and may see it; the deliveries are sent once that transaction commits."""

import dataclasses
import datetime
import json
from collections.abc import Sequence
from typing import Any

from django.db import connection, transaction
from django.db.transaction import TransactionManagementError

from htg_migration.queueing import task_queue_on_commit
from webhooks.models import EventKind

# One statement: the events, then a delivery per (event, endpoint) for the endpoints of the event's company and of
# its hub (the portal's rule, connections.selectors.company_access.portal_customers: a hub sees its clients) that
# chose the event's kind. Paused endpoints get theirs too: they wait, in order, until the endpoint is resumed.
EVENTS_INSERT_SQL = """
WITH new_events AS (
    INSERT INTO webhooks_event (kind, customer_id, connection_id, payload, occurred_at)
    SELECT * FROM unnest(%s::varchar[], %s::bigint[], %s::bigint[], %s::jsonb[], %s::timestamptz[])
    RETURNING id, kind, customer_id, connection_id, occurred_at
), new_deliveries AS (
    INSERT INTO webhooks_webhookdelivery (event_id, endpoint_id, connection_id, status, attempts, created_at,
                                          last_error, claimed_by)
    SELECT e.id, endpoint.id, e.connection_id, 'pending', 0, e.occurred_at, '', ''
    FROM new_events e
    JOIN connections_customer customer ON customer.id = e.customer_id
    JOIN webhooks_webhookendpoint endpoint
      ON (endpoint.customer_id = e.customer_id OR endpoint.customer_id = customer.hub_id)
     AND jsonb_exists(endpoint.kinds, e.kind)
    ORDER BY e.id, endpoint.id
    RETURNING id
)
SELECT (SELECT array_agg(id ORDER BY id) FROM new_events), (SELECT count(*) FROM new_deliveries)
"""


@dataclasses.dataclass(frozen=True)
class EventDraft:
    """One event for `events_record`. `payload` is JSON-like data the company (and its hub) may see in the portal."""

    kind: str
    customer_id: int
    connection_id: int | None
    payload: dict[str, Any]
    occurred_at: datetime.datetime


def events_record(*, events: Sequence[EventDraft]) -> list[int]:
    """Write the events in the caller's transaction, and their deliveries, in one statement; their publishing in the
    feed and their sending are queued once the transaction commits (never before: a rolled-back change sends
    nothing). Returns the events' ids.

    Never blocks the caller beyond that statement: no request is made here, and the queueing after the commit logs
    a broker that is away instead of failing (the sweep sends the deliveries then)."""
    if not transaction.get_connection().in_atomic_block:
        raise TransactionManagementError("events_record must run inside the transaction of the change it reports.")
    if not events:
        return []
    for draft in events:
        if draft.kind not in EventKind.values:
            raise ValueError(f"Unknown event kind: {draft.kind!r}.")
    with connection.cursor() as cursor:
        cursor.execute(
            EVENTS_INSERT_SQL,
            [
                [draft.kind for draft in events],
                [draft.customer_id for draft in events],
                [draft.connection_id for draft in events],
                [json.dumps(draft.payload) for draft in events],
                [draft.occurred_at for draft in events],
            ],
        )
        event_ids, _delivery_count = cursor.fetchone()
    from webhooks.tasks import webhook_events_task

    task_queue_on_commit(webhook_events_task.delay)
    return list(event_ids)


def event_record(
    *,
    kind: str,
    customer_id: int,
    connection_id: int | None,
    payload: dict[str, Any],
    occurred_at: datetime.datetime,
) -> int:
    """`events_record` for one event; returns its id."""
    return events_record(
        events=[EventDraft(kind, customer_id, connection_id, payload, occurred_at)],
    )[0]


PUBLISH_LOCK = (7_340_103, 1)  # the advisory lock that makes publishers take turns (transaction-level)
PUBLISH_BATCH = 5000

# The committed events without a place, oldest first, get the next places after the last one given: publishers take
# turns on the lock, so the places follow the order in which the events' transactions committed.
PUBLISH_SQL = """
WITH waiting AS (
    SELECT id, row_number() OVER (ORDER BY id) AS number
    FROM webhooks_event WHERE position IS NULL ORDER BY id LIMIT %s
), last AS (
    SELECT coalesce(max(position), 0) AS position FROM webhooks_event
)
UPDATE webhooks_event SET position = last.position + waiting.number
FROM waiting, last WHERE webhooks_event.id = waiting.id
"""


def events_publish() -> int:
    """Give the committed events their places in the feed (`Event.position`), in the order their transactions
    committed; returns how many. Run after every commit that wrote events (their task) and by the sweep."""
    published = 0
    while True:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", list(PUBLISH_LOCK))
            cursor.execute(PUBLISH_SQL, [PUBLISH_BATCH])
            count = cursor.rowcount
        published += count
        if count < PUBLISH_BATCH:
            return published

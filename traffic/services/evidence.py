"""The traffic's evidence per company and flow (connections.models.TrafficEvidence), derived from the counts in the
transaction that applies a file (derived.refresh), or for everyone at once (the demo, a rebuild).

One statement recomputes the facts of the companies concerned from all their counts (the first HTG test and
production days, the last Digipoort days, the Digipoort production volume after the day the connection went live)
and upserts them; rows whose traffic a replacement file removed are deleted. Then the connections service may move
connections live (HTG_TRAFFIC_AUTO_LIVE). The rules that read these facts are in connections/selectors/traffic.py.
"""

import datetime
from typing import Any

from django.conf import settings
from django.db import connection as database

from connections.services.traffic import traffic_evidence_go_live
from htg_migration import clock

# The facts of the customers in %(filter)s, from every count of theirs; the live day as the connection has it now.
_UPSERT = """
WITH facts AS (
    SELECT customer_id, flow_id,
        min(day) FILTER (WHERE gateway = 'htg' AND environment = 'test' AND messages > 0) AS first_htg_test_on,
        min(day) FILTER (WHERE gateway = 'htg' AND environment = 'production' AND messages > 0)
            AS first_htg_production_on,
        max(day) FILTER (WHERE gateway = 'htg' AND environment = 'production' AND messages > 0)
            AS last_htg_production_on,
        max(day) FILTER (WHERE gateway = 'digipoort' AND messages > 0) AS last_digipoort_on,
        max(day) FILTER (WHERE gateway = 'digipoort' AND environment = 'production' AND messages > 0)
            AS last_digipoort_production_on,
        coalesce(sum(messages) FILTER (WHERE gateway = 'digipoort' AND environment = 'production'), 0)
            AS digipoort_production_messages
    FROM traffic_trafficcount
    WHERE customer_id IS NOT NULL {count_filter}
    GROUP BY customer_id, flow_id
    HAVING sum(messages) > 0
), connections AS (
    SELECT id, customer_id, flow_id,
        CASE WHEN state = 'live' THEN (state_changed_at AT TIME ZONE %(time_zone)s)::date END AS live_on
    FROM connections_connection
    WHERE true {connection_filter}
), since AS (
    SELECT count.customer_id, count.flow_id, sum(count.messages) AS messages
    FROM traffic_trafficcount count
    JOIN connections ON connections.customer_id = count.customer_id AND connections.flow_id = count.flow_id
    WHERE connections.live_on IS NOT NULL AND count.day > connections.live_on
        AND count.gateway = 'digipoort' AND count.environment = 'production' {since_filter}
    GROUP BY count.customer_id, count.flow_id
)
INSERT INTO connections_trafficevidence (
    customer_id, flow_id, connection_id, first_htg_test_on, first_htg_production_on, last_htg_production_on,
    last_digipoort_on, last_digipoort_production_on, digipoort_production_messages, live_on, digipoort_since_live,
    updated_at
)
SELECT facts.customer_id, facts.flow_id, connections.id, facts.first_htg_test_on, facts.first_htg_production_on,
    facts.last_htg_production_on, facts.last_digipoort_on, facts.last_digipoort_production_on,
    facts.digipoort_production_messages, connections.live_on, coalesce(since.messages, 0), %(now)s
FROM facts
LEFT JOIN connections ON connections.customer_id = facts.customer_id AND connections.flow_id = facts.flow_id
LEFT JOIN since ON since.customer_id = facts.customer_id AND since.flow_id = facts.flow_id
ON CONFLICT (customer_id, flow_id) DO UPDATE SET
    connection_id = EXCLUDED.connection_id,
    first_htg_test_on = EXCLUDED.first_htg_test_on,
    first_htg_production_on = EXCLUDED.first_htg_production_on,
    last_htg_production_on = EXCLUDED.last_htg_production_on,
    last_digipoort_on = EXCLUDED.last_digipoort_on,
    last_digipoort_production_on = EXCLUDED.last_digipoort_production_on,
    digipoort_production_messages = EXCLUDED.digipoort_production_messages,
    live_on = EXCLUDED.live_on,
    digipoort_since_live = EXCLUDED.digipoort_since_live,
    updated_at = EXCLUDED.updated_at
"""

# Evidence of the customers concerned that their counts no longer support (a replacement file took it away).
_DELETE_STALE = """
DELETE FROM connections_trafficevidence evidence
WHERE evidence.customer_id = ANY(%(customers)s) AND NOT EXISTS (
    SELECT 1 FROM traffic_trafficcount count
    WHERE count.customer_id = evidence.customer_id AND count.flow_id = evidence.flow_id AND count.messages > 0
)
"""

# The customers a file of (gateway, day) concerns: those it counts now, and those whose evidence names that day (a
# replacement file may have dropped them).
_CONCERNED = """
SELECT DISTINCT customer_id FROM traffic_trafficcount
WHERE gateway = %(gateway)s AND day = %(day)s AND customer_id IS NOT NULL
UNION
SELECT customer_id FROM connections_trafficevidence
WHERE %(day)s IN (first_htg_test_on, first_htg_production_on, last_htg_production_on, last_digipoort_on,
                  last_digipoort_production_on)
"""


def evidence_customers(*, gateway: str, day: datetime.date) -> list[int]:
    with database.cursor() as cursor:
        cursor.execute(_CONCERNED, {"gateway": gateway, "day": day})
        return [row[0] for row in cursor.fetchall()]


def evidence_refresh(*, customer_ids: list[int] | None) -> list[int]:
    """Derive the evidence of these customers (None: everyone) from their counts, then let the connections service
    act on it (auto-live). Runs inside the caller's transaction. Returns the connections that went live."""
    if customer_ids is not None and not customer_ids:
        return []
    parameters: dict[str, Any] = {"time_zone": settings.TIME_ZONE, "now": clock.now(), "customers": customer_ids}
    filters = {"count_filter": "", "connection_filter": "", "since_filter": ""}
    if customer_ids is not None:
        filters = {
            "count_filter": "AND customer_id = ANY(%(customers)s)",
            "connection_filter": "AND customer_id = ANY(%(customers)s)",
            "since_filter": "AND count.customer_id = ANY(%(customers)s)",
        }
    with database.cursor() as cursor:
        if customer_ids is not None:
            cursor.execute(_DELETE_STALE, parameters)
        cursor.execute(_UPSERT.format(**filters), parameters)
    return traffic_evidence_go_live(customer_ids=customer_ids)


def evidence_refresh_for_file(*, gateway: str, day: datetime.date) -> list[int]:
    """The evidence of the customers an applied file of (gateway, day) concerns (derived.refresh calls this)."""
    return evidence_refresh(customer_ids=evidence_customers(gateway=gateway, day=day))

"""Demo traffic: every demo company's messages through both gateways for the days before the demo's day, as the
states in its timeline allow, written in bulk by SQL (INSERT ... SELECT over generate_series, straight into the
monthly partitions), then the daily rollup and the evidence derived from them as an apply derives them.

Per connection: Digipoort production traffic until it goes live (the day it goes live included), fading out over
the three days after, except for a straggler (about 1 in 20) that keeps sending via Digipoort; HTG test traffic from
the day it entered "testing" until it goes live; HTG production from the day it went live (and for one in four whose
test passed, from two days after: the team sees "go live" proposed). Nothing via Digipoort
after "Digipoort closed". Besides: one company in ten sends the flows it has no connection for via Digipoort, and a few
senders match no company at all. Volumes are deterministic (hashes of ids and days), so the same demo gives the same
traffic. Business days only.
"""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db import connection as database
from django.db import transaction

from connections.models import TrafficEvidence
from htg_migration.errors import ApplicationError
from traffic.models import TrafficFile
from traffic.services.evidence import evidence_refresh
from traffic.services.partitions import ensure_month, next_month_start

DEFAULT_DAYS = 182

_FILES = """
INSERT INTO traffic_trafficfile (gateway, day, name, sha256, size, source, received_at, file, status, report,
    error_count, rows, checked_at, applied_at)
SELECT gateway, day::date, 'demo-' || gateway || '-' || day::date || '.csv',
    encode(sha256(convert_to('demo-' || gateway || '-' || day::date, 'UTF8')), 'hex'), 0, 'inbox',
    day + interval '1 day 6 hours', '', 'applied', '[]', 0, 0, day + interval '1 day 6 hours',
    day + interval '1 day 6 hours'
FROM generate_series(%(first)s::date, %(last)s::date, interval '1 day') AS day
CROSS JOIN (VALUES ('htg'), ('digipoort')) AS gateways (gateway)
WHERE extract(isodow FROM day) < 6
"""

_SENDERS = """
INSERT INTO traffic_trafficsender (gateway, scheme, identity, customer_id, first_seen, last_seen, messages_total)
SELECT 'htg', 'htg', htg_number, id, %(first)s, %(first)s, 0 FROM connections_customer WHERE htg_number IS NOT NULL
UNION ALL
SELECT 'digipoort', 'eori', eori, id, %(first)s, %(first)s, 0 FROM connections_customer
UNION ALL
SELECT 'digipoort', 'oin', lpad((900000000 + number)::text, 20, '0'), NULL, %(first)s, %(first)s, 0
FROM generate_series(1, %(unknown)s) AS number
ON CONFLICT (gateway, scheme, identity) DO NOTHING
"""

# One row per connection (or company and flow without one, or unknown sender) and business day that has traffic.
_COUNTS = """
WITH milestones AS (
    SELECT connection.id, connection.customer_id, connection.flow_id, abs(hashtext('demo' || connection.id)) AS seed,
        min((event.created_at AT TIME ZONE %(time_zone)s)::date) FILTER (WHERE event.to_state = 'testing')
            AS testing_on,
        min((event.created_at AT TIME ZONE %(time_zone)s)::date) FILTER (WHERE event.to_state = 'test_passed')
            AS passed_on,
        min((event.created_at AT TIME ZONE %(time_zone)s)::date) FILTER (WHERE event.to_state = 'live') AS live_on,
        min((event.created_at AT TIME ZONE %(time_zone)s)::date) FILTER (WHERE event.to_state = 'digipoort_closed')
            AS closed_on
    FROM connections_connection connection
    LEFT JOIN connections_connectionevent event ON event.connection_id = connection.id
        AND event.from_state <> event.to_state
    GROUP BY connection.id
), days AS (
    SELECT day::date AS day FROM generate_series(%(first)s::date, %(last)s::date, interval '1 day') AS day
    WHERE extract(isodow FROM day) < 6
), plan AS (
    SELECT milestones.*, days.day, 5 + milestones.seed %% 120 AS base,
        abs(hashtext(milestones.id || ':' || days.day)) %% 40 AS jitter
    FROM milestones CROSS JOIN days
), rows AS (
    -- Digipoort production: until live, fading over three days, stragglers go on; nothing after "closed"
    SELECT plan.day, 'digipoort' AS gateway, 'production' AS environment, plan.flow_id, plan.customer_id,
        CASE
            WHEN plan.live_on IS NULL OR plan.day <= plan.live_on THEN plan.base * (80 + plan.jitter) / 100
            WHEN plan.seed %% 20 = 0 THEN greatest(1, plan.base * (10 + plan.jitter) / 100)
            ELSE greatest(1, plan.base * (4 - (plan.day - plan.live_on)) / 10)
        END AS messages
    FROM plan
    WHERE (plan.live_on IS NULL OR plan.day <= plan.live_on + 3 OR plan.seed %% 20 = 0)
        AND (plan.closed_on IS NULL OR plan.day < plan.closed_on)
    UNION ALL
    -- HTG test: from "testing" until live
    SELECT plan.day, 'htg', 'test', plan.flow_id, plan.customer_id, 2 + plan.jitter %% 10
    FROM plan
    WHERE plan.testing_on IS NOT NULL AND plan.day >= plan.testing_on
        AND (plan.live_on IS NULL OR plan.day < plan.live_on)
    UNION ALL
    -- HTG production: from live on (and, for one in four, from two days after the test passed: "live" is proposed)
    SELECT plan.day, 'htg', 'production', plan.flow_id, plan.customer_id, plan.base * (80 + plan.jitter) / 100
    FROM plan
    WHERE (plan.live_on IS NOT NULL AND plan.day >= plan.live_on)
        OR (plan.live_on IS NULL AND plan.seed %% 4 = 0 AND plan.day > plan.passed_on + 2)
    UNION ALL
    -- companies (1 in 10) sending the flows they have no connection for via Digipoort
    SELECT days.day, 'digipoort', 'production', flow.id, customer.id,
        3 + abs(hashtext(customer.id || ':' || days.day)) %% 20
    FROM connections_customer customer
    CROSS JOIN plateaus_messageflow flow
    CROSS JOIN days
    WHERE customer.id %% 10 = 0
        AND NOT EXISTS (
            SELECT 1 FROM connections_connection connection
            WHERE connection.customer_id = customer.id AND connection.flow_id = flow.id
        )
), senders AS (
    SELECT customer_id, max(id) FILTER (WHERE gateway = 'htg') AS htg, max(id) FILTER (WHERE gateway = 'digipoort')
        AS digipoort
    FROM traffic_trafficsender WHERE customer_id IS NOT NULL GROUP BY customer_id
), files AS (
    SELECT day, max(id) FILTER (WHERE gateway = 'htg') AS htg, max(id) FILTER (WHERE gateway = 'digipoort')
        AS digipoort
    FROM traffic_trafficfile WHERE status = 'applied' AND day BETWEEN %(first)s AND %(last)s GROUP BY day
)
INSERT INTO traffic_trafficcount (day, file_id, gateway, environment, direction, flow_id, sender_id, customer_id,
    messages, errors, first_at, last_at)
SELECT rows.day, CASE WHEN rows.gateway = 'htg' THEN files.htg ELSE files.digipoort END, rows.gateway,
    rows.environment, 'in', rows.flow_id, CASE WHEN rows.gateway = 'htg' THEN senders.htg ELSE senders.digipoort END,
    rows.customer_id, rows.messages, rows.messages / 50, (rows.day + time '07:05') AT TIME ZONE %(time_zone)s,
    (rows.day + time '17:55') AT TIME ZONE %(time_zone)s
FROM rows
JOIN senders ON senders.customer_id = rows.customer_id
JOIN files ON files.day = rows.day
WHERE rows.messages > 0 AND (CASE WHEN rows.gateway = 'htg' THEN senders.htg ELSE senders.digipoort END) IS NOT NULL
"""

# The unknown senders: each sends one flow via Digipoort every business day.
_UNKNOWN_COUNTS = """
INSERT INTO traffic_trafficcount (day, file_id, gateway, environment, direction, flow_id, sender_id, customer_id,
    messages, errors)
SELECT file.day, file.id, 'digipoort', 'production', 'in', flow.id, sender.id, NULL,
    1 + abs(hashtext(sender.id || ':' || file.day)) %% 30, 0
FROM traffic_trafficsender sender
JOIN traffic_trafficfile file ON file.gateway = 'digipoort' AND file.status = 'applied'
    AND file.day BETWEEN %(first)s AND %(last)s
JOIN LATERAL (
    SELECT id FROM plateaus_messageflow ORDER BY abs(hashtext(sender.identity || code)) LIMIT 1
) AS flow ON true
WHERE sender.gateway = 'digipoort' AND sender.customer_id IS NULL
"""

_SENDER_TOTALS = """
UPDATE traffic_trafficsender sender
SET first_seen = totals.first_seen, last_seen = totals.last_seen, messages_total = totals.messages
FROM (
    SELECT sender_id, min(day) AS first_seen, max(day) AS last_seen, sum(messages) AS messages
    FROM traffic_trafficcount GROUP BY sender_id
) AS totals
WHERE totals.sender_id = sender.id
"""

_ROLLUP = """
INSERT INTO traffic_trafficdaily (day, gateway, environment, flow_id, plateau_id, messages, errors, senders)
SELECT count.day, count.gateway, count.environment, count.flow_id, flow.plateau_id,
    sum(count.messages), sum(count.errors), count(DISTINCT count.sender_id)
FROM traffic_trafficcount count JOIN plateaus_messageflow flow ON flow.id = count.flow_id
GROUP BY count.day, count.gateway, count.environment, count.flow_id, flow.plateau_id
"""

_FILE_ROWS = """
UPDATE traffic_trafficfile file SET rows = counted.rows
FROM (SELECT file_id, count(*) AS rows FROM traffic_trafficcount GROUP BY file_id) AS counted
WHERE counted.file_id = file.id
"""


_ANALYZED = (
    "connections_customer",
    "connections_connection",
    "connections_connectionevent",
    "traffic_trafficsender",
    "traffic_trafficfile",
)


class DemoTrafficExists(ApplicationError):
    """Demo traffic goes only into a database without traffic files (or after a reset)."""


@dataclass(frozen=True)
class DemoTrafficResult:
    first_day: datetime.date
    last_day: datetime.date
    files: int
    counts: int
    senders: int
    evidence: int


def traffic_demo_reset() -> None:
    """Delete all traffic: counts, files, senders, the rollup and the evidence."""
    with database.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(
            "TRUNCATE traffic_trafficcount, traffic_trafficdaily, traffic_trafficsender, traffic_trafficfile, "
            "connections_trafficevidence"
        )
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")


@transaction.atomic
def traffic_demo_seed(
    *, as_of: datetime.date, days: int = DEFAULT_DAYS, reset: bool = False, skip_foreign_key_checks: bool = False
) -> DemoTrafficResult:
    """Traffic for the `days` days before `as_of`, for every company of the register (demo_seed first).

    `skip_foreign_key_checks` (the benchmarks' tens of millions of rows; needs a superuser) writes the counts with
    the foreign key triggers off for this transaction only (SET LOCAL): every row is made by joining the very rows
    it refers to, so the checks could only confirm what the joins already ensure."""
    if not 1 <= days <= 400:
        raise ApplicationError("The number of days of demo traffic must be between 1 and 400.")
    if reset:
        traffic_demo_reset()
    elif TrafficFile.objects.exists():
        raise DemoTrafficExists("There is traffic already: reset the demo traffic first. Nothing was changed.")
    first, last = as_of - datetime.timedelta(days=days), as_of - datetime.timedelta(days=1)
    month = first.replace(day=1)
    while month <= last:
        ensure_month(month)
        month = next_month_start(month)
    with database.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM connections_customer")
        customers = cursor.fetchone()[0]
        parameters = {
            "first": first,
            "last": last,
            "time_zone": settings.TIME_ZONE,
            "unknown": max(3, customers // 200),
        }
        cursor.execute(_FILES, parameters)
        files = cursor.rowcount
        cursor.execute(_SENDERS, parameters)
        # Fresh statistics for the joins below (the companies were just written in bulk too).
        for table in _ANALYZED:
            cursor.execute(f"ANALYZE {table}")
        if skip_foreign_key_checks:
            cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(_COUNTS, parameters)
        counts = cursor.rowcount
        cursor.execute(_UNKNOWN_COUNTS, parameters)
        counts += cursor.rowcount
        if skip_foreign_key_checks:
            cursor.execute("SET LOCAL session_replication_role = origin")
        cursor.execute(_SENDER_TOTALS)
        cursor.execute(_FILE_ROWS)
        cursor.execute("DELETE FROM traffic_trafficdaily")
        cursor.execute(_ROLLUP)
        cursor.execute("SELECT count(*) FROM traffic_trafficsender")
        senders = cursor.fetchone()[0]
        cursor.execute("ANALYZE traffic_trafficcount")
    evidence_refresh(customer_ids=None)
    return DemoTrafficResult(
        first_day=first,
        last_day=last,
        files=files,
        counts=counts,
        senders=senders,
        evidence=TrafficEvidence.objects.count(),
    )

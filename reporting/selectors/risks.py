"""Today's risk list without scoring every pending connection: the same rows and number at risk as `risk_query`, read
through indexes and today's daily snapshot.

Why the few rows suffice: within one flow and state, every connection has the same score from its state and flow
(too few days left, little slack, a blocked flow), and one that entered the state earlier is past its due moment at
least as soon, so it scores at least as much and comes first in the order (score, then entry, then id). The rest of a
score (an open escalation, a bounced address, a hub with many clients) belongs to few connections, all of which are
scored. So the list's rows are among the first `shown` of each flow and state plus those few, which is what is scored.

The number at risk: every connection of a flow and state whose state or flow alone scores (from today's counts), plus
in the others those past their due moment (counted from the index alone) and those few that score without being so.
"""

import datetime
from typing import Any

from django.conf import settings

from connections.models import Connection, Contact, Customer, DailyCount, Escalation
from notifications.models import SuppressedAddress
from plateaus.models import MessageFlow
from reporting.selectors.queries import (
    Aggregate,
    Reference,
    placeholders,
    step_flags,
    table,
)


def risk_query_today(reference: Reference, *, today: datetime.date) -> Aggregate:
    """Today's risk list as `risk_query` gives it (columns, order, number at risk), for a today whose daily snapshot
    is open (its counts are read)."""
    steps, steps_params = step_flags(reference)
    flows = reference.flow_ids
    blocked = reference.blocked_flow_ids
    connection, customer = table(Connection), table(Customer)
    base = "4 * g.is_late + g.is_tight + 2 * g.blocked"
    # Read with each candidate: joining the candidates back to the table made the planner scan all of it.
    flow_rows = ", ".join(["(%s::bigint)"] * len(flows)) or "(NULL::bigint)"
    columns = "c.id, c.customer_id, c.flow_id, c.state, c.state_changed_at"
    sql = f"""WITH {steps},
    groups AS (
        SELECT f.flow_id, st.state, st.steps_left, st.days_needed, st.is_late, st.is_tight, st.no_response_before,
            CASE WHEN f.flow_id IN ({placeholders(blocked)}) THEN 1 ELSE 0 END AS blocked
        FROM (VALUES {flow_rows}) AS f (flow_id) CROSS JOIN steps st),
    hubs AS (SELECT hub_id, COUNT(*) AS clients FROM {customer} WHERE hub_id IS NOT NULL GROUP BY hub_id),
    escalated AS (SELECT DISTINCT connection_id FROM {table(Escalation)} WHERE closed_at IS NULL),
    bounced AS (SELECT DISTINCT ct.customer_id FROM {table(Contact)} ct
        JOIN {table(SuppressedAddress)} sa ON sa.address = LOWER(ct.email)),
    heads AS (
        SELECT h.* FROM groups g CROSS JOIN LATERAL (
            SELECT {columns} FROM {connection} c WHERE c.flow_id = g.flow_id AND c.state = g.state
            ORDER BY c.state_changed_at, c.id LIMIT %s) h),
    few AS (
        SELECT {columns} FROM {connection} c JOIN escalated x ON x.connection_id = c.id
        UNION SELECT {columns} FROM {connection} c JOIN bounced b ON b.customer_id = c.customer_id
        UNION SELECT {columns} FROM {connection} c JOIN hubs h ON h.hub_id = c.customer_id
            WHERE h.clients >= %s AND c.state IN (SELECT state FROM steps)),
    flagged AS (
        SELECT c.id, c.customer_id, c.flow_id, c.state, c.state_changed_at AS entered_at, g.steps_left,
            g.days_needed, g.is_late, g.is_tight,
            CASE WHEN c.state_changed_at < g.no_response_before THEN 1 ELSE 0 END AS no_response,
            CASE WHEN x.connection_id IS NULL THEN 0 ELSE 1 END AS escalated,
            CASE WHEN b.customer_id IS NULL THEN 0 ELSE 1 END AS bounced,
            g.blocked, COALESCE(h.clients, 0) AS hub_clients, {base} AS base
        FROM (SELECT * FROM heads UNION SELECT * FROM few) c
        JOIN groups g ON g.flow_id = c.flow_id AND g.state = c.state
        LEFT JOIN escalated x ON x.connection_id = c.id LEFT JOIN bounced b ON b.customer_id = c.customer_id
        LEFT JOIN hubs h ON h.hub_id = c.customer_id),
    scored AS (
        SELECT flagged.*, base + 2 * no_response + 3 * escalated + 2 * bounced
            + CASE WHEN hub_clients >= %s THEN 1 ELSE 0 END AS score
        FROM flagged),
    counted AS (
        SELECT (SELECT COALESCE(SUM(dc.count), 0) FROM {table(DailyCount)} dc
                JOIN groups g ON g.flow_id = dc.flow_id AND g.state = dc.state WHERE dc.day = %s AND {base} > 0)
            + (SELECT COUNT(*) FROM groups g CROSS JOIN LATERAL (
                SELECT 1 FROM {connection} c WHERE c.flow_id = g.flow_id AND c.state = g.state
                AND c.state_changed_at < g.no_response_before) late
                WHERE {base} = 0 AND g.no_response_before IS NOT NULL)
            + (SELECT COUNT(*) FROM scored WHERE score > 0 AND base = 0 AND no_response = 0) AS at_risk),
    ranked AS (
        SELECT scored.*, counted.at_risk FROM scored CROSS JOIN counted WHERE score > 0
        ORDER BY score DESC, entered_at, id LIMIT %s)
    SELECT r.id, cu.legal_name, cu.htg_number, f.code, r.state, r.entered_at, r.steps_left, r.days_needed, r.is_late,
        r.is_tight, r.no_response, r.escalated, r.bounced, r.blocked, r.hub_clients, r.score, r.at_risk
    FROM ranked r JOIN {customer} cu ON cu.id = r.customer_id JOIN {table(MessageFlow)} f ON f.id = r.flow_id
    ORDER BY r.score DESC, r.entered_at, r.id"""  # noqa: S608 - names and placeholders only
    shown: int = settings.HTG_DASHBOARD_RISKS_SHOWN
    many: int = settings.HTG_HUB_MANY_CLIENTS
    params: list[Any] = [*steps_params, *blocked, *flows, shown, many, many, today, shown]
    return Aggregate(sql=sql, params=tuple(params))

"""The dashboard's reads: two of reference data, then one aggregate query per part, a fixed number whatever the size.

A connection's state "as of" a day is its current state when the day is today, else the state its timeline reached
before that day ended (Europe/Amsterdam): the target of its last event before then, or "planned" when it had none.
Connections created after the day do not exist yet. Each aggregate is an `Aggregate` (an ORM queryset, or raw SQL
where the ORM would work out each connection's state again for every mention of it) that exposes its SQL, so the
benchmark runs exactly the same SQL raw as its floor.
"""

import datetime
import zoneinfo
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection as database
from django.db.models import Count, F, IntegerField, Model, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce, TruncDate

from connections.models import (
    HAPPY_PATH,
    OPEN_STATES,
    WAITING_ON_CUSTOMER,
    Connection,
    ConnectionEvent,
    ConnectionState,
    Contact,
    Customer,
    Escalation,
    Slot,
    SlotBooking,
)
from connections.permissions import CONNECTION_TEAM, CORE_TEAM
from connections.services.snapshots import LIVE_STATES
from htg_migration.calendar import subtract_business_days
from notifications.models import SuppressedAddress
from plateaus.models import GovernmentParty, MessageFlow, Plateau, Programme
from plateaus.planning import working_days_left

S = ConnectionState
# Not yet live and still going somewhere: what the risk list and the capacity look at.
PENDING_STATES = (*(state.value for state in OPEN_STATES), S.ON_HOLD.value)
# A connection in these states still needs a slot booked (on hold: where it was is not in the timeline's state).
NEEDS_SLOT_STATES = (
    S.PLANNED.value,
    S.INVITED.value,
    S.AWAITING_TLS.value,
    S.INTAKE_RECEIVED.value,
    S.SLOT_OFFERED.value,
    S.ON_HOLD.value,
)
# Steps still to take before live; on hold counts as from the start (it may be anywhere, and it is stuck).
STEPS_LEFT = {state.value: HAPPY_PATH.index(S.LIVE) - index for index, state in enumerate(HAPPY_PATH[:-2])}
STEPS_LEFT[S.ON_HOLD.value] = STEPS_LEFT[S.PLANNED.value]
STEPS_LEFT[S.AWAITING_TLS.value] = STEPS_LEFT[S.INTAKE_RECEIVED.value] + 1  # confirming TLS 1.2 is a step more


@dataclass(frozen=True)
class FlowReference:
    id: int
    code: str
    name_nl: str
    name_en: str
    plateau_id: int
    # Government parties not (yet) connected to HTG on the day: the flow is blocked while there is one.
    waiting_parties: tuple[str, ...]

    @property
    def is_blocked(self) -> bool:
        return bool(self.waiting_parties)


@dataclass(frozen=True)
class Reference:
    """What the aggregates are computed for: the programme, its plateaus and flows as they were on the day."""

    as_of: datetime.date
    is_today: bool
    programme: Programme | None
    plateaus: list[Plateau]
    flows: list[FlowReference]
    day_end: datetime.datetime
    zone: zoneinfo.ZoneInfo
    # The programme is the only one: every flow is one of its flows (the companies' readiness covers all flows).
    is_only_programme: bool = True

    @property
    def flow_ids(self) -> list[int]:
        return [flow.id for flow in self.flows]

    @property
    def blocked_flow_ids(self) -> list[int]:
        return [flow.id for flow in self.flows if flow.is_blocked]


def dashboard_reference(*, as_of: datetime.date, today: datetime.date) -> Reference:
    """The programme whose deadline is still to come on the day (else the last one), its plateaus and flows: two
    queries. A government party counts as connected on the day when it is connected now and was by then."""
    plateaus_all = list(Plateau.objects.select_related("programme").order_by("programme__deadline", "number"))
    programmes: list[Programme] = []
    for plateau in plateaus_all:
        if not programmes or programmes[-1].pk != plateau.programme_id:
            programmes.append(plateau.programme)
    programme = next((item for item in programmes if item.deadline >= as_of), programmes[-1] if programmes else None)
    plateaus = [plateau for plateau in plateaus_all if programme is not None and plateau.programme_id == programme.pk]
    zone = zoneinfo.ZoneInfo(programme.time_zone if programme else settings.TIME_ZONE)
    rows = (
        MessageFlow.objects.filter(plateau__in=[plateau.pk for plateau in plateaus])
        .order_by("plateau__number", "code", "parties__abbreviation")
        .values_list(
            "id",
            "code",
            "name_nl",
            "name_en",
            "plateau_id",
            "parties__abbreviation",
            "parties__htg_status",
            "parties__htg_connected_on",
        )
    )
    flows: dict[int, FlowReference] = {}
    for flow_id, code, name_nl, name_en, plateau_id, party, status, connected_on in rows:
        reference = flows.get(flow_id) or FlowReference(flow_id, code, name_nl, name_en, plateau_id, ())
        connected = status == GovernmentParty.HtgStatus.CONNECTED and (connected_on is None or connected_on <= as_of)
        if party is not None and not connected:
            reference = FlowReference(flow_id, code, name_nl, name_en, plateau_id, (*reference.waiting_parties, party))
        flows[flow_id] = reference
    day_end = datetime.datetime.combine(as_of + datetime.timedelta(days=1), datetime.time(0), tzinfo=zone)
    return Reference(
        as_of=as_of,
        is_today=as_of >= today,
        programme=programme,
        plateaus=plateaus,
        flows=list(flows.values()),
        day_end=day_end,
        zone=zone,
        is_only_programme=len(programmes) <= 1,
    )


@dataclass(frozen=True)
class Aggregate:
    """One read of the dashboard, not yet run: an ORM queryset, or raw SQL where the ORM would repeat work."""

    sql: str = ""
    params: tuple[Any, ...] = ()
    queryset: QuerySet | None = None

    def sql_with_params(self) -> tuple[str, tuple[Any, ...]]:
        if self.queryset is not None:
            sql, params = self.queryset.query.sql_with_params()
            return sql, tuple(params)
        return self.sql, self.params

    def rows(self) -> list[tuple[Any, ...]]:
        if self.queryset is not None:
            return [tuple(row) for row in self.queryset]
        with database.cursor() as cursor:
            cursor.execute(self.sql, self.params)
            return [tuple(row) for row in cursor.fetchall()]


def table(model: type[Model]) -> str:
    return database.ops.quote_name(model._meta.db_table)


def placeholders(values: Sequence[Any]) -> str:
    return ", ".join(["%s"] * len(values)) if values else "NULL"


def _states(reference: Reference, *, materialized: bool | None = None) -> tuple[str, list[Any]]:
    """The CTE `s` (id, flow_id, customer_id, state, entered_at): the programme's connections as of the day.

    `materialized` True where a query refers to it twice and working out a state is dear (a past day), so it is done
    once; False where reading the table twice is cheaper than storing it (today); None leaves it to the planner. A past
    day takes each connection's last state change before the day's end (events that change no state, a company's
    confirmation or an assignment, are not one): a LATERAL index lookup.
    """
    connection, event = table(Connection), table(ConnectionEvent)
    flows = placeholders(reference.flow_ids)
    hint = {True: "MATERIALIZED ", False: "NOT MATERIALIZED ", None: ""}[materialized]
    if reference.is_today:
        sql = (
            f"s AS {hint}(SELECT c.id, c.flow_id, c.customer_id, c.state, c.state_changed_at AS entered_at "  # noqa: S608 - table names and placeholders only
            f"FROM {connection} c WHERE c.flow_id IN ({flows}))"
        )
        return sql, list(reference.flow_ids)
    end = reference.day_end
    sql = (
        f"s AS {hint}(SELECT c.id, c.flow_id, c.customer_id, COALESCE(e.to_state, %s) AS state, "  # noqa: S608 - table names and placeholders only
        f"COALESCE(e.created_at, c.created_at) AS entered_at FROM {connection} c "
        f"LEFT JOIN LATERAL (SELECT ev.to_state, ev.created_at FROM {event} ev WHERE ev.connection_id = c.id "
        f"AND ev.from_state <> ev.to_state AND ev.created_at < %s "
        f"ORDER BY ev.created_at DESC, ev.id DESC LIMIT 1) e ON TRUE "
        f"WHERE c.flow_id IN ({flows}) AND c.created_at < %s)"
    )
    return sql, [S.PLANNED.value, end, *reference.flow_ids, end]


def funnel_query(reference: Reference) -> Aggregate:
    """Connections per flow and state as of the day."""
    states, params = _states(reference)
    sql = f"WITH {states} SELECT s.flow_id, s.state, COUNT(*) FROM s GROUP BY s.flow_id, s.state"  # noqa: S608
    return Aggregate(sql=sql, params=tuple(params))


def companies_query(reference: Reference) -> Aggregate:
    """Companies with a connection in use (not withdrawn), and of those the ones not yet able to message via HTG for
    every flow they use: a flow works when their own connection is live, or their hub's one for that flow."""
    states, params = _states(reference, materialized=not reference.is_today)
    live = placeholders(LIVE_STATES)
    # Per company: 1 when some flow in use works neither directly nor through its hub; then count the companies.
    sql = (
        f"WITH {states}, live AS (SELECT customer_id, flow_id FROM s WHERE state IN ({live})), "  # noqa: S608
        f"per_company AS (SELECT s.customer_id, MAX(CASE WHEN s.state NOT IN ({live}) AND h.customer_id IS NULL "
        f"THEN 1 ELSE 0 END) AS not_able FROM s JOIN {table(Customer)} cu ON cu.id = s.customer_id "
        f"LEFT JOIN live h ON h.customer_id = cu.hub_id AND h.flow_id = s.flow_id WHERE s.state <> %s "
        f"GROUP BY s.customer_id) "
        f"SELECT COUNT(*), COALESCE(SUM(not_able), 0) FROM per_company"
    )
    return Aggregate(sql=sql, params=(*params, *LIVE_STATES, *LIVE_STATES, S.WITHDRAWN.value))


def burnup_query(reference: Reference) -> Aggregate:
    """Go-lives per plateau and day (Amsterdam) up to the end of the day: the burn-up's steps. A connection goes live
    once (live leads only to Digipoort closed), so the running sum is the number live."""
    return Aggregate(
        queryset=ConnectionEvent.objects.filter(
            to_state=S.LIVE.value, created_at__lt=reference.day_end, connection__flow_id__in=reference.flow_ids
        )
        .exclude(from_state=S.LIVE.value)  # an event on a live connection that changes no state (an assignment)
        .annotate(day=TruncDate("created_at", tzinfo=reference.zone))
        .order_by()
        .values("connection__flow__plateau_id", "day")
        .annotate(count=Count("connection_id"))  # not the event's id: the go-lives are counted from the index alone
        .order_by("connection__flow__plateau_id", "day")
        .values_list("connection__flow__plateau_id", "day", "count")
    )


def _no_response_cutoffs(as_of: datetime.date, zone: zoneinfo.ZoneInfo) -> dict[str, datetime.datetime]:
    """For each step that waits on the company: entered before this moment means past its due date on the day."""
    periods: dict[str, int] = settings.HTG_DUE_BUSINESS_DAYS
    return {
        state: datetime.datetime.combine(subtract_business_days(as_of, days), datetime.time(0), tzinfo=zone)
        for state, days in periods.items()
        if state in {waiting.value for waiting in WAITING_ON_CUSTOMER}
    }


def step_flags(reference: Reference) -> tuple[str, list[Any]]:
    """The CTE `steps` (state, steps_left, days_needed, is_late, is_tight, no_response_before): per pending state
    what follows from the state alone on the day, worked out here once rather than per connection in SQL (the risk
    list scores every pending connection: repeating these CASEs per row was most of its cost)."""
    deadline = reference.programme.deadline if reference.programme else reference.as_of
    days_left = working_days_left(as_of=reference.as_of, deadline=deadline)
    per_step: int = settings.HTG_WORKING_DAYS_PER_STEP
    cutoffs = _no_response_cutoffs(reference.as_of, reference.zone)
    rows: list[Any] = []
    for state in PENDING_STATES:
        days_needed = STEPS_LEFT.get(state, 0) * per_step
        is_late = days_needed > days_left
        is_tight = days_needed <= days_left and days_needed > days_left * 0.8
        rows += [state, STEPS_LEFT.get(state, 0), days_needed, int(is_late), int(is_tight), cutoffs.get(state)]
    values = ", ".join(
        ["(%s, %s::integer, %s::integer, %s::integer, %s::integer, %s::timestamptz)"] * len(PENDING_STATES)
    )
    sql = (
        f"steps AS (SELECT * FROM (VALUES {values}) "  # noqa: S608 - placeholders only
        "AS v (state, steps_left, days_needed, is_late, is_tight, no_response_before))"
    )
    return sql, rows


def risk_query(reference: Reference) -> Aggregate:
    """Connections not yet live with a risk score above zero, highest first, each with the flags behind it and the
    total number at risk (a window count): one query. The score adds up: too few working days for the steps left (4)
    or only just enough (1), no response past the due date (2), an open escalation (3), a bounced address (2), a
    blocked flow (2), a hub on whom many clients wait (1)."""
    states, params = _states(reference)
    steps, steps_params = step_flags(reference)
    end = reference.day_end
    blocked = reference.blocked_flow_ids
    pending = placeholders(PENDING_STATES)
    customer, contact = table(Customer), table(Contact)
    # Today: what is open and suppressed now. A past day: what was open, and suppressed, at its end.
    escalated_when, bounced_when, when_params = (
        ("closed_at IS NULL", "1 = 1", [])
        if reference.is_today
        else ("opened_at < %s AND (closed_at IS NULL OR closed_at >= %s)", "sa.created_at < %s", [end, end, end])
    )
    sql = f"""WITH {states}, {steps},
    hubs AS (SELECT hub_id, COUNT(*) AS clients FROM {customer} WHERE hub_id IS NOT NULL GROUP BY hub_id),
    escalated AS (SELECT DISTINCT connection_id FROM {table(Escalation)} WHERE {escalated_when}),
    bounced AS (SELECT DISTINCT ct.customer_id FROM {contact} ct
        JOIN {table(SuppressedAddress)} sa ON sa.address = LOWER(ct.email) WHERE {bounced_when}),
    flagged AS (
        SELECT s.id, s.customer_id, s.flow_id, s.state, s.entered_at, st.steps_left, st.days_needed, st.is_late,
            st.is_tight,
            CASE WHEN s.entered_at < st.no_response_before THEN 1 ELSE 0 END AS no_response,
            CASE WHEN x.connection_id IS NULL THEN 0 ELSE 1 END AS escalated,
            CASE WHEN b.customer_id IS NULL THEN 0 ELSE 1 END AS bounced,
            CASE WHEN s.flow_id IN ({placeholders(blocked)}) THEN 1 ELSE 0 END AS blocked,
            COALESCE(h.clients, 0) AS hub_clients
        FROM s JOIN steps st ON st.state = s.state
        LEFT JOIN escalated x ON x.connection_id = s.id LEFT JOIN bounced b ON b.customer_id = s.customer_id
        LEFT JOIN hubs h ON h.hub_id = s.customer_id
        WHERE s.state IN ({pending})),
    scored AS (
        SELECT flagged.*, 4 * is_late + is_tight + 2 * no_response + 3 * escalated + 2 * bounced + 2 * blocked
            + CASE WHEN hub_clients >= %s THEN 1 ELSE 0 END AS score
        FROM flagged),
    ranked AS (
        SELECT scored.*, COUNT(*) OVER () AS at_risk FROM scored WHERE score > 0
        ORDER BY score DESC, entered_at, id LIMIT %s)
    SELECT r.id, cu.legal_name, cu.htg_number, f.code, r.state, r.entered_at, r.steps_left, r.days_needed, r.is_late,
        r.is_tight, r.no_response, r.escalated, r.bounced, r.blocked, r.hub_clients, r.score, r.at_risk
    FROM ranked r JOIN {customer} cu ON cu.id = r.customer_id JOIN {table(MessageFlow)} f ON f.id = r.flow_id
    ORDER BY r.score DESC, r.entered_at, r.id"""  # noqa: S608 - names and placeholders only
    all_params = [
        *params,
        *steps_params,
        *when_params,
        *blocked,
        *PENDING_STATES,
        settings.HTG_HUB_MANY_CLIENTS,
        settings.HTG_DASHBOARD_RISKS_SHOWN,
    ]
    return Aggregate(sql=sql, params=tuple(all_params))


def free_slots_query(reference: Reference) -> Aggregate:
    """Free places in published slots after the day and before the deadline's end, as they were on the day."""
    if reference.programme is None:
        return Aggregate(queryset=Slot.objects.none().values_list("id"))
    deadline_end = datetime.datetime.combine(
        reference.programme.deadline + datetime.timedelta(days=1), datetime.time(0), tzinfo=reference.zone
    )
    end = reference.day_end
    # Today: the bookings and slots there are now. A past day: those there were at its end.
    booked = SlotBooking.objects.filter(slot_id=OuterRef("pk"), cancelled_at__isnull=True)
    slots = Slot.objects.filter(availability__isnull=False, starts_at__gte=end, starts_at__lt=deadline_end)
    if not reference.is_today:
        booked = SlotBooking.objects.filter(slot_id=OuterRef("pk"), booked_at__lt=end).filter(
            Q(cancelled_at__isnull=True) | Q(cancelled_at__gte=end)
        )
        slots = slots.filter(created_at__lt=end)
    # A slot takes `capacity` connections: its free places are its capacity less the bookings it had on the day.
    taken = Coalesce(
        Subquery(booked.order_by().values("slot_id").annotate(taken=Count("id")).values("taken")[:1]),
        0,
        output_field=IntegerField(),
    )
    return Aggregate(
        queryset=slots.annotate(free=F("capacity") - taken)
        .filter(free__gt=0)
        .annotate(group=Value(1, output_field=IntegerField()))
        .order_by()
        .values("group")
        .annotate(count=Coalesce(Sum("free"), 0))
        .values_list("count")
    )


def members_query(reference: Reference) -> Aggregate:
    """Active members of the connection team and the core team (who run the slots)."""
    return Aggregate(
        queryset=get_user_model()
        .objects.filter(is_active=True, groups__name__in=[CONNECTION_TEAM, CORE_TEAM])
        .annotate(group=Value(1, output_field=IntegerField()))
        .order_by()
        .values("group")
        .annotate(count=Count("id", distinct=True))
        .values_list("count")
    )


def dashboard_aggregates(reference: Reference) -> dict[str, Aggregate]:
    """Every aggregate the dashboard needs for the day, by name, not yet run."""
    return {
        "funnel": funnel_query(reference),
        "companies": companies_query(reference),
        "burnup": burnup_query(reference),
        "risks": risk_query(reference),
        "free_slots": free_slots_query(reference),
        "members": members_query(reference),
    }

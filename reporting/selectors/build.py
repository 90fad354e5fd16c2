"""The programme dashboard as one dataclass: headline, burn-up per plateau, funnel, capacity, readiness and risks (the
connections not yet live at risk, and today also those live but still sending via Digipoort)."""

import dataclasses
import datetime
from collections import defaultdict

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from connections.models import ConnectionState
from htg_migration.calendar import is_business_day, shift_business_days, subtract_business_days
from plateaus.planning import (
    PlateauDemand,
    added_rates,
    capacity_plan,
    forecast_completion,
    plan_values,
    rate_raised,
    recent_rate,
    required_rate,
    working_days_left,
)
from reporting.selectors.figures import (
    BurnupPoint,
    Dashboard,
    FlowFigures,
    PlateauFigures,
    RiskRow,
    WhatIf,
)
from reporting.selectors.queries import (
    FlowReference,
    Reference,
    dashboard_aggregates,
    dashboard_reference,
)
from reporting.selectors.risks import risk_query_today
from reporting.selectors.snapshots import (
    company_readiness_counts,
    daily_counts,
    daily_go_lives,
    daily_snapshots_readable,
    stored_risk_rows,
)
from reporting.selectors.traffic import traffic_risks

S = ConnectionState


def _window_days(as_of: datetime.date) -> list[datetime.date]:
    """The working days of the recent-rate window, ending with as_of (or the last working day before it)."""
    window: int = settings.HTG_RATE_WINDOW_WORKING_DAYS
    last = as_of if is_business_day(as_of) else subtract_business_days(as_of, 1)
    first = subtract_business_days(last, window - 1)
    days = []
    current = first
    while current <= last:
        if is_business_day(current):
            days.append(current)
        current += datetime.timedelta(days=1)
    return days


def _series(
    *,
    go_lives: dict[datetime.date, int],
    start: datetime.date,
    as_of: datetime.date,
    deadline: datetime.date,
    total: int,
) -> list[BurnupPoint]:
    """One point per calendar day from the start (or the first go-live, if earlier) to the day; weekly past 120."""
    first = min([start, *go_lives]) if go_lives else start
    days = [first + datetime.timedelta(days=offset) for offset in range((as_of - first).days + 1)]
    plan = plan_values(days=days, start=start, deadline=deadline, total=total)
    points: list[BurnupPoint] = []
    live = 0
    for day, planned in zip(days, plan, strict=True):
        live += go_lives.get(day, 0)
        points.append(BurnupPoint(day=day, live=live, plan=planned))
    if len(points) > 120:  # a chart of a long programme: keep every 7th day and the last
        points = [point for index, point in enumerate(points) if index % 7 == 0 or index == len(points) - 1]
    return points


def _risk_reasons(row: tuple, *, days_left: int) -> list[str]:
    (_id, _name, _htg, _flow, _state, _entered, steps_left, days_needed, is_late, is_tight, no_response, escalated,
     bounced, blocked, hub_clients, _score, _total) = row  # fmt: skip
    reasons = []
    if is_late:
        reasons.append(
            _("%(steps)s steps left need about %(needed)s working days; %(left)s are left before the deadline.")
            % {"steps": steps_left, "needed": days_needed, "left": days_left}
        )
    elif is_tight:
        reasons.append(
            _("%(steps)s steps left need about %(needed)s of the %(left)s working days left: little slack.")
            % {"steps": steps_left, "needed": days_needed, "left": days_left}
        )
    if no_response:
        reasons.append(_("The company has not responded: this step is past its due date."))
    if escalated:
        reasons.append(_("An escalation to the core team is open."))
    if bounced:
        reasons.append(_("E-mail to a contact of the company bounced: the address is suppressed."))
    if blocked:
        reasons.append(_("Blocked: a government party of this flow is not yet connected to HTG."))
    if hub_clients >= settings.HTG_HUB_MANY_CLIENTS:
        reasons.append(
            ngettext(
                "A hub with %(count)s client waiting on it.",
                "A hub with %(count)s clients waiting on it.",
                hub_clients,
            )
            % {"count": hub_clients}
        )
    return reasons


def _flow_name(flow: FlowReference) -> str:
    from django.utils import translation

    return flow.name_nl if translation.get_language() == "nl" else flow.name_en


def dashboard_build(
    *, as_of: datetime.date, today: datetime.date, what_if: WhatIf | None = None, snapshot: bool = True
) -> Dashboard:
    """The dashboard as it stood at the end of `as_of` (rebuilt from the timeline for a past day), with the what-if
    applied to the planning figures. A fixed number of queries (see queries.py), whatever the data size.

    The counts per flow and state come from the daily snapshot when the day's is readable (a closed day's companies
    and risk list too; today's companies from their readiness rows, today's risk list through indexes), the
    burn-up's go-lives from the stored go-lives per day while today's snapshot is open, else each from its aggregate;
    `snapshot=False` always takes the aggregates (the snapshot's check and tests)."""
    what_if = what_if or WhatIf()
    reference = dashboard_reference(as_of=as_of, today=today)
    aggregates = dashboard_aggregates(reference)
    day = today if reference.is_today else as_of
    stored, go_lives_current = daily_snapshots_readable(day=day, today=today) if snapshot else (None, False)
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    funnel = daily_counts(day=day, flow_ids=reference.flow_ids) if stored else aggregates["funnel"].rows()
    for flow_id, state, count in funnel:
        counts[flow_id][state] = count
    if stored is not None and stored.companies is not None:
        companies, not_able = stored.companies, stored.companies_not_able or 0
    elif stored is not None and reference.is_today and reference.is_only_programme:
        companies, not_able = company_readiness_counts()
    else:
        companies_row = aggregates["companies"].rows()
        companies, not_able = companies_row[0] if companies_row else (0, 0)
    go_lives: dict[int, dict[datetime.date, int]] = defaultdict(dict)
    if go_lives_current:
        plateau_of = {flow.id: flow.plateau_id for flow in reference.flows}
        for flow_id, go_live_day, count in daily_go_lives(through=as_of, flow_ids=reference.flow_ids):
            plateau_days = go_lives[plateau_of[flow_id]]
            plateau_days[go_live_day] = plateau_days.get(go_live_day, 0) + count
    else:
        for plateau_id, go_live_day, count in aggregates["burnup"].rows():
            go_lives[plateau_id][go_live_day] = count
    if stored is not None and stored.risks is not None:
        risk_rows = stored_risk_rows(stored)
    elif stored is not None and reference.is_today:
        risk_rows = risk_query_today(reference, today=today).rows()
    else:
        risk_rows = aggregates["risks"].rows()
    free_slots_row = aggregates["free_slots"].rows()
    members_row = aggregates["members"].rows()
    dashboard = _assemble(
        reference=reference,
        today=today,
        what_if=what_if,
        counts=counts,
        companies=(companies, not_able),
        go_lives=go_lives,
        risk_rows=risk_rows,
        free_slots=free_slots_row[0][0] if free_slots_row else 0,
        members=members_row[0][0] if members_row else 0,
    )
    if not reference.is_today:
        return dashboard
    # Live but still sending via Digipoort (the gateways' traffic): known as it is now, so today's list only.
    limit: int = settings.HTG_DASHBOARD_RISKS_SHOWN
    still, count = traffic_risks(as_of=as_of, limit=limit)
    if not count:
        return dashboard
    risks = sorted([*dashboard.risks, *still], key=lambda risk: (-risk.score, risk.entered_at, risk.connection_id))
    return dataclasses.replace(dashboard, risks=risks[:limit], at_risk=dashboard.at_risk + count)


def _assemble(
    *,
    reference: Reference,
    today: datetime.date,
    what_if: WhatIf,
    counts: dict[int, dict[str, int]],
    companies: tuple[int, int],
    go_lives: dict[int, dict[datetime.date, int]],
    risk_rows: list[tuple],
    free_slots: int,
    members: int,
) -> Dashboard:
    as_of = reference.as_of
    programme = reference.programme
    deadline = programme.deadline if programme else as_of
    days_left = working_days_left(as_of=as_of, deadline=deadline)
    window = _window_days(as_of)
    per_day: int = settings.HTG_SLOTS_PER_MEMBER_PER_DAY
    # First what each plateau has and needs, then one plan (capacity and the what-if's added rates) from those
    # demands, then each plateau's forecast from that plan: the verdict, forecasts and shortfalls come from one
    # computation, so they agree with each other under any what-if.
    parts = []
    demands: list[PlateauDemand] = []
    for plateau in reference.plateaus:
        flows = [
            FlowFigures(
                id=flow.id,
                code=flow.code,
                name=_flow_name(flow),
                plateau_number=plateau.number,
                waiting_parties=flow.waiting_parties,
                counts=dict(counts.get(flow.id, {})),
            )
            for flow in reference.flows
            if flow.plateau_id == plateau.pk
        ]
        start = plateau.actual_start or plateau.planned_start
        moved = what_if.plateau_number == plateau.number and what_if.move_working_days != 0
        if moved:
            start = shift_business_days(start, what_if.move_working_days)
        parts.append((plateau, flows, start, moved))
        demands.append(
            PlateauDemand(number=plateau.number, needs_slot=sum(flow.needs_slot for flow in flows), start=start)
        )
    capacity = (
        capacity_plan(
            as_of=as_of,
            deadline=deadline,
            demands=demands,
            bookable_slots=free_slots,
            members=members,
            slots_per_member_per_day=per_day,
            added_members=what_if.added_members,
        )
        if programme
        else None
    )
    extra = added_rates(demands=demands, added_members=what_if.added_members, slots_per_member_per_day=per_day)
    plateaus: list[PlateauFigures] = []
    for plateau, flows, start, moved in parts:
        total = sum(flow.total for flow in flows)
        live = sum(flow.live for flow in flows)
        daily = go_lives.get(plateau.pk, {})
        recent = recent_rate([daily.get(day, 0) for day in window if day >= start])
        rate = rate_raised(recent, by=extra[plateau.number])
        plateau_days = working_days_left(as_of=max(as_of, start), deadline=deadline)
        plateaus.append(
            PlateauFigures(
                id=plateau.pk,
                number=plateau.number,
                name=plateau.name,
                planned_start=plateau.planned_start,
                actual_start=plateau.actual_start,
                start=start,
                start_moved=moved,
                flows=flows,
                series=_series(go_lives=daily, start=start, as_of=as_of, deadline=deadline, total=total),
                rate=rate,
                required=required_rate(remaining=total - live, working_days=plateau_days),
                forecast=forecast_completion(
                    as_of=max(as_of, start), remaining=total - live, rate=rate, deadline=deadline
                ),
                recent_rate=recent,
            )
        )
    risks = [
        RiskRow(
            connection_id=row[0],
            customer=row[1],
            htg_number=row[2],
            flow_code=row[3],
            state=row[4],
            entered_at=row[5],
            score=row[15],
            reasons=_risk_reasons(row, days_left=days_left),
        )
        for row in risk_rows
    ]
    return Dashboard(
        as_of=as_of,
        today=today,
        programme_name=programme.name if programme else "",
        deadline=programme.deadline if programme else None,
        working_days_left=days_left,
        plateaus=plateaus,
        companies=companies[0],
        companies_not_able=companies[1],
        capacity=capacity,
        slots_per_member_per_day=per_day,
        risks=risks,
        at_risk=risk_rows[0][16] if risk_rows else 0,
        what_if=what_if,
    )

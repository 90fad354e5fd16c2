"""The programme dashboard's figures as JSON (the team's dashboard page, reporting/selectors/build.py), for a day
(`as_of`, read from the daily snapshots) and with the page's what-if; the same form checks the parameters."""

import datetime
import math
from typing import Any

from drf_spectacular.utils import OpenApiTypes, extend_schema
from rest_framework import exceptions, serializers
from rest_framework.request import Request
from rest_framework.response import Response

from api.permissions import IsTeamMember, TokenScopeAllows
from api.serializers_strict import QueryParameters
from api.views.strict import KnownQueryParametersOnly
from htg_migration import clock
from plateaus.selectors import plateau_numbers
from reporting.forms import DashboardForm
from reporting.selectors import Dashboard, FlowFigures, PlateauFigures, WhatIf, dashboard_build


def _finite(value: float | None) -> float | None:
    """A rate as JSON: none (null) where the page shows none, e.g. the rate still needed when no working day is left
    (infinite); JSON has no infinity."""
    return value if value is None or math.isfinite(value) else None


def _flow(flow: FlowFigures) -> dict[str, Any]:
    return {
        "code": flow.code,
        "name": flow.name,
        "plateau": flow.plateau_number,
        "counts": flow.counts,
        "total": flow.total,
        "live": flow.live,
        "pending": flow.pending,
        "needs_slot": flow.needs_slot,
        "waiting_parties": list(flow.waiting_parties),
    }


def _plateau(plateau: PlateauFigures) -> dict[str, Any]:
    forecast = plateau.forecast
    return {
        "number": plateau.number,
        "name": plateau.name,
        "planned_start": plateau.planned_start,
        "start": plateau.start,
        "total": plateau.total,
        "live": plateau.live,
        "remaining": plateau.remaining,
        "needs_slot": plateau.needs_slot,
        "blocked_pending": plateau.blocked_pending,
        "rate": _finite(plateau.rate.rate),
        "required_rate": _finite(plateau.required),
        "behind_plan": plateau.behind_plan,
        "forecast": {
            "expected": forecast.expected,
            "earliest": forecast.earliest,
            "latest": forecast.latest,
            "meets_deadline": forecast.meets_deadline,
        },
        "flows": [_flow(flow) for flow in plateau.flows],
    }


def dashboard_figures(dashboard: Dashboard) -> dict[str, Any]:
    """The dashboard's headline figures, per plateau and per flow, and the connections most at risk."""
    return {
        "as_of": dashboard.as_of,
        "programme": dashboard.programme_name,
        "deadline": dashboard.deadline,
        "working_days_left": dashboard.working_days_left,
        "on_track": dashboard.on_track,
        "total": dashboard.total,
        "live": dashboard.live,
        "remaining": dashboard.remaining,
        "live_percent": round(dashboard.live_percent, 1),
        "required_rate": _finite(dashboard.required_rate),
        "actual_rate": _finite(dashboard.actual_rate),
        "companies": dashboard.companies,
        "companies_able": dashboard.companies_able,
        "blocked_pending": dashboard.blocked_pending,
        "at_risk": dashboard.at_risk,
        "plateaus": [_plateau(plateau) for plateau in dashboard.plateaus],
        "risks": [
            {
                "connection": risk.connection_id,
                "customer": risk.customer,
                "htg_number": risk.htg_number,
                "flow": risk.flow_code,
                "state": risk.state,
                "score": risk.score,
                "reasons": [str(reason) for reason in risk.reasons],
            }
            for risk in dashboard.risks
        ],
    }


class DashboardParameters(QueryParameters):
    """The parameters typed as the schema lists them (a date as YYYY-MM-DD only); the page's form then applies its
    rules (a day of the programme, a plateau it has, what-if bounds)."""

    as_of = serializers.DateField(required=False, input_formats=["iso-8601"])
    added_members = serializers.IntegerField(required=False)
    plateau = serializers.IntegerField(required=False)
    move_days = serializers.IntegerField(required=False)


class DashboardView(KnownQueryParametersOnly):
    """The dashboard's figures today, or as of an earlier day (`as_of`, YYYY-MM-DD), optionally with the page's
    what-if (`added_members`; `plateau` with `move_days`)."""

    permission_classes = [IsTeamMember, TokenScopeAllows]
    query_serializer_class = DashboardParameters

    @extend_schema(parameters=[DashboardParameters], responses=OpenApiTypes.OBJECT)
    def get(self, request: Request) -> Response:
        DashboardParameters(data=request.query_params).is_valid(raise_exception=True)
        today = clock.today()
        form = DashboardForm(request.query_params, today=today, plateau_numbers=plateau_numbers())
        if not form.is_valid():
            raise exceptions.ValidationError({name: list(errors) for name, errors in form.errors.items()})
        as_of: datetime.date = form.cleaned_data.get("as_of") or today
        what_if = form.what_if() if request.query_params else WhatIf()
        return Response(dashboard_figures(dashboard_build(as_of=as_of, today=today, what_if=what_if)))

"""The programme dashboard's figures as dataclasses: what `dashboard_build` (build.py) returns and the pages, the
weekly report and its tests read."""

import datetime
import math
from dataclasses import dataclass, field

from connections.models import ConnectionState
from plateaus.planning import (
    CapacityPlan,
    Forecast,
    RateEstimate,
    required_rate,
)
from reporting.selectors.queries import (
    LIVE_STATES,
    NEEDS_SLOT_STATES,
    PENDING_STATES,
)

S = ConnectionState


@dataclass(frozen=True)
class WhatIf:
    """A scenario on top of the figures: extra team members, and one plateau's start moved by working days."""

    added_members: int = 0
    plateau_number: int | None = None
    move_working_days: int = 0

    @property
    def is_active(self) -> bool:
        return bool(self.added_members or (self.plateau_number is not None and self.move_working_days))


@dataclass(frozen=True)
class FlowFigures:
    id: int
    code: str
    name: str
    plateau_number: int
    waiting_parties: tuple[str, ...]
    counts: dict[str, int]

    @property
    def is_blocked(self) -> bool:
        return bool(self.waiting_parties)

    @property
    def total(self) -> int:
        """Connections in use: every one except those withdrawn."""
        return sum(count for state, count in self.counts.items() if state != S.WITHDRAWN)

    @property
    def live(self) -> int:
        return sum(self.counts.get(state, 0) for state in LIVE_STATES)

    @property
    def pending(self) -> int:
        return sum(self.counts.get(state, 0) for state in PENDING_STATES)

    @property
    def needs_slot(self) -> int:
        return sum(self.counts.get(state, 0) for state in NEEDS_SLOT_STATES)

    @property
    def funnel(self) -> list[tuple[str, str, int]]:
        """(state, its label, count) for every state, in the order of the road to HTG."""
        return [(state, str(label), self.counts.get(state, 0)) for state, label in ConnectionState.choices]


@dataclass(frozen=True)
class BurnupPoint:
    day: datetime.date
    live: int
    plan: float


@dataclass(frozen=True)
class PlateauFigures:
    id: int
    number: int
    name: str
    planned_start: datetime.date
    actual_start: datetime.date | None
    start: datetime.date  # the effective start, after the what-if
    start_moved: bool
    flows: list[FlowFigures]
    series: list[BurnupPoint]
    rate: RateEstimate  # the rate the forecast uses: the recent rate, plus the what-if's added team
    required: float
    forecast: Forecast
    recent_rate: RateEstimate | None = None  # the rate measured, before the what-if

    @property
    def rate_raised(self) -> bool:
        return self.recent_rate is not None and self.recent_rate != self.rate

    @property
    def total(self) -> int:
        return sum(flow.total for flow in self.flows)

    @property
    def live(self) -> int:
        return sum(flow.live for flow in self.flows)

    @property
    def remaining(self) -> int:
        return self.total - self.live

    @property
    def blocked_pending(self) -> int:
        """Connections not yet live whose flow waits for its government party: counted apart."""
        return sum(flow.pending for flow in self.flows if flow.is_blocked)

    @property
    def needs_slot(self) -> int:
        return sum(flow.needs_slot for flow in self.flows)

    @property
    def funnel(self) -> list[tuple[str, str, int]]:
        return [
            (state, str(label), sum(flow.counts.get(state, 0) for flow in self.flows))
            for state, label in ConnectionState.choices
        ]

    @property
    def behind_plan(self) -> bool:
        return bool(self.series) and self.series[-1].live < math.floor(self.series[-1].plan)


@dataclass(frozen=True)
class RiskRow:
    connection_id: int
    customer: str
    htg_number: str | None
    flow_code: str
    state: str
    entered_at: datetime.datetime
    score: int
    reasons: list[str]

    @property
    def state_label(self) -> str:
        return str(ConnectionState(self.state).label)


@dataclass(frozen=True)
class Dashboard:
    """Everything the dashboard page, the weekly report and its spreadsheet show for one day."""

    as_of: datetime.date
    today: datetime.date
    programme_name: str
    deadline: datetime.date | None
    working_days_left: int
    plateaus: list[PlateauFigures]
    companies: int
    companies_not_able: int
    capacity: CapacityPlan | None
    slots_per_member_per_day: int
    risks: list[RiskRow]
    at_risk: int
    what_if: WhatIf = field(default_factory=WhatIf)

    @property
    def is_today(self) -> bool:
        return self.as_of >= self.today

    @property
    def flows(self) -> list[FlowFigures]:
        return [flow for plateau in self.plateaus for flow in plateau.flows]

    @property
    def total(self) -> int:
        return sum(plateau.total for plateau in self.plateaus)

    @property
    def live(self) -> int:
        return sum(plateau.live for plateau in self.plateaus)

    @property
    def remaining(self) -> int:
        return self.total - self.live

    @property
    def companies_able(self) -> int:
        return self.companies - self.companies_not_able

    @property
    def live_percent(self) -> float:
        return 100 * self.live / self.total if self.total else 0.0

    @property
    def blocked_pending(self) -> int:
        return sum(plateau.blocked_pending for plateau in self.plateaus)

    @property
    def required_rate(self) -> float:
        return required_rate(remaining=self.remaining, working_days=self.working_days_left)

    @property
    def actual_rate(self) -> float:
        return sum(plateau.rate.rate for plateau in self.plateaus)

    @property
    def forecasts_in_time(self) -> bool:
        return all(plateau.forecast.meets_deadline for plateau in self.plateaus)

    @property
    def capacity_enough(self) -> bool:
        return self.capacity is None or self.capacity.is_enough

    @property
    def on_track(self) -> bool:
        """The headline verdict: every plateau's forecast is in time and the team can run every slot still needed,
        both from the same plan (with the what-if, if any)."""
        return self.forecasts_in_time and self.capacity_enough

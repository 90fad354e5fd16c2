"""Planning maths for the dashboard: pure functions of numbers and dates, no database.

Time is counted in Dutch business days (htg_migration.calendar): the team works on those days only.
"""

import datetime
import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

from htg_migration.calendar import add_business_days, business_days_between, is_business_day

# Two-sided 95% normal quantile, for the confidence band of the go-live rate.
Z_95 = 1.96
# Past this many business days a forecast says "not in sight" instead of a date.
FORECAST_HORIZON_DAYS = 2000


def working_days_left(*, as_of: datetime.date, deadline: datetime.date) -> int:
    """Business days after `as_of` up to and including the deadline (the day itself has been worked)."""
    return business_days_between(as_of, deadline)


def required_rate(*, remaining: int, working_days: int) -> float:
    """Go-lives needed per working day to finish `remaining` in `working_days` (infinite when no day is left)."""
    if remaining < 0 or working_days < 0:
        raise ValueError("remaining and working_days must not be negative")
    if remaining == 0:
        return 0.0
    if working_days == 0:
        return math.inf
    return remaining / working_days


@dataclass(frozen=True)
class RateEstimate:
    """Go-lives per working day over a recent window, with a 95% band (Poisson count, normal approximation)."""

    rate: float
    low: float
    high: float
    window_days: int
    count: int


def recent_rate(daily_counts: Sequence[int]) -> RateEstimate:
    """The rate over the given working days (one count per day), with its 95% band; never below zero."""
    if any(count < 0 for count in daily_counts):
        raise ValueError("counts must not be negative")
    days = len(daily_counts)
    if days == 0:
        return RateEstimate(rate=0.0, low=0.0, high=0.0, window_days=0, count=0)
    count = sum(daily_counts)
    spread = Z_95 * math.sqrt(count) if count else 0.0
    # With no go-live at all the upper bound is still not zero: "rule of three" (95% upper bound of 0 events).
    high_count = count + spread if count else 3.0
    return RateEstimate(
        rate=count / days,
        low=max(count - spread, 0.0) / days,
        high=high_count / days,
        window_days=days,
        count=count,
    )


@dataclass(frozen=True)
class Forecast:
    """When the remaining connections would be live at the recent rate: a date, and the band around it.

    `expected`/`earliest`/`latest` are None when that rate is zero or the date lies beyond the horizon.
    """

    remaining: int
    expected: datetime.date | None
    earliest: datetime.date | None
    latest: datetime.date | None
    meets_deadline: bool


def _finish(as_of: datetime.date, remaining: int, rate: float) -> datetime.date | None:
    if remaining == 0:
        return as_of
    if rate <= 0:
        return None
    days = math.ceil(remaining / rate - 1e-9)
    if days > FORECAST_HORIZON_DAYS:
        return None
    return add_business_days(as_of, days)


def forecast_completion(
    *, as_of: datetime.date, remaining: int, rate: RateEstimate, deadline: datetime.date
) -> Forecast:
    """The completion date at the recent rate; the band's earliest date comes from its high rate and vice versa."""
    if remaining < 0:
        raise ValueError("remaining must not be negative")
    expected = _finish(as_of, remaining, rate.rate)
    return Forecast(
        remaining=remaining,
        expected=expected,
        earliest=_finish(as_of, remaining, rate.high),
        latest=_finish(as_of, remaining, rate.low),
        meets_deadline=expected is not None and expected <= deadline,
    )


def plan_value(*, day: datetime.date, start: datetime.date, deadline: datetime.date, total: int) -> float:
    """The plan line: 0 live at the plateau's start, rising evenly over business days to `total` at the deadline."""
    if day <= start:
        return 0.0
    if day >= deadline:
        return float(total)
    span = business_days_between(start, deadline)
    if span == 0:
        return float(total)
    return total * business_days_between(start, day) / span


def plan_values(
    *, days: Sequence[datetime.date], start: datetime.date, deadline: datetime.date, total: int
) -> list[float]:
    """`plan_value` for each of `days` (ascending), counting business days once instead of once per day."""
    if any(later < earlier for earlier, later in itertools.pairwise(days)):
        raise ValueError("days must be ascending")
    span = business_days_between(start, deadline)
    values: list[float] = []
    counted_until, count = start, 0
    for day in days:
        if day <= start:
            values.append(0.0)
            continue
        if day >= deadline or span == 0:
            values.append(float(total))
            continue
        while counted_until < day:
            counted_until += datetime.timedelta(days=1)
            count += is_business_day(counted_until)
        values.append(total * count / span)
    return values


@dataclass(frozen=True)
class PlateauDemand:
    """What one plateau still needs: connections that still need a slot, and from when it may book them."""

    number: int
    needs_slot: int
    start: datetime.date


@dataclass(frozen=True)
class CapacityPlan:
    """Slots needed against the slots the team can run before the deadline, and the team that takes.

    One computation gives both shortfalls, so they agree: `shortfall_slots` is 0 exactly when `shortfall_members` is.
    """

    needs_slot: int
    # Published slots not yet booked: what can be booked today (the team publishes more as it goes).
    bookable_slots: int
    # Slots the added members of the what-if run on the working days left.
    added_slots: int
    # Connections that would not get a slot before the deadline with this team.
    shortfall_slots: int
    slots_per_day_needed: float
    members: int
    # None: some plateau has no working day left before the deadline, so no team is large enough.
    members_needed: int | None
    shortfall_members: int | None

    @property
    def is_enough(self) -> bool:
        return self.shortfall_slots == 0


def capacity_plan(
    *,
    as_of: datetime.date,
    deadline: datetime.date,
    demands: Sequence[PlateauDemand],
    bookable_slots: int,
    members: int,
    slots_per_member_per_day: int,
    added_members: int = 0,
) -> CapacityPlan:
    """Capacity against demand, in exact fractions so that the two shortfalls cannot disagree by a rounding.

    Each plateau books its remaining connections evenly between its start (or `as_of`, when later) and the deadline,
    and the plateaus run at once, so the daily need is the sum of their rates; the team needed is that need over one
    member's daily slots (each member runs `slots_per_member_per_day` on every working day). A team smaller than
    that runs only its share of each plateau's daily need; the connections left over are the shortfall in slots. A
    plateau with no working day left before the deadline gets no slot at all. A plateau whose start moves later has
    fewer days, so it needs more people.
    """
    if min(bookable_slots, members, added_members) < 0 or slots_per_member_per_day <= 0:
        raise ValueError("counts must not be negative and a member must have slots")
    days_left = working_days_left(as_of=as_of, deadline=deadline)
    needs_slot = sum(demand.needs_slot for demand in demands)
    team = members + added_members
    per_day = Fraction(0)
    schedulable = 0
    impossible = 0
    for demand in demands:
        if demand.needs_slot == 0:
            continue
        days = working_days_left(as_of=max(as_of, demand.start), deadline=deadline)
        if days == 0:
            impossible += demand.needs_slot
            continue
        per_day += Fraction(demand.needs_slot, days)
        schedulable += demand.needs_slot
    daily = Fraction(team * slots_per_member_per_day)
    served = Fraction(1) if per_day == 0 else min(Fraction(1), daily / per_day)
    members_needed = math.ceil(per_day / slots_per_member_per_day) if impossible == 0 else None
    return CapacityPlan(
        needs_slot=needs_slot,
        bookable_slots=bookable_slots,
        added_slots=added_members * slots_per_member_per_day * days_left,
        shortfall_slots=impossible + math.ceil(schedulable * (1 - served)),
        slots_per_day_needed=math.inf if impossible else float(per_day),
        members=team,
        members_needed=members_needed,
        shortfall_members=max(members_needed - team, 0) if members_needed is not None else None,
    )


def added_rates(
    *, demands: Sequence[PlateauDemand], added_members: int, slots_per_member_per_day: int
) -> dict[int, float]:
    """The go-lives per working day the what-if's added members add to each plateau (by number): their slots, shared
    between the plateaus in proportion to the connections that still need one."""
    needs = sum(demand.needs_slot for demand in demands)
    if added_members <= 0 or needs == 0:
        return {demand.number: 0.0 for demand in demands}
    daily = added_members * slots_per_member_per_day
    return {demand.number: daily * demand.needs_slot / needs for demand in demands}


def rate_raised(rate: RateEstimate, *, by: float) -> RateEstimate:
    """The recent rate with `by` go-lives per working day added to it and to its band (the what-if's added team)."""
    if by <= 0:
        return rate
    return RateEstimate(
        rate=rate.rate + by, low=rate.low + by, high=rate.high + by, window_days=rate.window_days, count=rate.count
    )

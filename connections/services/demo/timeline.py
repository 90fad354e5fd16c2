"""Demo data: the business-day calendar, and each connection's history simulated forward to `as_of`."""

import datetime
import random
import zoneinfo
from dataclasses import dataclass

from django.conf import settings

from connections.models import HAPPY_PATH, OPEN_STATES
from connections.models import ConnectionState as S
from htg_migration.calendar import add_business_days, is_business_day

HOLD_SHARE, WITHDRAW_SHARE, RESCHEDULE_SHARE = 0.04, 0.015, 0.07
# (transition, target, fixed gap, random gap in business days, waits on the customer): the happy path after invite.
STEPS = (
    ("receive_intake", S.INTAKE_RECEIVED, 3, 15, True),
    ("offer_slot", S.SLOT_OFFERED, 2, 10, False),
    ("book_slot", S.SLOT_BOOKED, 2, 8, True),
    ("send_technical_data", S.TECHNICAL_DATA_SENT, 4, 12, False),
    ("start_testing", S.TESTING, 2, 8, True),
    ("pass_test", S.TEST_PASSED, 3, 12, True),
    ("go_live", S.LIVE, 2, 6, False),
    ("close_digipoort", S.DIGIPOORT_CLOSED, 5, 15, False),
)
BOOK_STEP = 2
RANK: dict[str, int] = {state.value: rank for rank, state in enumerate(HAPPY_PATH)}


class Calendar:
    """Dutch business days from the programme's set-up to `as_of`.

    A moment is one int, day index * 1440 + minute of the day: cheap to compare, and turned into a datetime (or
    COPY text, cached) only when written.
    """

    def __init__(self, *, first: datetime.date, as_of: datetime.date, time_zone: str) -> None:
        days = [first + datetime.timedelta(days=n) for n in range(max((as_of - first).days + 1, 0))]
        self.days = [day for day in days if is_business_day(day)] or [as_of]
        self.zone = zoneinfo.ZoneInfo(time_zone)
        self.texts: dict[int, str] = {}

    def index_from(self, day: datetime.date) -> int | None:
        """The first business day on or after `day`, or None if that is after as_of."""
        for index, candidate in enumerate(self.days):
            if candidate >= day:
                return index
        return None

    def index_until(self, day: datetime.date) -> int:
        """The last business day on or before `day` (-1 if none)."""
        return sum(1 for candidate in self.days if candidate <= day) - 1

    def moment(self, key: int) -> datetime.datetime:
        day = self.days[key // 1440]
        return datetime.datetime(day.year, day.month, day.day, key % 1440 // 60, key % 60, tzinfo=self.zone)

    def text(self, key: int) -> str:
        """The moment as PostgreSQL reads it in COPY, with the offset of that day (CET or CEST)."""
        text = self.texts.get(key)
        if text is None:
            text = self.texts[key] = self.moment(key).isoformat(sep=" ")
        return text


@dataclass(frozen=True)
class Flow:
    id: int
    share: float
    plateau: int
    start: int | None  # calendar index of the plateau's actual start; None: not started by as_of
    production: int | None  # no go-live before production opens
    deadline: int  # the last business day on or before the deadline
    missed: int | None  # the first business day after the deadline, if that is on or before as_of


def simulate(
    rng: random.Random, flow: Flow, *, invited: int, self_started: bool, slowness: float, last: int
) -> list[tuple[int, str, str, str]]:
    """One connection's timeline up to as_of: (moment, transition, from, to) in order."""
    events: list[tuple[int, str, str, str]] = []
    limit = min(last, flow.deadline)  # after the deadline only the Digipoort route of a live connection closes
    if flow.start is not None and invited <= limit:
        minute = 450 + int(rng.random() * 840)
        if self_started:  # the company sent its intake before the team got round to inviting it
            events.append((invited * 1440 + minute, "receive_intake", S.PLANNED, S.INTAKE_RECEIVED))
            step, state = 1, S.INTAKE_RECEIVED.value
        else:
            events.append((invited * 1440 + 510 + minute % 540, "invite", S.PLANNED, S.INVITED))
            step, state = 0, S.INVITED.value
        day, rescheduled = invited, False
        while step < len(STEPS):
            name, target, fixed, spread, waits_on_customer = STEPS[step]
            next_day = day + fixed + int(rng.random() * spread * (slowness if waits_on_customer else 1.0))
            if target == S.LIVE and flow.production is not None:
                next_day = max(next_day, flow.production)
            if next_day > (last if target == S.DIGIPOORT_CLOSED else limit):
                break
            minute = 450 + int(rng.random() * 840) if waits_on_customer else 510 + int(rng.random() * 540)
            events.append((next_day * 1440 + minute, name, state, target))
            day, state = next_day, target
            if step == BOOK_STEP and not rescheduled and rng.random() < RESCHEDULE_SHARE:
                rescheduled, next_day = True, day + 1 + int(rng.random() * 3)
                if next_day > limit:
                    break
                side = "reschedule" if rng.random() < 0.6 else "record_no_show"
                events.append((next_day * 1440 + 510 + int(rng.random() * 540), side, state, S.SLOT_OFFERED))
                day, state = next_day, S.SLOT_OFFERED
                continue
            step += 1
    roll = rng.random()
    if flow.start is not None and roll < HOLD_SHARE + WITHDRAW_SHARE:
        open_positions = [-1] + [k for k, event in enumerate(events) if event[3] in OPEN_STATES]
        position = rng.choice(open_positions)
        base_day = events[position][0] // 1440 if position >= 0 else flow.start - 1
        side_day = base_day + 1 + int(rng.random() * 8)
        if side_day <= limit:
            from_state = events[position][3] if position >= 0 else S.PLANNED.value
            del events[position + 1 :]
            side, target = ("hold", S.ON_HOLD) if roll < HOLD_SHARE else ("withdraw", S.WITHDRAWN)
            events.append((side_day * 1440 + 510 + int(rng.random() * 540), side, from_state, target))
    state = events[-1][3] if events else S.PLANNED
    if flow.missed is not None and (state in OPEN_STATES or state == S.ON_HOLD):
        events.append((flow.missed * 1440 + 360, "mark_missed", state, S.MISSED))  # the morning sweep
    return events


class DueDates:
    """A seeded connection that waits on the company is due as a live one would be (see services/transitions.py)."""

    def __init__(self, calendar: Calendar) -> None:
        self.calendar = calendar
        self.periods: dict[str, int] = dict(settings.HTG_DUE_BUSINESS_DAYS)
        self.cache: dict[tuple[str, int], datetime.date] = {}

    def due_on(self, state: str, moment: int) -> datetime.date | None:
        if state not in self.periods:
            return None
        key = (state, moment // 1440)
        if key not in self.cache:
            self.cache[key] = add_business_days(self.calendar.days[moment // 1440], self.periods[state])
        return self.cache[key]

"""The what-if feeds one plan: the headline verdict, each plateau's forecast and both capacity shortfalls come from
the same computation, so they agree with each other whatever the scenario (issue 14 item 12)."""

import datetime
import zoneinfo

from hypothesis import given
from hypothesis import strategies as st

from plateaus.models import Plateau, Programme
from reporting.selectors.build import WhatIf, _assemble
from reporting.selectors.queries import FlowReference, Reference

AS_OF = datetime.date(2020, 5, 15)  # a Friday: 30 working days to 30 June 2020
DEADLINE = datetime.date(2020, 6, 30)
ZONE = zoneinfo.ZoneInfo("Europe/Amsterdam")


def _dashboard(*, planned, live_per_day, members, what_if, starts=(datetime.date(2020, 2, 3),)):
    """A dashboard from numbers alone: one flow per plateau with `planned` connections still to go each, and
    `live_per_day` go-lives on every day of the recent window."""
    programme = Programme(pk=1, code="htg", name_en="HTG", name_nl="HTG", deadline=DEADLINE)
    plateaus = [
        Plateau(pk=index + 1, programme=programme, number=index + 1, name_en=f"P{index + 1}", name_nl=f"P{index + 1}",
                planned_start=start, actual_start=start)
        for index, start in enumerate(starts)
    ]  # fmt: skip
    flows = [
        FlowReference(id=plateau.pk, code=f"F{plateau.pk}", name_nl="", name_en="", plateau_id=plateau.pk,
                      waiting_parties=())
        for plateau in plateaus
    ]  # fmt: skip
    reference = Reference(
        as_of=AS_OF,
        is_today=True,
        programme=programme,
        plateaus=plateaus,
        flows=flows,
        day_end=datetime.datetime.combine(AS_OF, datetime.time(0), ZONE),
        zone=ZONE,
    )
    window = [AS_OF - datetime.timedelta(days=offset) for offset in range(40)]
    return _assemble(
        reference=reference,
        today=AS_OF,
        what_if=what_if,
        counts={flow.id: {"planned": planned, "live": 10} for flow in flows},
        companies=(0, 0),
        go_lives={plateau.pk: dict.fromkeys(window, live_per_day) for plateau in plateaus},
        risk_rows=[],
        free_slots=0,
        members=members,
    )


def test_added_team_members_move_the_forecast_and_the_verdict_with_the_shortfalls():
    # given: 300 connections to go at 2 a day (150 working days: after the deadline); 10 slots a day needed, 1
    # member runs 6, so 2 are needed and 4/10 of the 300 would get no slot
    base = _dashboard(planned=300, live_per_day=2, members=1, what_if=WhatIf())
    assert not base.on_track
    assert not base.plateaus[0].forecast.meets_deadline
    assert (base.capacity.shortfall_members, base.capacity.shortfall_slots) == (1, 120)
    # when: the what-if adds 9 members (54 slots a day more)
    more = _dashboard(planned=300, live_per_day=2, members=1, what_if=WhatIf(added_members=9))
    # then: the forecast uses their slots (2 + 54 a day: 6 working days), the verdict turns, both shortfalls are 0
    plateau = more.plateaus[0]
    assert plateau.rate.rate == 56 and plateau.recent_rate.rate == 2
    assert plateau.forecast.expected == datetime.date(2020, 5, 26)  # 6 working days on, Ascension (21 May) skipped
    assert plateau.forecast.meets_deadline
    assert (more.capacity.shortfall_members, more.capacity.shortfall_slots) == (0, 0)
    assert more.on_track


def test_a_plateau_moved_past_the_deadline_is_not_on_track_in_either_figure():
    # given: plateau 2 moved to start after the deadline, with a large team
    moved = _dashboard(
        planned=40,
        live_per_day=5,
        members=50,
        starts=(datetime.date(2020, 2, 3), datetime.date(2020, 3, 2)),
        what_if=WhatIf(plateau_number=2, move_working_days=100),
    )
    # then: its connections get no slot, its forecast is late, and the verdict says so
    assert moved.capacity.shortfall_slots == 40 and moved.capacity.shortfall_members is None
    assert not moved.plateaus[1].forecast.meets_deadline
    assert not moved.on_track


@given(
    planned=st.integers(min_value=0, max_value=3000),
    live_per_day=st.integers(min_value=0, max_value=30),
    members=st.integers(min_value=0, max_value=30),
    added=st.integers(min_value=0, max_value=60),
    move=st.integers(min_value=-60, max_value=60),
)
def test_verdict_forecast_and_shortfalls_agree_under_any_what_if(planned, live_per_day, members, added, move):
    # given: three plateaus; any what-if
    starts = (datetime.date(2020, 2, 3), datetime.date(2020, 3, 2), datetime.date(2020, 4, 1))
    what_if = WhatIf(added_members=added, plateau_number=2, move_working_days=move)
    plain = _dashboard(planned=planned, live_per_day=live_per_day, members=members, starts=starts, what_if=WhatIf())
    # when
    dashboard = _dashboard(planned=planned, live_per_day=live_per_day, members=members, starts=starts, what_if=what_if)
    # then: the verdict is exactly the forecasts and the capacity together
    capacity = dashboard.capacity
    assert dashboard.on_track == (
        all(plateau.forecast.meets_deadline for plateau in dashboard.plateaus) and capacity.shortfall_slots == 0
    )
    # and the two shortfalls agree
    if capacity.members_needed is None:
        assert capacity.shortfall_members is None and capacity.shortfall_slots > 0
    else:
        assert (capacity.shortfall_slots == 0) == (capacity.shortfall_members == 0)
    # and the added members' slots all go to the forecasts, shared by what each plateau still needs
    added_rate = sum(plateau.rate.rate - plateau.recent_rate.rate for plateau in dashboard.plateaus)
    assert abs(added_rate - (added * 6 if planned else 0)) < 1e-6
    # and without a move, more members never make a forecast later nor the verdict worse
    if move == 0:
        for before, after in zip(plain.plateaus, dashboard.plateaus, strict=True):
            if before.forecast.expected is not None:
                assert after.forecast.expected is not None and after.forecast.expected <= before.forecast.expected
        assert dashboard.on_track or not plain.on_track

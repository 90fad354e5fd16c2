"""Helpdesk hours: business days 07:00-17:00 in Amsterdam, Dutch public holidays excluded."""

import datetime
import zoneinfo

import pytest

from htg_migration.calendar import helpdesk_hours_add

AMSTERDAM = zoneinfo.ZoneInfo("Europe/Amsterdam")
UTC = datetime.UTC


def at(year, month, day, hour, minute=0):
    return datetime.datetime(year, month, day, hour, minute, tzinfo=AMSTERDAM)


def test_hours_inside_one_helpdesk_day_are_added_as_they_are():
    # given: Monday 18 May 2020, 09:00
    # when / then
    assert helpdesk_hours_add(at(2020, 5, 18, 9), 4) == at(2020, 5, 18, 13)


def test_a_fraction_of_an_hour_counts():
    assert helpdesk_hours_add(at(2020, 5, 18, 9), 0.5) == at(2020, 5, 18, 9, 30)


def test_hours_that_run_past_closing_time_continue_at_next_morning_opening():
    # given: Monday 15:00, 4 hours: 2 on Monday, 2 on Tuesday from 07:00
    assert helpdesk_hours_add(at(2020, 5, 18, 15), 4) == at(2020, 5, 19, 9)


def test_ending_exactly_at_closing_time_stays_on_that_day():
    assert helpdesk_hours_add(at(2020, 5, 18, 13), 4) == at(2020, 5, 18, 17)


def test_the_normal_service_level_of_sixteen_hours_spans_two_days():
    # given: Monday 09:00: 8 hours on Monday, 8 on Tuesday from 07:00
    assert helpdesk_hours_add(at(2020, 5, 18, 9), 16) == at(2020, 5, 19, 15)


def test_a_request_in_the_evening_counts_from_the_next_morning():
    assert helpdesk_hours_add(at(2020, 5, 18, 18, 30), 1) == at(2020, 5, 19, 8)


def test_a_request_before_opening_counts_from_opening():
    assert helpdesk_hours_add(at(2020, 5, 18, 5), 1) == at(2020, 5, 18, 8)


def test_the_weekend_does_not_count():
    # given: Friday 15 May 2020, 16:00: 1 hour on Friday, 3 on Monday
    assert helpdesk_hours_add(at(2020, 5, 15, 16), 4) == at(2020, 5, 18, 10)


def test_a_request_on_saturday_counts_from_monday_morning():
    assert helpdesk_hours_add(at(2020, 5, 16, 12), 2) == at(2020, 5, 18, 9)


def test_a_public_holiday_does_not_count():
    # given: Wednesday 20 May 2020, 16:00; Thursday 21 May is Ascension Day
    assert helpdesk_hours_add(at(2020, 5, 20, 16), 2) == at(2020, 5, 22, 8)


def test_kings_day_and_a_weekend_together_are_skipped():
    # given: Friday 24 April 2020, 16:00; Monday 27 April is King's Day: 1 hour Friday, 10 Tuesday, 5 Wednesday
    assert helpdesk_hours_add(at(2020, 4, 24, 16), 16) == at(2020, 4, 29, 12)


def test_the_spring_daylight_saving_change_keeps_helpdesk_hours_in_wall_clock_time():
    # given: Friday 27 March 2020, 16:00 CET; clocks go forward on Sunday 29 March
    result = helpdesk_hours_add(at(2020, 3, 27, 16), 2)
    # then: Monday 08:00 CEST, which is 06:00 UTC
    assert result == at(2020, 3, 30, 8)
    assert result.astimezone(UTC) == datetime.datetime(2020, 3, 30, 6, tzinfo=UTC)


def test_the_autumn_daylight_saving_change_keeps_helpdesk_hours_in_wall_clock_time():
    # given: Friday 23 October 2020, 16:00 CEST; clocks go back on Sunday 25 October
    result = helpdesk_hours_add(at(2020, 10, 23, 16), 2)
    # then: Monday 08:00 CET, which is 07:00 UTC
    assert result == at(2020, 10, 26, 8)
    assert result.astimezone(UTC) == datetime.datetime(2020, 10, 26, 7, tzinfo=UTC)


def test_a_start_in_another_time_zone_is_read_in_amsterdam_time():
    # given: 07:00 UTC on Monday 18 May 2020 is 09:00 in Amsterdam
    result = helpdesk_hours_add(datetime.datetime(2020, 5, 18, 7, tzinfo=UTC), 1)
    assert result == at(2020, 5, 18, 10)
    assert result.tzinfo == AMSTERDAM


def test_zero_hours_moves_a_moment_outside_helpdesk_hours_to_the_next_opening():
    assert helpdesk_hours_add(at(2020, 5, 18, 10), 0) == at(2020, 5, 18, 10)
    assert helpdesk_hours_add(at(2020, 5, 18, 17), 0) == at(2020, 5, 19, 7)


def test_a_naive_start_or_negative_hours_are_refused():
    with pytest.raises(ValueError):
        helpdesk_hours_add(datetime.datetime(2020, 5, 18, 9), 1)
    with pytest.raises(ValueError):
        helpdesk_hours_add(at(2020, 5, 18, 9), -1)

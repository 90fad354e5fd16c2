"""Dutch business days: weekdays that are not a Dutch public holiday."""

import datetime
import zoneinfo
from functools import cache

import holidays


@cache
def _dutch_holidays(year: int) -> frozenset[datetime.date]:
    return frozenset(holidays.country_holidays("NL", years=year).keys())


def is_business_day(day: datetime.date) -> bool:
    return day.weekday() < 5 and day not in _dutch_holidays(day.year)


def shift_business_days(day: datetime.date, count: int) -> datetime.date:
    """`day` moved `count` business days later (negative: earlier); `day` itself does not count.

    A count of 0 returns `day` unchanged, even when it is not a business day; otherwise the result is a business
    day (Saturday + 1 gives Monday, Saturday - 1 gives Friday).
    """
    step = datetime.timedelta(days=1 if count >= 0 else -1)
    current = day
    remaining = abs(count)
    while remaining:
        current += step
        if is_business_day(current):
            remaining -= 1
    return current


def add_business_days(day: datetime.date, count: int) -> datetime.date:
    """The date `count` business days after `day` (count >= 0); `day` itself does not count."""
    if count < 0:
        raise ValueError("count must not be negative")
    return shift_business_days(day, count)


def subtract_business_days(day: datetime.date, count: int) -> datetime.date:
    """The date `count` business days before `day` (count >= 0); `day` itself does not count."""
    if count < 0:
        raise ValueError("count must not be negative")
    return shift_business_days(day, -count)


def business_days_between(start: datetime.date, end: datetime.date) -> int:
    """Business days after `start` up to and including `end` (0 when end <= start)."""
    count = 0
    current = start
    while current < end:
        current += datetime.timedelta(days=1)
        if is_business_day(current):
            count += 1
    return count


# The helpdesk's working hours, in Amsterdam wall-clock time, on business days.
HELPDESK_TIME_ZONE = zoneinfo.ZoneInfo("Europe/Amsterdam")
HELPDESK_OPENS = datetime.time(7, 0)
HELPDESK_CLOSES = datetime.time(17, 0)


def _helpdesk_opening(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, HELPDESK_OPENS, tzinfo=HELPDESK_TIME_ZONE)


def _helpdesk_closing(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, HELPDESK_CLOSES, tzinfo=HELPDESK_TIME_ZONE)


def helpdesk_hours_add(start: datetime.datetime, hours: float) -> datetime.datetime:
    """The moment `hours` helpdesk hours after `start` (Europe/Amsterdam, business days 07:00-17:00).

    Time outside the helpdesk's hours does not count: a start in the evening, at a weekend or on a public holiday
    counts from the next opening. The hours are wall-clock hours in Amsterdam, so a daylight-saving change (always
    at night) never shortens or lengthens a helpdesk day. Zero hours gives `start` moved to the next helpdesk moment.
    """
    if start.tzinfo is None:
        raise ValueError("start must be an aware datetime")
    if hours < 0:
        raise ValueError("hours must not be negative")
    current = start.astimezone(HELPDESK_TIME_ZONE)
    remaining = datetime.timedelta(hours=hours)
    day = current.date()
    while True:
        if is_business_day(day):
            opening, closing = _helpdesk_opening(day), _helpdesk_closing(day)
            begin = max(current, opening)
            if begin < closing:
                # Wall-clock difference: both ends are on the same day, between 07:00 and 17:00.
                available = closing.replace(tzinfo=None) - begin.replace(tzinfo=None)
                if remaining <= available:
                    return (begin.replace(tzinfo=None) + remaining).replace(tzinfo=HELPDESK_TIME_ZONE)
                remaining -= available
        day += datetime.timedelta(days=1)
        current = _helpdesk_opening(day)

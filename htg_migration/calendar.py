"""Dutch business days: weekdays that are not a Dutch public holiday."""

import datetime
from functools import cache

import holidays


@cache
def _dutch_holidays(year: int) -> frozenset[datetime.date]:
    return frozenset(holidays.country_holidays("NL", years=year).keys())


def is_business_day(day: datetime.date) -> bool:
    return day.weekday() < 5 and day not in _dutch_holidays(day.year)


def add_business_days(day: datetime.date, count: int) -> datetime.date:
    """The date `count` business days after `day` (count >= 0); `day` itself does not count."""
    if count < 0:
        raise ValueError("count must not be negative")
    current = day
    remaining = count
    while remaining:
        current += datetime.timedelta(days=1)
        if is_business_day(current):
            remaining -= 1
    return current


def business_days_between(start: datetime.date, end: datetime.date) -> int:
    """Business days after `start` up to and including `end` (0 when end <= start)."""
    count = 0
    current = start
    while current < end:
        current += datetime.timedelta(days=1)
        if is_business_day(current):
            count += 1
    return count

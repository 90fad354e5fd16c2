import datetime
import zoneinfo

import pytest
from django.utils import timezone

from htg_migration import calendar, clock

# Thirty minutes past midnight in Amsterdam, 23:30 UTC the day before: the hour at which a date pinned in Amsterdam
# and the same moment in UTC fall on different days.
REAL_NOW = datetime.datetime(2026, 12, 7, 23, 30, 5, tzinfo=datetime.UTC)


@pytest.fixture
def real_now(monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: REAL_NOW)


def test_the_real_clock_is_used_unless_a_date_is_pinned(settings, real_now):
    settings.HTG_CLOCK_DATE = None
    assert clock.now() == REAL_NOW
    assert clock.today() == datetime.date(2026, 12, 8)


def test_a_pinned_date_keeps_the_time_of_day_in_amsterdam(settings, real_now):
    settings.HTG_CLOCK_DATE = datetime.date(2020, 5, 15)
    assert clock.now() == datetime.datetime(2020, 5, 15, 0, 30, 5, tzinfo=zoneinfo.ZoneInfo("Europe/Amsterdam"))
    assert clock.now().astimezone(datetime.UTC) == datetime.datetime(2020, 5, 14, 22, 30, 5, tzinfo=datetime.UTC)
    assert clock.today() == datetime.date(2020, 5, 15)


@pytest.mark.django_db
def test_the_deadline_sweep_leaves_connections_alone_before_the_deadline_on_the_pinned_clock(settings):
    from connections.models import Connection
    from connections.tasks import connections_mark_missed_task
    from tests.connections.factories import ConnectionFactory

    settings.HTG_CLOCK_DATE = datetime.date(2020, 6, 30)
    connection = ConnectionFactory()
    assert connections_mark_missed_task() == 0
    assert Connection.objects.get(pk=connection.pk).state == "planned"

    settings.HTG_CLOCK_DATE = datetime.date(2020, 7, 1)
    assert connections_mark_missed_task() == 1
    assert Connection.objects.get(pk=connection.pk).state == "missed"


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (datetime.date(2020, 4, 27), False),  # King's Day
        (datetime.date(2020, 5, 5), False),  # Liberation Day (a day off in lustrum years such as 2020)
        (datetime.date(2020, 5, 21), False),  # Ascension Day
        (datetime.date(2020, 6, 1), False),  # Whit Monday
        (datetime.date(2020, 5, 16), False),  # Saturday
        (datetime.date(2020, 5, 18), True),  # an ordinary Monday
    ],
)
def test_dutch_business_days(day, expected):
    assert calendar.is_business_day(day) is expected


def test_adding_business_days_skips_weekends_and_holidays():
    # Thursday 30 April 2020 + 3 business days: Fri 1 May, Mon 4 May, Tue 5 May (Liberation Day 2020) -> Wed 6 May
    assert calendar.add_business_days(datetime.date(2020, 4, 30), 3) == datetime.date(2020, 5, 6)
    assert calendar.business_days_between(datetime.date(2020, 4, 30), datetime.date(2020, 5, 6)) == 3
    with pytest.raises(ValueError):
        calendar.add_business_days(datetime.date(2020, 4, 30), -1)

"""A weekly pattern of availability (issue 14, item 15): the same hours on chosen weekdays over a date range, Dutch
public holidays skipped, each slot taking `capacity` connections; publishing it again makes nothing new; bad input
is refused with a clear message and writes nothing."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from connections.models import Slot, SlotBooking, TeamAvailability
from connections.selectors.slots import slot_capacity_per_day, slot_free_list
from connections.services.slot_patterns import slot_pattern_publish, slot_pattern_summary
from connections.services.slots import availability_publish, slot_book
from htg_migration.errors import ConflictError
from tests.connections.factories import AMSTERDAM, ConnectionFactory, UserFactory, team_member, walk_to

pytestmark = pytest.mark.django_db

FRIDAY = datetime.date(2020, 5, 15)
MONDAY, THURSDAY = 0, 3
NINE, ELEVEN = datetime.time(9), datetime.time(11)


@pytest.fixture(autouse=True)
def pinned_clock(settings):
    """Friday 15 May 2020, 00:00 (Amsterdam): every plateau's booking window is open until 19 June."""
    settings.HTG_CLOCK_DATE = FRIDAY


@pytest.fixture
def member():
    return team_member(first_name="Tessa", last_name="de Vries")


def _publish(member, **overrides):
    values = {
        "weekdays": [MONDAY, THURSDAY],
        "start_time": NINE,
        "end_time": ELEVEN,
        "capacity": 2,
        "date_from": datetime.date(2020, 5, 18),
        "date_to": datetime.date(2020, 6, 5),
    }
    return slot_pattern_publish(team_member=member, **{**values, **overrides})


def _snapshot():
    return (
        list(TeamAvailability.objects.order_by("id").values_list("id", "date", "start_time", "end_time", "capacity")),
        list(Slot.objects.order_by("id").values_list("id", "availability_id", "starts_at", "capacity")),
    )


def _at(day: datetime.date, hour: int) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=AMSTERDAM)


def test_a_pattern_makes_the_slots_on_the_chosen_weekdays_and_skips_the_dutch_holidays(member):
    # when: Mondays and Thursdays 09:00-11:00 from 18 May until 5 June 2020, two connections per slot
    result = _publish(member)

    # then: Ascension Day (Thursday 21 May) and Whit Monday (1 June) are skipped
    published = [datetime.date(2020, 5, 18), datetime.date(2020, 5, 25), datetime.date(2020, 5, 28)]
    published.append(datetime.date(2020, 6, 4))
    assert result.published == published
    assert result.holidays == [datetime.date(2020, 5, 21), datetime.date(2020, 6, 1)]
    assert (result.slots, result.already_planned, result.outside_windows, result.begun) == (8, [], [], [])
    assert list(
        TeamAvailability.objects.order_by("date").values_list("date", "start_time", "end_time", "capacity")
    ) == [(day, NINE, ELEVEN, 2) for day in published]
    assert list(Slot.objects.order_by("starts_at").values_list("team_member", "starts_at", "ends_at", "capacity")) == [
        (member.pk, _at(day, hour), _at(day, hour + 1), 2) for day in published for hour in (9, 10)
    ]
    assert slot_pattern_summary(result) == [
        "Published 4 days with 8 one-hour slots.",
        "Skipped, Dutch public holidays: 21 May 2020, 1 June 2020.",
    ]


def test_publishing_the_same_pattern_again_makes_nothing_new_and_says_so(member):
    # given
    _publish(member)
    before = _snapshot()

    # when
    result = _publish(member)

    # then
    assert _snapshot() == before
    assert (result.published, result.slots, len(result.already_planned)) == ([], 0, 4)
    summary = slot_pattern_summary(result)
    assert summary[0] == "Nothing new was published: every day of the pattern is planned already or skipped."
    assert (
        summary[2] == "Skipped, you already have availability on: 18 May 2020, 25 May 2020, 28 May 2020, 4 June 2020."
    )


def test_a_day_with_availability_at_those_hours_is_skipped_and_keeps_its_own(member):
    # given: Monday 25 May already has 10:00-12:00
    own = availability_publish(
        team_member=member, date=datetime.date(2020, 5, 25), start_time=datetime.time(10), end_time=datetime.time(12)
    )

    # when
    result = _publish(member)

    # then
    assert result.already_planned == [datetime.date(2020, 5, 25)]
    assert datetime.date(2020, 5, 25) not in result.published and result.slots == 6
    assert list(
        Slot.objects.filter(starts_at__date=datetime.date(2020, 5, 25)).values_list("availability", flat=True)
    ) == [
        own.pk,
        own.pk,
    ]


def test_days_outside_every_booking_window_are_skipped(member):
    # when: the windows close on 19 June 2020
    result = _publish(
        member, weekdays=[MONDAY], date_from=datetime.date(2020, 6, 15), date_to=datetime.date(2020, 6, 29)
    )

    # then
    assert result.published == [datetime.date(2020, 6, 15)]
    assert result.outside_windows == [datetime.date(2020, 6, 22), datetime.date(2020, 6, 29)]


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        (
            {"date_from": datetime.date(2020, 6, 5), "date_to": datetime.date(2020, 5, 18)},
            "date_to",
            "The last day must not be before the first day.",
        ),
        (
            {"date_to": datetime.date(2021, 5, 19)},
            "date_to",
            "Publish at most a year at a time: the last day must be at most 365 days after the first.",
        ),
        ({"capacity": 0}, "capacity", "A slot takes from 1 to 10 connections at once."),
        ({"capacity": 10_000}, "capacity", "A slot takes from 1 to 10 connections at once."),
        ({"weekdays": []}, "weekdays", "Choose at least one weekday, Monday to Friday."),
        ({"weekdays": [5]}, "weekdays", "Choose at least one weekday, Monday to Friday."),
        ({"end_time": NINE}, "end_time", "The end time must be after the start time."),
        (
            {"start_time": datetime.time(9, 30)},
            "start_time",
            "Use whole hours, for example 09:00 until 12:00: every slot lasts one hour.",
        ),
        (
            {"date_from": datetime.date(2020, 5, 14)},
            "date_from",
            "This day is in the past: choose today or a later day.",
        ),
    ],
    ids=[
        "to-before-from",
        "over-a-year",
        "capacity-0",
        "capacity-huge",
        "no-weekday",
        "saturday",
        "end",
        "half",
        "past",
    ],
)
def test_bad_input_is_refused_with_a_clear_message_and_writes_nothing(member, overrides, field, message):
    # given
    before = _snapshot()

    # when
    with pytest.raises(ValidationError) as refused:
        _publish(member, **overrides)

    # then
    assert refused.value.message_dict == {field: [message]}
    assert _snapshot() == before


def test_a_range_with_only_holidays_is_refused_and_writes_nothing(member):
    # when: Thursday 21 May 2020 is Ascension Day
    with pytest.raises(ValidationError) as refused:
        _publish(member, weekdays=[THURSDAY], date_from=datetime.date(2020, 5, 18), date_to=datetime.date(2020, 5, 22))

    # then
    assert refused.value.messages == [
        "Every chosen day in this range is a Dutch public holiday. Nothing was published."
    ]
    assert _snapshot() == ([], [])


def test_a_range_outside_every_window_is_refused_and_writes_nothing(member):
    with pytest.raises(ValidationError) as refused:
        _publish(member, date_from=datetime.date(2020, 7, 1), date_to=datetime.date(2020, 7, 31))

    assert refused.value.messages[0].startswith("No day in this range lies inside a plateau's booking window")
    assert _snapshot() == ([], [])


def test_a_slot_takes_as_many_bookings_as_its_capacity_then_refuses(member):
    # given: one slot for two connections, and three connections offered a slot
    _publish(member, weekdays=[MONDAY], date_from=datetime.date(2020, 5, 18), date_to=datetime.date(2020, 5, 18))
    slot = Slot.objects.order_by("starts_at").first()
    walker = UserFactory(is_superuser=True)
    first, second, third = (walk_to(ConnectionFactory(), "slot_offered", walker) for _ in range(3))

    # when: two book it
    slot_book(slot_id=slot.pk, connection_id=first.pk, actor=walker)
    assert slot in slot_free_list(connection=second, now=_at(FRIDAY, 0))
    slot_book(slot_id=slot.pk, connection_id=second.pk, actor=walker)

    # then: both have a seat; the slot is no longer offered and a third booking is refused, nothing written
    assert sorted(SlotBooking.objects.filter(slot=slot).values_list("seat", flat=True)) == [1, 2]
    assert slot not in slot_free_list(connection=third, now=_at(FRIDAY, 0))
    with pytest.raises(ConflictError, match="This slot was just taken"):
        slot_book(slot_id=slot.pk, connection_id=third.pk, actor=walker)
    assert SlotBooking.objects.filter(slot=slot).count() == 2
    third.refresh_from_db()
    assert third.state == "slot_offered"
    # and the day's capacity counts places: 2 slots of 2, 2 booked
    day = slot_capacity_per_day(date_from=datetime.date(2020, 5, 18), date_to=datetime.date(2020, 5, 18))[0]
    assert (day.slots, day.booked, day.free) == (4, 2, 2)

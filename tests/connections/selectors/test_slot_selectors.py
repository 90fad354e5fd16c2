"""Reads for slot planning: free slots for a connection, capacity per day, a member's bookings."""

import datetime

import pytest

from connections.models import Slot, TeamAvailability
from connections.selectors.slots import slot_booked_list, slot_capacity_per_day, slot_free_list
from connections.services.slots import availability_publish, slot_book, slot_record_no_show, slot_reschedule
from htg_migration import clock
from plateaus.models import Plateau
from tests.connections.factories import AMSTERDAM, ConnectionFactory, UserFactory, team_member, walk_to

pytestmark = pytest.mark.django_db

MONDAY = datetime.date(2020, 5, 18)
TUESDAY = datetime.date(2020, 5, 19)


@pytest.fixture(autouse=True)
def pinned_clock(settings):
    settings.HTG_CLOCK_DATE = datetime.date(2020, 5, 15)


@pytest.fixture
def walker():
    return UserFactory(is_superuser=True)


def _at(date, hour):
    return datetime.datetime.combine(date, datetime.time(hour), AMSTERDAM)


def _publish(member, date=MONDAY, start=9, end=12):
    return availability_publish(
        team_member=member, date=date, start_time=datetime.time(start), end_time=datetime.time(end)
    )


def _book(member, walker, date, hour):
    connection = walk_to(ConnectionFactory(), "slot_offered", walker)
    slot = Slot.objects.get(team_member=member, starts_at=_at(date, hour))
    return slot_book(slot_id=slot.pk, connection_id=connection.pk, actor=walker)


def test_free_slots_are_published_unbooked_in_the_window_and_to_come_earliest_first(walker):
    # given
    member, colleague = team_member(username="b"), team_member(username="a")
    _publish(member)
    _publish(colleague, date=MONDAY, start=9, end=10)
    _publish(member, date=TUESDAY, start=9, end=10)
    _book(member, walker, MONDAY, 10)
    Slot.objects.filter(team_member=member, starts_at=_at(MONDAY, 11)).update(availability=None)
    Plateau.objects.filter(number=1).update(booking_window_end=MONDAY)
    connection = walk_to(ConnectionFactory(), "slot_offered", walker)
    connection = type(connection).objects.select_related("flow__plateau").get(pk=connection.pk)

    # when
    free = slot_free_list(connection=connection, now=clock.now())

    # then: not the booked 10:00, not the orphaned 11:00, not Tuesday (after the window)
    assert [(slot.starts_at, slot.team_member.username) for slot in free] == [
        (_at(MONDAY, 9), "a"),
        (_at(MONDAY, 9), "b"),
    ]


def test_free_slots_leave_out_the_past_and_are_capped(walker):
    # given
    member = team_member()
    _publish(member, start=9, end=17)
    connection = walk_to(ConnectionFactory(), "slot_offered", walker)

    # when
    free = slot_free_list(connection=connection, now=_at(MONDAY, 11), limit=3)

    # then
    assert [slot.starts_at for slot in free] == [_at(MONDAY, 12), _at(MONDAY, 13), _at(MONDAY, 14)]


def test_a_plateau_without_a_window_has_no_free_slots(walker):
    _publish(team_member())
    Plateau.objects.filter(number=1).update(booking_window_end=None)
    connection = walk_to(ConnectionFactory(), "slot_offered", walker)
    connection = type(connection).objects.select_related("flow__plateau").get(pk=connection.pk)
    assert slot_free_list(connection=connection, now=clock.now()) == []


def test_capacity_per_day_counts_slots_booked_and_free_per_amsterdam_day(walker, django_assert_num_queries):
    # given: Monday 3 slots (1 booked) for two members, Tuesday 2 slots (both booked), Wednesday none
    member, colleague = team_member(), team_member()
    _publish(member, start=9, end=11)
    _publish(colleague, start=15, end=16)
    _publish(member, date=TUESDAY, start=9, end=11)
    _book(member, walker, MONDAY, 9)
    _book(member, walker, TUESDAY, 9)
    no_show = _book(member, walker, TUESDAY, 10)
    # a slot whose booking ended stays bookable and counts as free
    slot_record_no_show(connection_id=no_show.connection_id, actor=walker)
    # a slot left without its block is not offered and does not count
    orphan = TeamAvailability.objects.create(
        team_member=member, date=TUESDAY, start_time=datetime.time(13), end_time=datetime.time(14)
    )
    Slot.objects.create(team_member=member, availability=orphan, starts_at=_at(TUESDAY, 13), ends_at=_at(TUESDAY, 14))
    orphan.delete()

    # when
    with django_assert_num_queries(1):
        capacity = slot_capacity_per_day(date_from=MONDAY, date_to=datetime.date(2020, 5, 20))

    # then
    assert [(day.date, day.slots, day.booked, day.free) for day in capacity] == [
        (MONDAY, 3, 1, 2),
        (TUESDAY, 2, 1, 1),
    ]


def test_capacity_stays_inside_the_date_range():
    _publish(team_member())
    _publish(team_member(), date=TUESDAY)
    assert [day.date for day in slot_capacity_per_day(date_from=TUESDAY, date_to=TUESDAY)] == [TUESDAY]
    assert slot_capacity_per_day(date_from=datetime.date(2020, 5, 20), date_to=datetime.date(2020, 6, 1)) == []


def test_a_members_booked_slots_are_the_active_bookings_with_them(walker):
    # given
    member, colleague = team_member(), team_member()
    _publish(member)
    _publish(colleague)
    later = _book(member, walker, MONDAY, 11)
    earlier = _book(member, walker, MONDAY, 9)
    _book(colleague, walker, MONDAY, 10)
    ended = _book(member, walker, MONDAY, 10)
    elsewhere = Slot.objects.get(team_member=colleague, starts_at=_at(MONDAY, 11))
    slot_reschedule(connection_id=ended.connection_id, new_slot_id=elsewhere.pk, actor=walker)

    # when
    bookings = list(slot_booked_list(team_member=member))

    # then
    assert bookings == [earlier, later]
    assert list(slot_booked_list(team_member=member, since=_at(MONDAY, 10))) == [later]

"""Slot planning: availability, its one-hour slots, booking, rescheduling and no-shows."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from connections.models import ConnectionEvent, Customer, Slot, SlotBooking, TeamAvailability
from connections.selectors.slots import slot_free_list
from connections.services.slots import (
    availability_publish,
    availability_slots_generate,
    availability_withdraw,
    slot_book,
    slot_choose,
    slot_record_no_show,
    slot_reschedule,
)
from connections.services.transitions import connection_transition
from htg_migration import clock
from htg_migration.errors import ApplicationError, ConflictError
from plateaus.models import Plateau
from tests.connections.factories import (
    AMSTERDAM,
    ConnectionFactory,
    ContactFactory,
    CustomerFactory,
    UserFactory,
    helpdesk_member,
    team_member,
    walk_to,
)

pytestmark = pytest.mark.django_db

FRIDAY = datetime.date(2020, 5, 15)
MONDAY = datetime.date(2020, 5, 18)
TUESDAY = datetime.date(2020, 5, 19)
WEDNESDAY = datetime.date(2020, 5, 20)
NINE, TEN, ELEVEN, NOON, ONE = (datetime.time(hour) for hour in (9, 10, 11, 12, 13))


@pytest.fixture(autouse=True)
def pinned_clock(settings):
    """The programme's clock on Friday 15 May 2020, mid-programme (every booking window is open)."""
    settings.HTG_CLOCK_DATE = FRIDAY


@pytest.fixture
def walker():
    return UserFactory(is_superuser=True)


@pytest.fixture
def member():
    return team_member(first_name="Tessa", last_name="de Vries")


def _offered(walker, **kwargs):
    return walk_to(ConnectionFactory(**kwargs), "slot_offered", walker)


def _publish(member, date=MONDAY, start=NINE, end=NOON):
    return availability_publish(team_member=member, date=date, start_time=start, end_time=end)


def _slot_at(member, date, hour):
    return Slot.objects.get(team_member=member, starts_at=datetime.datetime.combine(date, hour, tzinfo=AMSTERDAM))


def _snapshot():
    """Everything slot planning writes, to prove that a refusal wrote nothing."""
    return (
        list(TeamAvailability.objects.order_by("id").values_list("id", "date", "start_time", "end_time")),
        list(Slot.objects.order_by("id").values_list("id", "availability_id", "starts_at")),
        list(SlotBooking.objects.order_by("id").values_list("id", "slot_id", "connection_id", "cancelled_at")),
        list(ConnectionEvent.objects.order_by("id").values_list("id", "transition")),
    )


# --- publishing availability ---


def test_publishing_availability_makes_one_hour_slots_in_amsterdam_time(member):
    # when
    availability = _publish(member, start=NINE, end=NOON)

    # then
    slots = list(Slot.objects.filter(availability=availability).order_by("starts_at"))
    assert [(slot.starts_at, slot.ends_at) for slot in slots] == [
        (
            datetime.datetime(2020, 5, 18, hour, tzinfo=AMSTERDAM),
            datetime.datetime(2020, 5, 18, hour + 1, tzinfo=AMSTERDAM),
        )
        for hour in (9, 10, 11)
    ]
    # Summer time: 09:00 in Amsterdam is 07:00 UTC.
    assert slots[0].starts_at.astimezone(datetime.UTC) == datetime.datetime(2020, 5, 18, 7, tzinfo=datetime.UTC)
    assert {slot.team_member_id for slot in slots} == {member.pk}
    assert (availability.team_member, availability.date, availability.start_time, availability.end_time) == (
        member,
        MONDAY,
        NINE,
        NOON,
    )


def test_slots_in_winter_time_are_one_hour_ahead_of_utc(member, settings):
    # given: early February 2020, plateau 1's booking window has just opened
    settings.HTG_CLOCK_DATE = datetime.date(2020, 2, 7)

    # when
    availability = _publish(member, date=datetime.date(2020, 2, 10), start=NINE, end=TEN)

    # then
    slot = availability.slots.get()
    assert slot.starts_at.astimezone(datetime.UTC) == datetime.datetime(2020, 2, 10, 8, tzinfo=datetime.UTC)
    assert slot.ends_at.astimezone(datetime.UTC) == datetime.datetime(2020, 2, 10, 9, tzinfo=datetime.UTC)


def test_generating_the_slots_again_makes_no_second_set(member):
    # given
    availability = _publish(member)
    first = list(Slot.objects.order_by("id").values_list("id", "starts_at"))

    # when
    again = availability_slots_generate(availability=availability)

    # then
    assert [(slot.pk, slot.starts_at) for slot in again] == first
    assert Slot.objects.count() == 3


def test_a_block_next_to_another_and_the_same_hours_of_a_colleague_are_fine(member):
    # given
    _publish(member, start=NINE, end=NOON)

    # when
    _publish(member, start=NOON, end=ONE)
    _publish(team_member(), start=NINE, end=NOON)

    # then
    assert TeamAvailability.objects.count() == 3
    assert Slot.objects.count() == 7


def test_availability_today_is_fine_once_its_hours_are_still_to_come(member, monkeypatch):
    # given: Monday 18 May, 08:15
    monkeypatch.setattr(clock, "now", lambda: datetime.datetime(2020, 5, 18, 8, 15, tzinfo=AMSTERDAM))
    monkeypatch.setattr(clock, "today", lambda: MONDAY)

    # when
    availability = _publish(member, start=NINE, end=ELEVEN)

    # then
    assert availability.slots.count() == 2


@pytest.mark.parametrize(
    ("date", "start", "end", "field", "message"),
    [
        (MONDAY, NOON, NINE, "end_time", "The end time must be after the start time."),
        (MONDAY, NINE, NINE, "end_time", "The end time must be after the start time."),
        (MONDAY, datetime.time(9, 30), datetime.time(11, 30), "start_time", "Use whole hours"),
        (MONDAY, NINE, datetime.time(9, 30), "start_time", "Use whole hours"),
        (datetime.date(2020, 5, 14), NINE, NOON, "date", "This day is in the past"),
        (datetime.date(2020, 5, 23), NINE, NOON, "date", "23 May 2020 is a weekend day or a Dutch public holiday"),
        # Ascension Day
        (datetime.date(2020, 5, 21), NINE, NOON, "date", "21 May 2020 is a weekend day or a Dutch public holiday"),
        # After every plateau's booking window (they close on 19 June 2020)
        (datetime.date(2020, 6, 22), NINE, NOON, "date", "No plateau's booking window includes 22 June 2020"),
    ],
)
def test_availability_that_breaks_a_rule_is_refused_with_a_clear_message_and_nothing_is_written(
    member, date, start, end, field, message
):
    # given
    before = _snapshot()

    # when
    with pytest.raises(ValidationError) as refused:
        availability_publish(team_member=member, date=date, start_time=start, end_time=end)

    # then
    assert any(message in text for text in refused.value.message_dict[field]), refused.value.message_dict
    assert _snapshot() == before


def test_hours_that_have_passed_today_are_refused(member, monkeypatch):
    # given: Monday 18 May, 10:30
    monkeypatch.setattr(clock, "now", lambda: datetime.datetime(2020, 5, 18, 10, 30, tzinfo=AMSTERDAM))
    monkeypatch.setattr(clock, "today", lambda: MONDAY)

    # when
    with pytest.raises(ValidationError) as refused:
        _publish(member, start=TEN, end=NOON)

    # then
    assert refused.value.message_dict["start_time"] == ["This time has already passed today: choose a later time."]
    assert TeamAvailability.objects.count() == 0
    assert Slot.objects.count() == 0


def test_availability_overlapping_the_members_own_is_refused_and_nothing_is_written(member):
    # given
    _publish(member, start=NINE, end=NOON)
    before = _snapshot()

    # when
    with pytest.raises(ValidationError) as refused:
        _publish(member, start=ELEVEN, end=ONE)

    # then
    assert refused.value.messages == [
        "This overlaps your availability of 09:00 until 12:00 on 18 May 2020. Nothing was changed."
    ]
    assert _snapshot() == before


# --- withdrawing availability ---


def test_withdrawing_availability_removes_it_and_its_free_slots(member):
    # given
    availability = _publish(member)
    other = _publish(member, date=TUESDAY)

    # when
    availability_withdraw(availability_id=availability.pk, team_member=member)

    # then
    assert list(TeamAvailability.objects.values_list("id", flat=True)) == [other.pk]
    assert set(Slot.objects.values_list("availability_id", flat=True)) == {other.pk}


def test_availability_with_a_booked_slot_cannot_be_withdrawn_and_nothing_changes(member, walker):
    # given
    availability = _publish(member)
    connection = _offered(walker, customer__legal_name="Van Dam Logistiek B.V.")
    slot_book(slot_id=_slot_at(member, MONDAY, TEN).pk, connection_id=connection.pk, actor=walker)
    before = _snapshot()

    # when
    with pytest.raises(ApplicationError) as refused:
        availability_withdraw(availability_id=availability.pk, team_member=member)

    # then
    assert refused.value.message == (
        "This availability cannot be withdrawn: the slot of Monday 18 May 2020 10:00 is booked by "
        "Van Dam Logistiek B.V. (AGS). Reschedule that booking first. Nothing was changed."
    )
    assert _snapshot() == before


def test_a_colleagues_availability_cannot_be_withdrawn(member):
    # given
    availability = _publish(member)
    before = _snapshot()

    # when
    with pytest.raises(ApplicationError, match="does not exist"):
        availability_withdraw(availability_id=availability.pk, team_member=team_member())

    # then
    assert _snapshot() == before


def test_past_availability_stays_as_a_record(member, settings):
    # given
    availability = _publish(member)
    settings.HTG_CLOCK_DATE = TUESDAY
    before = _snapshot()

    # when
    with pytest.raises(ApplicationError, match="in the past"):
        availability_withdraw(availability_id=availability.pk, team_member=member)

    # then
    assert _snapshot() == before


def test_a_slot_with_booking_history_outlives_its_block_and_is_adopted_when_the_hours_come_back(member, walker):
    # given: the 10:00 slot was booked once and the company did not show up
    availability = _publish(member)
    connection = _offered(walker)
    slot = _slot_at(member, MONDAY, TEN)
    slot_book(slot_id=slot.pk, connection_id=connection.pk, actor=walker)
    slot_record_no_show(connection_id=connection.pk, actor=walker)

    # when: the block is withdrawn
    availability_withdraw(availability_id=availability.pk, team_member=member)

    # then: the slot stays with its history, no longer offered
    slot.refresh_from_db()
    assert slot.availability is None
    assert Slot.objects.count() == 1
    assert slot_free_list(connection=connection, now=clock.now()) == []

    # when: the same hours are published again
    again = _publish(member)

    # then: the old slot belongs to the new block, next to two new ones
    assert list(again.slots.order_by("starts_at").values_list("starts_at__hour", flat=True)) == [9, 10, 11]
    slot.refresh_from_db()
    assert slot.availability == again
    assert Slot.objects.count() == 3


# --- booking ---


def test_booking_a_slot_moves_the_connection_to_slot_booked(member, walker):
    # given
    _publish(member)
    connection = _offered(walker)
    slot = _slot_at(member, MONDAY, TEN)
    actor = team_member()

    # when
    booking = slot_book(slot_id=slot.pk, connection_id=connection.pk, actor=actor, expected_state="slot_offered")

    # then
    connection.refresh_from_db()
    assert connection.state == "slot_booked"
    assert (booking.slot, booking.connection, booking.booked_by, booking.cancelled_at) == (
        slot,
        connection,
        actor,
        None,
    )
    event = ConnectionEvent.objects.filter(connection=connection).latest("id")
    assert (event.transition, event.actor) == ("book_slot", actor)


def test_a_company_contact_books_a_slot_for_its_own_connection(member, walker):
    # given
    _publish(member)
    connection = _offered(walker)
    contact = ContactFactory(customer=connection.customer, user=UserFactory(is_staff=False))

    # when
    slot_book(slot_id=_slot_at(member, MONDAY, NINE).pk, connection_id=connection.pk, actor=contact.user)

    # then
    connection.refresh_from_db()
    assert connection.state == "slot_booked"


def test_a_hub_books_a_slot_for_its_client(member, walker):
    # given
    hub = CustomerFactory(role=Customer.Role.HUB)
    connection = _offered(walker, customer__hub=hub)
    hub_contact = ContactFactory(customer=hub, user=UserFactory(is_staff=False))
    _publish(member)

    # when
    slot_book(slot_id=_slot_at(member, MONDAY, NINE).pk, connection_id=connection.pk, actor=hub_contact.user)

    # then
    connection.refresh_from_db()
    assert connection.state == "slot_booked"


@pytest.mark.parametrize("who", ["helpdesk", "another company"])
def test_someone_without_the_right_cannot_book_and_nothing_is_written(member, walker, who):
    # given
    _publish(member)
    connection = _offered(walker)
    actor = helpdesk_member() if who == "helpdesk" else ContactFactory(user=UserFactory(is_staff=False)).user
    before = _snapshot()

    # when
    with pytest.raises(PermissionDenied):
        slot_book(slot_id=_slot_at(member, MONDAY, NINE).pk, connection_id=connection.pk, actor=actor)

    # then
    assert _snapshot() == before
    connection.refresh_from_db()
    assert connection.state == "slot_offered"


def test_a_booked_slot_cannot_be_booked_again_and_the_other_connection_stays_offered(member, walker):
    # given
    _publish(member)
    slot = _slot_at(member, MONDAY, TEN)
    first, second = _offered(walker), _offered(walker)
    slot_book(slot_id=slot.pk, connection_id=first.pk, actor=walker)
    before = _snapshot()

    # when
    with pytest.raises(ConflictError) as refused:
        slot_book(slot_id=slot.pk, connection_id=second.pk, actor=walker)

    # then
    assert refused.value.message == "This slot was just taken: choose another. Nothing was changed."
    assert _snapshot() == before
    second.refresh_from_db()
    assert second.state == "slot_offered"


def test_a_connection_with_a_booked_slot_cannot_book_a_second_one(member, walker):
    # given
    _publish(member)
    connection = _offered(walker)
    slot_book(slot_id=_slot_at(member, MONDAY, NINE).pk, connection_id=connection.pk, actor=walker)
    before = _snapshot()

    # when
    with pytest.raises(ConflictError, match="already has a booked slot: reschedule it instead"):
        slot_book(slot_id=_slot_at(member, MONDAY, TEN).pk, connection_id=connection.pk, actor=walker)

    # then
    assert _snapshot() == before


def test_a_connection_that_is_not_offered_a_slot_cannot_book_one(member, walker):
    # given
    _publish(member)
    connection = walk_to(ConnectionFactory(), "intake_received", walker)
    before = _snapshot()

    # when
    with pytest.raises(
        ConflictError, match="“Book the slot” is not possible while the connection is “Intake received”"
    ):
        slot_book(slot_id=_slot_at(member, MONDAY, NINE).pk, connection_id=connection.pk, actor=walker)

    # then
    assert _snapshot() == before
    connection.refresh_from_db()
    assert connection.state == "intake_received"


def test_a_stale_page_gets_a_conflict_and_books_nothing(member, walker):
    # given: the page was loaded while slot offered; a colleague put the connection on hold since
    _publish(member)
    connection = _offered(walker)
    connection_transition(connection_id=connection.pk, transition="hold", actor=walker)
    before = _snapshot()

    # when
    with pytest.raises(ConflictError, match="Someone else changed this connection first"):
        slot_book(
            slot_id=_slot_at(member, MONDAY, NINE).pk,
            connection_id=connection.pk,
            actor=walker,
            expected_state="slot_offered",
        )

    # then
    assert _snapshot() == before


def test_a_slot_outside_the_plateaus_booking_window_cannot_be_booked(member, walker):
    # given: plateau 1 (AGS) closes its window on Tuesday 19 May; plateau 2 is open on Wednesday
    _publish(member, date=WEDNESDAY)
    Plateau.objects.filter(number=1).update(booking_window_end=TUESDAY)
    connection = _offered(walker)
    before = _snapshot()

    # when
    with pytest.raises(ApplicationError) as refused:
        slot_book(slot_id=_slot_at(member, WEDNESDAY, NINE).pk, connection_id=connection.pk, actor=walker)

    # then
    assert refused.value.message == (
        "This slot lies outside the booking window of plateau 1 (3 February 2020 until 19 May 2020): "
        "choose a slot inside it."
    )
    assert _snapshot() == before
    connection.refresh_from_db()
    assert connection.state == "slot_offered"


def test_a_slot_inside_the_window_of_another_plateau_is_bookable_for_that_plateaus_flow(
    member, walker, programme_flows
):
    # given: the same Wednesday slot, plateau 1 closed, for a connection of plateau 2 (SW)
    _publish(member, date=WEDNESDAY)
    Plateau.objects.filter(number=1).update(booking_window_end=TUESDAY)
    connection = _offered(walker, flow=programme_flows["SW"])

    # when
    slot_book(slot_id=_slot_at(member, WEDNESDAY, NINE).pk, connection_id=connection.pk, actor=walker)

    # then
    connection.refresh_from_db()
    assert connection.state == "slot_booked"


def test_a_plateau_without_a_booking_window_takes_no_bookings(member, walker):
    # given
    _publish(member)
    Plateau.objects.filter(number=1).update(booking_window_start=None)
    connection = _offered(walker)
    before = _snapshot()

    # when
    with pytest.raises(ApplicationError, match="Plateau 1 has no booking window yet"):
        slot_book(slot_id=_slot_at(member, MONDAY, NINE).pk, connection_id=connection.pk, actor=walker)

    # then
    assert _snapshot() == before


def test_a_slot_that_has_passed_cannot_be_booked(member, walker, settings):
    # given: published on Friday; it is now Tuesday
    _publish(member)
    connection = _offered(walker)
    settings.HTG_CLOCK_DATE = TUESDAY
    before = _snapshot()

    # when
    with pytest.raises(ApplicationError, match="This slot has already begun or passed"):
        slot_book(slot_id=_slot_at(member, MONDAY, NINE).pk, connection_id=connection.pk, actor=walker)

    # then
    assert _snapshot() == before


def test_a_slot_without_its_block_is_not_offered(member, walker):
    # given: a slot left over from a withdrawn block
    availability = _publish(member)
    slot = _slot_at(member, MONDAY, NINE)
    Slot.objects.filter(pk=slot.pk).update(availability=None)
    connection = _offered(walker)
    before = _snapshot()

    # when
    with pytest.raises(ApplicationError, match="This slot is no longer offered"):
        slot_book(slot_id=slot.pk, connection_id=connection.pk, actor=walker)

    # then
    assert _snapshot() == before
    assert availability.slots.count() == 2


def test_a_slot_that_does_not_exist_is_refused(walker):
    connection = _offered(walker)
    with pytest.raises(ApplicationError, match="This slot does not exist"):
        slot_book(slot_id=987654, connection_id=connection.pk, actor=walker)
    assert SlotBooking.objects.count() == 0


# --- rescheduling ---


def test_rescheduling_frees_the_old_slot_and_books_the_new_one(member, walker):
    # given
    _publish(member)
    connection = _offered(walker)
    old_slot, new_slot = _slot_at(member, MONDAY, NINE), _slot_at(member, MONDAY, ELEVEN)
    old_booking = slot_book(slot_id=old_slot.pk, connection_id=connection.pk, actor=walker)
    actor = team_member()

    # when
    new_booking = slot_reschedule(connection_id=connection.pk, new_slot_id=new_slot.pk, actor=actor)

    # then
    connection.refresh_from_db()
    assert connection.state == "slot_booked"
    old_booking.refresh_from_db()
    assert old_booking.cancelled_at is not None
    assert old_booking.end_reason == "rescheduled"
    assert (new_booking.slot, new_booking.cancelled_at, new_booking.booked_by) == (new_slot, None, actor)
    assert list(
        ConnectionEvent.objects.filter(connection=connection).order_by("id").values_list("transition", flat=True)
    )[-3:] == ["book_slot", "reschedule", "book_slot"]
    # the old slot is free for another company
    other = _offered(walker)
    assert old_slot in slot_free_list(connection=other, now=clock.now())
    slot_book(slot_id=old_slot.pk, connection_id=other.pk, actor=walker)


def test_rescheduling_to_a_taken_slot_changes_nothing(member, walker):
    # given
    _publish(member)
    connection, other = _offered(walker), _offered(walker)
    slot_book(slot_id=_slot_at(member, MONDAY, NINE).pk, connection_id=connection.pk, actor=walker)
    taken = _slot_at(member, MONDAY, TEN)
    slot_book(slot_id=taken.pk, connection_id=other.pk, actor=walker)
    before = _snapshot()

    # when
    with pytest.raises(ConflictError, match="This slot was just taken"):
        slot_reschedule(connection_id=connection.pk, new_slot_id=taken.pk, actor=walker)

    # then: the old booking is still active, the state still slot booked, no event written
    assert _snapshot() == before
    connection.refresh_from_db()
    assert connection.state == "slot_booked"


def test_rescheduling_to_the_same_slot_is_refused(member, walker):
    # given
    _publish(member)
    connection = _offered(walker)
    slot = _slot_at(member, MONDAY, NINE)
    slot_book(slot_id=slot.pk, connection_id=connection.pk, actor=walker)
    before = _snapshot()

    # when
    with pytest.raises(ApplicationError, match="This is already the booked slot"):
        slot_reschedule(connection_id=connection.pk, new_slot_id=slot.pk, actor=walker)

    # then
    assert _snapshot() == before


def test_a_connection_without_a_booking_cannot_be_rescheduled(member, walker):
    # given
    _publish(member)
    connection = _offered(walker)
    before = _snapshot()

    # when
    with pytest.raises(ConflictError, match="“Reschedule” is not possible while the connection is “Slot offered”"):
        slot_reschedule(connection_id=connection.pk, new_slot_id=_slot_at(member, MONDAY, NINE).pk, actor=walker)

    # then
    assert _snapshot() == before


# --- no-show ---


def test_a_no_show_sends_the_connection_back_to_slot_offered_and_frees_the_slot(member, walker):
    # given
    _publish(member)
    connection = _offered(walker)
    slot = _slot_at(member, MONDAY, NINE)
    booking = slot_book(slot_id=slot.pk, connection_id=connection.pk, actor=walker)
    actor = team_member()

    # when
    moved = slot_record_no_show(connection_id=connection.pk, actor=actor)

    # then
    assert moved.state == "slot_offered"
    assert moved.due_on is not None  # waiting on the company again
    booking.refresh_from_db()
    assert booking.cancelled_at is not None
    assert booking.end_reason == "no_show"
    assert slot in slot_free_list(connection=moved, now=clock.now())
    event = ConnectionEvent.objects.filter(connection=connection).latest("id")
    assert (event.transition, event.from_state, event.to_state, event.actor) == (
        "record_no_show",
        "slot_booked",
        "slot_offered",
        actor,
    )
    # and the company can book again
    slot_book(slot_id=_slot_at(member, MONDAY, TEN).pk, connection_id=connection.pk, actor=walker)


def test_only_the_team_records_a_no_show(member, walker):
    # given
    _publish(member)
    connection = _offered(walker)
    slot_book(slot_id=_slot_at(member, MONDAY, NINE).pk, connection_id=connection.pk, actor=walker)
    contact = ContactFactory(customer=connection.customer, user=UserFactory(is_staff=False))
    before = _snapshot()

    # when
    with pytest.raises(PermissionDenied):
        slot_record_no_show(connection_id=connection.pk, actor=contact.user)

    # then
    assert _snapshot() == before
    connection.refresh_from_db()
    assert connection.state == "slot_booked"


# --- slot_choose: what both slot pages (the team's, the company's) do with a chosen slot ---


def test_choosing_a_slot_books_it_and_choosing_another_moves_the_booking(member, walker):
    _publish(member)
    connection = _offered(walker)
    first, second = _slot_at(member, MONDAY, NINE), _slot_at(member, MONDAY, TEN)

    booked = slot_choose(
        connection_id=connection.pk, slot_text=str(first.pk), actor=walker, expected_state="slot_offered"
    )
    moved = slot_choose(
        connection_id=connection.pk, slot_text=str(second.pk), actor=walker, expected_state="slot_booked"
    )

    assert (booked.rescheduled, booked.booking.slot_id) == (False, first.pk)
    assert (moved.rescheduled, moved.booking.slot_id) == (True, second.pk)
    assert list(SlotBooking.objects.filter(cancelled_at__isnull=True).values_list("slot_id", flat=True)) == [second.pk]


@pytest.mark.parametrize("slot_text", ["", "abc", "-1", "1.5", " 7"])
def test_choosing_anything_but_a_slot_id_is_refused_and_nothing_changes(member, walker, slot_text):
    _publish(member)
    connection = _offered(walker)
    before = _snapshot()

    with pytest.raises(ApplicationError, match="Choose a slot first"):
        slot_choose(connection_id=connection.pk, slot_text=slot_text, actor=walker, expected_state=None)

    assert _snapshot() == before
    connection.refresh_from_db()
    assert connection.state == "slot_offered"

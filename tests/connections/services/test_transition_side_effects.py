"""What a transition does besides the state: due dates, the slot it frees, the escalation it closes."""

import datetime

import pytest

from connections.models import Escalation, SlotBooking
from connections.services.transitions import connection_transition
from htg_migration.errors import ApplicationError
from tests.connections.factories import AMSTERDAM, ConnectionFactory, UserFactory, reserve_slot, walk_to

pytestmark = pytest.mark.django_db

THURSDAY_30_APRIL = datetime.datetime(2020, 4, 30, 10, tzinfo=AMSTERDAM)


@pytest.fixture
def walker():
    return UserFactory(is_superuser=True)


def test_a_step_that_waits_on_the_company_gets_a_due_date_in_dutch_business_days(walker, settings):
    # given: three business days for an invitation
    settings.HTG_DUE_BUSINESS_DAYS = {"invited": 3, "slot_offered": 5, "testing": 10}
    connection = ConnectionFactory()

    # when
    invited = connection_transition(
        connection_id=connection.pk, transition="invite", actor=walker, at=THURSDAY_30_APRIL
    )

    # then: Fri 1 May, Mon 4 May, (Tue 5 May is Liberation Day), Wed 6 May
    assert invited.due_on == datetime.date(2020, 5, 6)

    # when the company acts, the step no longer waits on it
    received = connection_transition(connection_id=connection.pk, transition="receive_intake", actor=walker)
    assert received.due_on is None


def test_book_slot_needs_a_reserved_slot(walker):
    connection = walk_to(ConnectionFactory(), "slot_offered", walker)
    with pytest.raises(ApplicationError, match="Choose a free slot first"):
        connection_transition(connection_id=connection.pk, transition="book_slot", actor=walker)
    connection.refresh_from_db()
    assert connection.state == "slot_offered"


@pytest.mark.parametrize(
    ("transition", "reason"),
    [
        ("reschedule", "rescheduled"),
        ("record_no_show", "no_show"),
        ("withdraw", "cancelled"),
        ("mark_missed", "cancelled"),
    ],
)
def test_leaving_slot_booked_frees_the_slot(walker, transition, reason):
    # given
    connection = walk_to(ConnectionFactory(), "slot_booked", walker)
    booking = SlotBooking.objects.get(connection=connection)

    # when
    connection_transition(connection_id=connection.pk, transition=transition, actor=walker)

    # then: the slot has no active booking any more and can be booked by another company
    booking.refresh_from_db()
    assert booking.cancelled_at is not None
    assert booking.end_reason == reason
    reserve_slot(ConnectionFactory(flow=connection.flow), slot=booking.slot)


@pytest.mark.parametrize("transition", ["send_technical_data", "hold"])
def test_moving_on_or_holding_keeps_the_booking(walker, transition):
    connection = walk_to(ConnectionFactory(), "slot_booked", walker)
    connection_transition(connection_id=connection.pk, transition=transition, actor=walker)
    assert SlotBooking.objects.get(connection=connection).cancelled_at is None


@pytest.mark.parametrize(
    ("transition", "outcome"), [("receive_intake", "customer_acted"), ("withdraw", "closed_otherwise")]
)
def test_an_escalation_closes_itself_when_the_connection_leaves_the_waiting_step(walker, transition, outcome):
    # given
    connection = walk_to(ConnectionFactory(), "invited", walker)
    escalation = Escalation.objects.create(connection=connection, waiting_state="invited", reason="no answer")

    # when
    connection_transition(connection_id=connection.pk, transition=transition, actor=walker)

    # then
    escalation.refresh_from_db()
    assert escalation.closed_at is not None
    assert escalation.outcome == outcome


def test_a_step_that_does_not_leave_the_waiting_state_keeps_the_escalation_open(walker):
    connection = walk_to(ConnectionFactory(), "slot_booked", walker)
    escalation = Escalation.objects.create(connection=connection, waiting_state="slot_offered", reason="old")
    connection_transition(connection_id=connection.pk, transition="send_technical_data", actor=walker)
    escalation.refresh_from_db()
    assert escalation.closed_at is None

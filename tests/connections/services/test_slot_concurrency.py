"""A slot is never double-booked: real concurrent bookings on PostgreSQL, decided by the database constraint."""

import datetime
import threading

import pytest

from connections.models import ConnectionEvent, Slot, SlotBooking
from connections.services.slots import availability_publish, slot_book
from htg_migration.errors import ConflictError
from tests.conftest import run_in_threads
from tests.connections.factories import (
    AMSTERDAM,
    ConnectionFactory,
    ContactFactory,
    UserFactory,
    team_member,
    walk_to,
)

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_two_companies_booking_the_same_slot_at_once_get_one_booking_and_one_conflict(settings):
    # given: two companies, each with a connection offered a slot, and one free slot
    settings.HTG_CLOCK_DATE = datetime.date(2020, 5, 15)
    walker = UserFactory(is_superuser=True)
    availability = availability_publish(
        team_member=team_member(),
        date=datetime.date(2020, 5, 18),
        start_time=datetime.time(10),
        end_time=datetime.time(11),
    )
    slot = Slot.objects.get(availability=availability)
    assert slot.starts_at == datetime.datetime(2020, 5, 18, 10, tzinfo=AMSTERDAM)
    contenders = []
    for _ in range(2):
        connection = walk_to(ConnectionFactory(), "slot_offered", walker)
        contact = ContactFactory(customer=connection.customer, user=UserFactory(is_staff=False))
        contenders.append((connection, contact.user))
    barrier = threading.Barrier(2)

    def book(connection, user):
        def target():
            barrier.wait()
            return slot_book(slot_id=slot.pk, connection_id=connection.pk, actor=user, expected_state="slot_offered")

        return target

    # when
    results = run_in_threads([book(connection, user) for connection, user in contenders])

    # then: exactly one booking, the other a clear conflict
    winners = [result for result in results if isinstance(result, SlotBooking)]
    conflicts = [result for result in results if isinstance(result, ConflictError)]
    assert len(winners) == 1, results
    assert len(conflicts) == 1, results
    assert conflicts[0].message == "This slot was just taken: choose another. Nothing was changed."
    assert list(SlotBooking.objects.filter(slot=slot).values_list("connection_id", "cancelled_at")) == [
        (winners[0].connection_id, None)
    ]

    # and the losing connection is still waiting for a slot, with nothing in its timeline about it
    winner_id = winners[0].connection_id
    for connection, _user in contenders:
        connection.refresh_from_db()
        booked = connection.pk == winner_id
        assert connection.state == ("slot_booked" if booked else "slot_offered")
        transitions = list(
            ConnectionEvent.objects.filter(connection=connection).order_by("id").values_list("transition", flat=True)
        )
        assert transitions == ["receive_intake", "offer_slot", *(["book_slot"] if booked else [])]

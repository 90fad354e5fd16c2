"""Two companies click "Book this slot" for the same slot at the same moment in the portal: one booking, one clear
refusal, on PostgreSQL with real concurrent requests."""

import datetime
import re
import threading

import pytest
from django.test import Client
from django.urls import reverse

from connections.models import ConnectionEvent, Slot, SlotBooking
from connections.services.slots import availability_publish
from tests.conftest import run_in_threads
from tests.connections.factories import ConnectionFactory, UserFactory, team_member, walk_to
from tests.connections.portal_factories import company_contact, hub_with_client

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_two_companies_booking_the_same_slot_in_the_portal_get_one_booking_and_one_refusal(settings):
    # given: a direct company and a hub acting for its client, each with a connection offered a slot; one free slot
    settings.HTG_CLOCK_DATE = datetime.date(2020, 5, 15)
    walker = UserFactory(is_superuser=True)
    availability = availability_publish(
        team_member=team_member(),
        date=datetime.date(2020, 5, 18),
        start_time=datetime.time(10),
        end_time=datetime.time(11),
    )
    slot = Slot.objects.get(availability=availability)
    direct = company_contact()
    hub, client_customer = hub_with_client()
    contenders = [
        (direct.user, walk_to(ConnectionFactory(customer=direct.customer), "slot_offered", walker)),
        (hub.user, walk_to(ConnectionFactory(customer=client_customer), "slot_offered", walker)),
    ]
    barrier = threading.Barrier(2)

    def book(user, connection):
        browser = Client()
        browser.force_login(user)
        url = reverse("portal:connection_slot", args=[connection.pk])

        def target():
            barrier.wait()
            response = browser.post(url, {"slot": slot.pk, "expected_state": "slot_offered"}, follow=True)
            # From the page itself: response.context is filled by a signal that every thread's client hears.
            content = response.content.decode()
            return re.findall(
                r'<p class="message message--\w+">([^<]*)</p>|<h1 id="done-heading">([^<]*)</h1>', content
            )

        return target

    # when
    results = run_in_threads([book(user, connection) for user, connection in contenders])

    # then
    assert sorted(results) == [
        [("", "Your session is booked")],
        [("This slot was just taken: choose another. Nothing was changed.", "")],
    ], results
    booking = SlotBooking.objects.get(slot=slot)
    assert booking.cancelled_at is None
    for _user, connection in contenders:
        connection.refresh_from_db()
        winner = connection.pk == booking.connection_id
        assert connection.state == ("slot_booked" if winner else "slot_offered")
        assert ConnectionEvent.objects.filter(connection=connection, transition="book_slot").count() == int(winner)

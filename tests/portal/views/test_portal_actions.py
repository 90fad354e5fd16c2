"""The portal's actions through Django's test client: booking and rescheduling a slot, the confirmations, a problem
report, and a hub acting for its client."""

import datetime

import pytest
from django.urls import reverse

from connections.models import CallbackRequest, ConnectionEvent, HelpdeskContact, Slot, SlotBooking, TeamAvailability
from connections.services.slots import availability_publish
from tests.connections.factories import AMSTERDAM, ConnectionFactory, UserFactory, team_member, walk_to
from tests.connections.portal_factories import company_contact, hub_with_client
from tests.submit_tokens import fresh_submit_token, page_submit_token

pytestmark = pytest.mark.django_db

FRIDAY = datetime.date(2020, 5, 15)
MONDAY = datetime.date(2020, 5, 18)


@pytest.fixture(autouse=True)
def pinned_clock(settings):
    settings.HTG_CLOCK_DATE = FRIDAY


@pytest.fixture
def walker():
    return UserFactory(is_superuser=True)


@pytest.fixture
def member():
    user = team_member(first_name="Tessa", last_name="de Vries")
    availability_publish(team_member=user, date=MONDAY, start_time=datetime.time(9), end_time=datetime.time(12))
    return user


def _slot(member, hour, date=MONDAY):
    return Slot.objects.get(
        team_member=member, starts_at=datetime.datetime.combine(date, datetime.time(hour), AMSTERDAM)
    )


def _messages(response):
    return [str(message) for message in response.context["messages"]]


def _signed_in(client, contact):
    client.force_login(contact.user)
    return client


def _bookings(connection):
    return list(
        SlotBooking.objects.filter(connection=connection)
        .order_by("id")
        .values_list("slot_id", "cancelled_at", "end_reason")
    )


def test_the_slot_page_offers_the_free_slots_in_the_window_and_books_one(client, walker, member):
    # given
    contact = company_contact()
    connection = walk_to(ConnectionFactory(customer=contact.customer), "slot_offered", walker)
    taken = walk_to(ConnectionFactory(), "slot_offered", walker)
    from connections.services.slots import slot_book

    slot_book(slot_id=_slot(member, 9).pk, connection_id=taken.pk, actor=walker)
    _signed_in(client, contact)
    url = reverse("portal:connection_slot", args=[connection.pk])

    # when
    page = client.get(url)

    # then: the two free slots (10:00 and 11:00), not the taken one
    assert page.status_code == 200
    assert [slot.pk for slot in page.context["free_slots"]] == [_slot(member, 10).pk, _slot(member, 11).pk]

    # when: booking 10:00
    response = client.post(url, {"slot": _slot(member, 10).pk, "expected_state": "slot_offered"}, follow=True)

    # then
    # then: the confirmation page says what happened and what happens next
    assert response.redirect_chain == [(reverse("portal:connection_slot_booked", args=[connection.pk]), 302)]
    content = response.content.decode()
    assert "Your session is booked" in content
    assert "Monday 18 May 2020 10:00–11:00" in content
    assert "Amsterdam time, CEST" in content
    assert f"calendar invitation to: {contact.email}." in content
    assert f"calls {contact.name} on {contact.phone} at the start" in content
    connection.refresh_from_db()
    assert connection.state == "slot_booked"
    assert _bookings(connection) == [(_slot(member, 10).pk, None, "")]
    event = ConnectionEvent.objects.filter(connection=connection).latest("id")
    assert (event.transition, event.actor) == ("book_slot", contact.user)


def test_rescheduling_moves_the_booking_and_frees_the_old_slot(client, walker, member):
    # given
    contact = company_contact()
    connection = walk_to(ConnectionFactory(customer=contact.customer), "slot_offered", walker)
    _signed_in(client, contact)
    url = reverse("portal:connection_slot", args=[connection.pk])
    client.post(url, {"slot": _slot(member, 9).pk, "expected_state": "slot_offered"}, follow=True)

    # when
    response = client.post(url, {"slot": _slot(member, 11).pk, "expected_state": "slot_booked"}, follow=True)

    # then
    assert response.redirect_chain == [(reverse("portal:connection_slot_booked", args=[connection.pk]), 302)]
    assert "Your session is moved" in response.content.decode()
    assert "Monday 18 May 2020 11:00–12:00" in response.content.decode()
    connection.refresh_from_db()
    assert connection.state == "slot_booked"
    bookings = _bookings(connection)
    assert [(slot_id, cancelled is None, reason) for slot_id, cancelled, reason in bookings] == [
        (_slot(member, 9).pk, False, "rescheduled"),
        (_slot(member, 11).pk, True, ""),
    ]


def test_a_taken_slot_or_one_outside_the_window_is_refused_and_nothing_changes(client, walker, member):
    # given: a slot booked by someone else, and a published slot after plateau 1's window (19 June 2020)
    contact = company_contact()
    connection = walk_to(ConnectionFactory(customer=contact.customer), "slot_offered", walker)
    other = walk_to(ConnectionFactory(), "slot_offered", walker)
    from connections.services.slots import slot_book

    slot_book(slot_id=_slot(member, 9).pk, connection_id=other.pk, actor=walker)
    late = TeamAvailability.objects.create(
        team_member=member, date=datetime.date(2020, 6, 22), start_time=datetime.time(9), end_time=datetime.time(10)
    )
    outside = Slot.objects.create(
        team_member=member,
        availability=late,
        starts_at=datetime.datetime(2020, 6, 22, 9, tzinfo=AMSTERDAM),
        ends_at=datetime.datetime(2020, 6, 22, 10, tzinfo=AMSTERDAM),
    )
    _signed_in(client, contact)
    url = reverse("portal:connection_slot", args=[connection.pk])
    events_before = ConnectionEvent.objects.filter(connection=connection).count()

    # when / then
    cases = [
        (_slot(member, 9).pk, "This slot was just taken: choose another. Nothing was changed."),
        (
            outside.pk,
            "This slot lies outside the booking window of plateau 1 (3 February 2020 until 19 June 2020): "
            "choose a slot inside it.",
        ),
        (999_999, "This slot does not exist (any more): choose another."),
        ("abc", "Choose a slot first."),
    ]
    for slot_id, message in cases:
        response = client.post(url, {"slot": slot_id, "expected_state": "slot_offered"}, follow=True)
        assert response.redirect_chain == [(url, 302)]
        assert _messages(response) == [message]
    connection.refresh_from_db()
    assert connection.state == "slot_offered"
    assert _bookings(connection) == []
    assert ConnectionEvent.objects.filter(connection=connection).count() == events_before


def test_booking_when_the_team_moved_the_connection_meanwhile_is_a_conflict(client, walker, member):
    contact = company_contact()
    connection = walk_to(ConnectionFactory(customer=contact.customer), "intake_received", walker)
    _signed_in(client, contact)

    response = client.post(
        reverse("portal:connection_slot", args=[connection.pk]),
        {"slot": _slot(member, 9).pk, "expected_state": "slot_offered"},
        follow=True,
    )

    assert _messages(response) == [
        "Someone else changed this connection first: it is now “Intake received”. Nothing was changed."
    ]
    assert _bookings(connection) == []


def test_the_connection_page_shows_the_confirm_button_only_in_its_state_and_records_it_once(client, walker):
    # given
    contact = company_contact()
    connection = walk_to(ConnectionFactory(customer=contact.customer), "testing", walker)
    _signed_in(client, contact)
    page_url = reverse("portal:connection", args=[connection.pk])
    confirm_url = reverse("portal:connection_confirm", args=[connection.pk])

    # then: the test-messages button is there, ready for production is not yet possible
    page = client.get(page_url)
    assert [(item["kind"], item["possible"], item["event"]) for item in page.context["confirmations"]] == [
        ("confirm_test_messages_sent", True, None),
        ("confirm_ready_for_production", False, None),
    ]
    assert "Confirm: test messages sent" in page.content.decode()
    assert "Confirm: ready for production" not in page.content.decode()

    # when: ready for production too early, then test messages twice
    early = client.post(confirm_url, {"kind": "confirm_ready_for_production"}, follow=True)
    first = client.post(confirm_url, {"kind": "confirm_test_messages_sent"}, follow=True)
    second = client.post(confirm_url, {"kind": "confirm_test_messages_sent"}, follow=True)

    # then
    assert _messages(early) == [
        "You can confirm that you are ready for production only once the connection is “Test passed”; "
        "it is now “Testing”. Nothing was recorded."
    ]
    confirmed_url = reverse("portal:connection_confirmed", args=[connection.pk, "confirm_test_messages_sent"])
    assert first.redirect_chain == [(confirmed_url, 302)]
    assert "Thank you: your confirmation is recorded" in first.content.decode()
    assert "The connection team checks the test messages" in first.content.decode()
    assert second.redirect_chain == [(f"{confirmed_url}?again=1", 302)]
    assert "This was already confirmed" in second.content.decode()
    assert "Nothing new was recorded." in second.content.decode()
    assert list(
        ConnectionEvent.objects.filter(connection=connection, from_state="testing", to_state="testing").values_list(
            "transition", flat=True
        )
    ) == ["confirm_test_messages_sent"]
    assert "Confirm: test messages sent" not in client.get(page_url).content.decode()


def test_the_team_sees_the_confirmation_in_the_timeline(client, walker):
    contact = company_contact()
    connection = walk_to(ConnectionFactory(customer=contact.customer), "test_passed", walker)
    _signed_in(client, contact).post(
        reverse("portal:connection_confirm", args=[connection.pk]), {"kind": "confirm_ready_for_production"}
    )

    client.force_login(team_member())
    page = client.get(reverse("connections:connection_detail", args=[connection.pk]))

    assert "Company confirmed: ready for production" in page.content.decode()


def test_confirm_is_post_only(client, walker):
    contact = company_contact()
    connection = walk_to(ConnectionFactory(customer=contact.customer), "testing", walker)
    _signed_in(client, contact)

    assert client.get(reverse("portal:connection_confirm", args=[connection.pk])).status_code == 405


def test_reporting_a_problem_gives_a_reference_and_reaches_the_callback_queue(client, walker):
    # given
    contact = company_contact()
    connection = walk_to(ConnectionFactory(customer=contact.customer), "live", walker)
    _signed_in(client, contact)
    url = reverse("portal:problem_report", args=[connection.pk])
    form = client.get(url)
    assert form.context["form"].initial == {"contact_name": contact.name, "contact_phone": "+31 10 123 4567"}

    # when: first without a description, then complete
    token = page_submit_token(form)
    refused = client.post(
        url, {"description": "", "contact_name": "Anna", "contact_phone": "010 1234567", "submit_token": token}
    )
    response = client.post(
        url,
        {
            "description": "NCTS replies missing",
            "contact_name": "Anna",
            "contact_phone": "010 1234567",
            "submit_token": page_submit_token(refused),
        },
        follow=True,
    )

    # then
    assert refused.status_code == 400
    assert "Your report was not sent: correct the fields below." in refused.content.decode()
    callback = CallbackRequest.objects.get()
    assert response.redirect_chain == [(reverse("portal:problem_reported", args=[callback.pk]), 302)]
    assert response.context["reference"] == f"P-{callback.pk:06d}"
    assert (callback.urgency, callback.connection_id, callback.contact_phone) == (
        "normal",
        connection.pk,
        "010 1234567",
    )
    assert HelpdeskContact.objects.get().topic == "problem_after_migration"
    # the team's callback queue lists it
    client.force_login(team_member())
    assert "NCTS replies missing" in client.get(reverse("helpdesk:callback_queue")).content.decode()


def test_a_problem_report_before_going_live_is_refused_on_the_page(client, walker):
    contact = company_contact()
    connection = walk_to(ConnectionFactory(customer=contact.customer), "testing", walker)
    _signed_in(client, contact)
    url = reverse("portal:problem_report", args=[connection.pk])

    page = client.get(url)
    response = client.post(
        url, {"description": "x", "contact_name": "Anna", "contact_phone": "010", "submit_token": fresh_submit_token()}
    )

    assert "can be reported once the connection is live on HTG" in page.content.decode()
    assert page.context["can_report_problem"] is False
    assert response.status_code == 400
    assert response.context["refused"].startswith("A problem after migration can be reported once")
    assert (CallbackRequest.objects.count(), HelpdeskContact.objects.count()) == (0, 0)


# --- a hub acts for its client through the same pages ---


def test_a_hub_books_and_confirms_for_its_client(client, walker, member):
    hub, customer = hub_with_client()
    offered = walk_to(ConnectionFactory(customer=customer), "slot_offered", walker)
    testing = walk_to(_cid(customer), "testing", walker)
    _signed_in(client, hub)

    page = client.get(reverse("portal:connection", args=[offered.pk]))
    client.post(
        reverse("portal:connection_slot", args=[offered.pk]),
        {"slot": _slot(member, 10).pk, "expected_state": "slot_offered"},
    )
    client.post(reverse("portal:connection_confirm", args=[testing.pk]), {"kind": "confirm_test_messages_sent"})

    assert page.context["acting_for_client"] is True
    offered.refresh_from_db()
    assert offered.state == "slot_booked"
    assert SlotBooking.objects.get(connection=offered).booked_by == hub.user
    assert ConnectionEvent.objects.get(connection=testing, transition="confirm_test_messages_sent").actor == hub.user


def _cid(customer):
    from plateaus.models import MessageFlow

    return ConnectionFactory(customer=customer, flow=MessageFlow.objects.get(code="CID"))


@pytest.mark.parametrize(
    ("state", "text"),
    [
        ("invited", "A slot can be booked once the connection team has offered one; you will receive an e-mail."),
        ("slot_offered", "Book a slot"),
        ("testing", "Your session with the connection team is on"),  # booked from 18 May on: still to come
        ("on_hold", "the connection is now “On hold”."),
    ],
)
def test_the_slot_section_says_what_fits_the_state(client, walker, state, text):
    contact = company_contact()
    connection = walk_to(ConnectionFactory(customer=contact.customer), state, walker)
    _signed_in(client, contact)

    page = client.get(reverse("portal:connection", args=[connection.pk]))

    assert text in page.content.decode()


def test_the_slot_page_gives_the_booking_window_from_today_never_from_a_day_past(client, walker, member):
    # given: plateau 1's window opened on 3 February 2020; today is Friday 15 May
    contact = company_contact()
    connection = walk_to(ConnectionFactory(customer=contact.customer), "slot_offered", walker)
    _signed_in(client, contact)

    # when
    page = client.get(reverse("portal:connection_slot", args=[connection.pk])).content.decode()

    # then
    assert "Plateau 1: 15 May 2020 until 19 June 2020" in page
    assert "3 February 2020" not in page

"""The slot planning page, a connection's slot page and the iCalendar feed, through Django's test client."""

import datetime

import pytest
from django.urls import reverse

from connections.ical import calendar_token
from connections.models import ConnectionEvent, Slot, SlotBooking, TeamAvailability
from connections.services.slots import availability_publish, slot_book
from htg_migration import clock
from tests.connections.factories import (
    AMSTERDAM,
    ConnectionFactory,
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
# The whole moment, not only the date: at 00:30 in Amsterdam a date pinned with HTG_CLOCK_DATE is the day before in UTC
FRIDAY_MORNING = datetime.datetime.combine(FRIDAY, datetime.time(11, 45), AMSTERDAM)


@pytest.fixture(autouse=True)
def pinned_clock(monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: FRIDAY_MORNING)


@pytest.fixture
def walker():
    return UserFactory(is_superuser=True)


@pytest.fixture
def member(client):
    user = team_member(username="tessa", first_name="Tessa", last_name="de Vries")
    client.force_login(user)
    return user


def _publish(member, date=MONDAY, start=9, end=12):
    return availability_publish(
        team_member=member, date=date, start_time=datetime.time(start), end_time=datetime.time(end)
    )


def _slot_at(member, date, hour):
    return Slot.objects.get(
        team_member=member, starts_at=datetime.datetime.combine(date, datetime.time(hour), AMSTERDAM)
    )


def _offered(walker, **customer):
    return walk_to(ConnectionFactory(customer=CustomerFactory(**customer)), "slot_offered", walker)


def _booked(member, walker, date=MONDAY, hour=10, **customer):
    connection = _offered(walker, **customer)
    return slot_book(slot_id=_slot_at(member, date, hour).pk, connection_id=connection.pk, actor=walker)


def _messages(response):
    return [str(message) for message in response.context["messages"]]


# --- who may open the pages ---


def _team_urls():
    connection = ConnectionFactory()
    availability = TeamAvailability.objects.create(
        team_member=team_member(), date=MONDAY, start_time=datetime.time(9), end_time=datetime.time(10)
    )
    return [
        ("get", reverse("connections:slot_planning")),
        ("post", reverse("connections:slot_planning")),
        ("get", reverse("connections:connection_slot", args=[connection.pk])),
        ("post", reverse("connections:connection_slot", args=[connection.pk])),
        ("post", reverse("connections:availability_withdraw", args=[availability.pk])),
        ("post", reverse("connections:slot_pattern")),
    ]


def test_anonymous_visitors_are_sent_to_sign_in(client):
    # given
    urls = _team_urls()

    # when
    responses = [(url, getattr(client, method)(url)) for method, url in urls]

    # then
    for url, response in responses:
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("login") + "?next=")
    assert TeamAvailability.objects.count() == 1


def test_the_helpdesk_is_refused(client):
    # given
    urls = _team_urls()
    client.force_login(helpdesk_member())

    # when
    responses = [(url, getattr(client, method)(url)) for method, url in urls]

    # then
    assert [(url, response.status_code) for url, response in responses] == [(url, 403) for _method, url in urls]
    assert TeamAvailability.objects.count() == 1


# --- the planning page ---


def test_an_empty_planning_page_says_so(client, member):
    # when
    response = client.get(reverse("connections:slot_planning"))

    # then
    content = response.content.decode()
    assert response.status_code == 200
    assert "You have not published any availability from today on." in content
    assert "No slots in the coming four weeks yet" in content
    assert "Nobody has booked a slot with you from today on." in content


def test_publishing_availability_through_the_form(client, member):
    # when
    response = client.post(
        reverse("connections:slot_planning"), {"date": "2020-05-18", "start_time": "09:00", "end_time": "12:00"}
    )

    # then
    assert response.status_code == 302
    assert response["Location"] == reverse("connections:slot_planning")
    availability = TeamAvailability.objects.get()
    assert (availability.team_member, availability.date) == (member, MONDAY)
    assert availability.slots.count() == 3

    # and the page shows the block, its slots and the capacity
    page = client.get(response["Location"])
    content = page.content.decode()
    assert _messages(page) == [
        "Availability published for Monday 18 May 2020, 09:00 until 12:00. One-hour slots made: 3."
    ]
    assert "09:00–10:00" in content and "11:00–12:00" in content
    assert [(day.date, day.slots, day.booked, day.free) for day in page.context["capacity"]] == [(MONDAY, 3, 0, 3)]


def test_a_refused_publication_shows_the_reason_next_to_the_field_and_writes_nothing(client, member):
    # when: a Saturday
    response = client.post(
        reverse("connections:slot_planning"), {"date": "2020-05-16", "start_time": "09:00", "end_time": "12:00"}
    )

    # then
    assert response.status_code == 200
    content = response.content.decode()
    assert "16 May 2020 is a weekend day or a Dutch public holiday" in content
    assert 'id="id_date-error"' in content
    assert 'aria-invalid="true"' in content
    assert TeamAvailability.objects.count() == 0
    assert Slot.objects.count() == 0


PATTERN = {
    "pattern-weekdays": ["0", "3"],
    "pattern-start_time": "09:00",
    "pattern-end_time": "11:00",
    "pattern-capacity": "2",
    "pattern-date_from": "2020-05-18",
    "pattern-date_to": "2020-06-05",
}


def test_publishing_a_weekly_pattern_through_the_form(client, member):
    # given: the page offers the pattern's form
    page = client.get(reverse("connections:slot_planning")).content.decode()
    assert 'action="/team/slots/pattern/"' in page and 'name="pattern-capacity"' in page

    # when
    response = client.post(reverse("connections:slot_pattern"), PATTERN, follow=True)

    # then: Ascension Day and Whit Monday skipped, and the page says so
    assert response.redirect_chain == [(reverse("connections:slot_planning"), 302)]
    assert _messages(response) == [
        "Published 4 days with 8 one-hour slots.",
        "Skipped, Dutch public holidays: 21 May 2020, 1 June 2020.",
    ]
    assert list(TeamAvailability.objects.filter(team_member=member).values_list("capacity", flat=True)) == [2] * 4
    assert Slot.objects.filter(team_member=member, capacity=2).count() == 8
    assert "0 of 2 booked" in response.content.decode()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("pattern-date_to", "2020-05-01", "The last day must not be before the first day."),
        (
            "pattern-date_to",
            "2021-06-01",
            "Publish at most a year at a time: the last day must be at most 365 days after the first.",
        ),
        ("pattern-capacity", "0", "Ensure this value is greater than or equal to 1."),
        ("pattern-capacity", "99999999999", "Ensure this value is less than or equal to 10."),
        ("pattern-weekdays", "6", "Select a valid choice. 6 is not one of the available choices."),
    ],
)
def test_a_refused_pattern_shows_the_reason_and_writes_nothing(client, member, field, value, message):
    # when
    response = client.post(reverse("connections:slot_pattern"), {**PATTERN, field: value})

    # then
    assert response.status_code == 400
    assert "Nothing was published:" in response.content.decode()
    assert response.context["pattern_form"].errors[field.removeprefix("pattern-")] == [message]
    assert (TeamAvailability.objects.count(), Slot.objects.count()) == (0, 0)


def test_an_unreadable_time_is_refused_and_writes_nothing(client, member):
    response = client.post(
        reverse("connections:slot_planning"), {"date": "2020-05-18", "start_time": "nine", "end_time": "12:00"}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["start_time"] == ["Enter a valid time."]
    assert TeamAvailability.objects.count() == 0


def test_withdrawing_availability_through_the_page(client, member):
    # given
    availability = _publish(member)

    # when
    response = client.post(reverse("connections:availability_withdraw", args=[availability.pk]), follow=True)

    # then
    assert _messages(response) == ["Availability withdrawn: its free slots are no longer offered."]
    assert TeamAvailability.objects.count() == 0
    assert Slot.objects.count() == 0


def test_availability_with_a_booked_slot_stays_and_the_page_says_why(client, member, walker):
    # given
    availability = _publish(member)
    _booked(member, walker, legal_name="Van Dam Logistiek B.V.")

    # when
    response = client.post(reverse("connections:availability_withdraw", args=[availability.pk]), follow=True)

    # then
    assert _messages(response) == [
        "This availability cannot be withdrawn: the slot of Monday 18 May 2020 10:00 is booked by "
        "Van Dam Logistiek B.V. (AGS). Reschedule that booking first. Nothing was changed."
    ]
    assert TeamAvailability.objects.count() == 1
    assert Slot.objects.count() == 3


def test_the_planning_page_takes_a_fixed_number_of_queries(client, member, walker, django_assert_num_queries):
    # given: two days with blocks, slots and bookings, and a colleague's day
    _publish(member)
    _publish(member, date=TUESDAY, start=13, end=16)
    _publish(team_member(), date=TUESDAY)
    _booked(member, walker)
    _booked(member, walker, date=TUESDAY, hour=14)
    url = reverse("connections:slot_planning")

    # when: session, user, groups, availability, its slots, capacity per day, booked slots
    with django_assert_num_queries(7):
        response = client.get(url)

    # then
    assert [(day.date, day.slots, day.booked, day.free) for day in response.context["capacity"]] == [
        (MONDAY, 3, 1, 2),
        (TUESDAY, 6, 1, 5),
    ]
    assert len(response.context["availabilities"]) == 2
    assert len(response.context["bookings"]) == 2


# --- a connection's slot page ---


def test_the_slot_page_lists_the_free_slots_in_a_fixed_number_of_queries(
    client, member, walker, django_assert_num_queries
):
    # given
    _publish(member)
    _publish(member, date=TUESDAY)
    _booked(member, walker)
    connection = _offered(walker)
    url = reverse("connections:connection_slot", args=[connection.pk])

    # when: session, user, groups, connection, its active booking, free slots
    with django_assert_num_queries(6):
        response = client.get(url)

    # then
    assert [slot.starts_at for slot in response.context["free_slots"]] == [
        datetime.datetime.combine(day, datetime.time(hour), AMSTERDAM)
        for day, hour in [(MONDAY, 9), (MONDAY, 11), (TUESDAY, 9), (TUESDAY, 10), (TUESDAY, 11)]
    ]
    assert "Book this slot" in response.content.decode()


def test_booking_a_slot_through_the_page(client, member, walker):
    # given
    _publish(member)
    connection = _offered(walker)
    slot = _slot_at(member, MONDAY, 10)

    # when
    response = client.post(
        reverse("connections:connection_slot", args=[connection.pk]),
        {"action": "book", "slot": slot.pk, "expected_state": "slot_offered"},
        follow=True,
    )

    # then
    assert _messages(response) == ["Booked: Monday 18 May 2020 10:00. The connection is now “Slot booked”."]
    connection.refresh_from_db()
    assert connection.state == "slot_booked"
    assert SlotBooking.objects.get(connection=connection, cancelled_at__isnull=True).slot == slot


def test_booking_a_taken_slot_through_the_page_shows_the_conflict_and_changes_nothing(client, member, walker):
    # given
    _publish(member)
    taken = _booked(member, walker).slot
    connection = _offered(walker)
    events = ConnectionEvent.objects.count()

    # when
    response = client.post(
        reverse("connections:connection_slot", args=[connection.pk]),
        {"action": "book", "slot": taken.pk, "expected_state": "slot_offered"},
        follow=True,
    )

    # then
    assert _messages(response) == ["This slot was just taken: choose another. Nothing was changed."]
    connection.refresh_from_db()
    assert connection.state == "slot_offered"
    assert SlotBooking.objects.count() == 1
    assert ConnectionEvent.objects.count() == events


def test_booking_without_choosing_a_slot_says_so(client, member, walker):
    connection = _offered(walker)
    response = client.post(
        reverse("connections:connection_slot", args=[connection.pk]), {"action": "book"}, follow=True
    )
    assert _messages(response) == ["Choose a slot first."]
    assert SlotBooking.objects.count() == 0


def test_rescheduling_through_the_page(client, member, walker):
    # given
    _publish(member)
    booking = _booked(member, walker, hour=9)
    new_slot = _slot_at(member, MONDAY, 11)

    # when
    response = client.post(
        reverse("connections:connection_slot", args=[booking.connection_id]),
        {"action": "book", "slot": new_slot.pk, "expected_state": "slot_booked"},
        follow=True,
    )

    # then
    assert _messages(response) == ["Rescheduled to Monday 18 May 2020 11:00: the old slot is free again."]
    booking.refresh_from_db()
    assert booking.end_reason == "rescheduled"
    assert SlotBooking.objects.get(connection_id=booking.connection_id, cancelled_at__isnull=True).slot == new_slot


def test_recording_a_no_show_through_the_page(client, member, walker):
    # given
    _publish(member)
    booking = _booked(member, walker)

    # when
    response = client.post(
        reverse("connections:connection_slot", args=[booking.connection_id]),
        {"action": "no_show", "expected_state": "slot_booked"},
        follow=True,
    )

    # then
    assert _messages(response) == ["No-show recorded: the connection is back in “Slot offered” and the slot is free."]
    booking.refresh_from_db()
    assert booking.end_reason == "no_show"
    assert booking.connection.state == "slot_offered"


def test_the_connection_page_links_to_the_slot_page_while_a_slot_is_the_next_step(client, member, walker):
    # given
    connection = _offered(walker)

    # when
    response = client.get(reverse("connections:connection_detail", args=[connection.pk]))

    # then
    assert reverse("connections:connection_slot", args=[connection.pk]) in response.content.decode()
    assert "Choose a slot for this connection" in response.content.decode()


def test_a_connection_that_does_not_exist_is_404(client, member):
    assert client.get(reverse("connections:connection_slot", args=[987654])).status_code == 404
    assert client.post(reverse("connections:connection_slot", args=[987654]), {"action": "no_show"}).status_code == 404


# --- the iCalendar feed ---


def _unfold(body: str) -> list[str]:
    return body.replace("\r\n ", "").split("\r\n")


def test_the_calendar_feed_lists_the_members_booked_slots(client, member, walker, django_assert_num_queries):
    # given: two bookings with her, one with a colleague
    _publish(member)
    colleague = team_member()
    _publish(colleague)
    first = _booked(member, walker, hour=10, legal_name="Van Dam Logistiek, Transport; en Opslag B.V.")
    first.connection.customer.htg_number = "HTG-0000042-2"
    first.connection.customer.save(update_fields=["htg_number"])
    _booked(member, walker, hour=11)
    _booked(colleague, walker, hour=9)
    client.logout()  # calendar apps do not sign in
    url = reverse("connections:slot_calendar", args=[calendar_token(user=member)])

    # when: user, groups, bookings
    with django_assert_num_queries(3):
        response = client.get(url)

    # then
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    body = response.content.decode("utf-8")
    assert body.startswith("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:")
    assert body.endswith("END:VCALENDAR\r\n")
    assert all(len(line.encode("utf-8")) <= 75 for line in body.split("\r\n"))
    lines = _unfold(body)
    assert lines.count("BEGIN:VEVENT") == 2
    event = lines[lines.index("BEGIN:VEVENT") : lines.index("END:VEVENT") + 1]
    assert event == [
        "BEGIN:VEVENT",
        f"UID:slot-booking-{first.pk}@htg-migration-tracker",
        "DTSTAMP:20200515T094500Z",
        "DTSTART:20200518T080000Z",
        "DTEND:20200518T090000Z",
        "SUMMARY:HTG connection: Van Dam Logistiek\\, Transport\\; en Opslag B.V.\\, AGS (HTG-0000042-2)",
        "DESCRIPTION:Company: Van Dam Logistiek\\, Transport\\; en Opslag B.V.\\nMessage flow: AGS (DMS): import "
        "and export declarations\\nHTG number: HTG-0000042-2\\nConnection page: "
        f"http://testserver/team/connections/{first.connection_id}/",
        f"URL:http://testserver/team/connections/{first.connection_id}/",
        "STATUS:CONFIRMED",
        "TRANSP:OPAQUE",
        "END:VEVENT",
    ]

    # and a calendar app may ask for the headers only; the UID stays the same on the next fetch
    assert client.head(url).status_code == 200
    assert f"UID:slot-booking-{first.pk}@htg-migration-tracker" in _unfold(client.get(url).content.decode())


def test_a_freed_slot_leaves_the_feed(client, member, walker):
    # given
    _publish(member)
    booking = _booked(member, walker)
    from connections.services.slots import slot_record_no_show

    slot_record_no_show(connection_id=booking.connection_id, actor=walker)

    # when
    response = client.get(reverse("connections:slot_calendar", args=[calendar_token(user=member)]))

    # then
    assert "BEGIN:VEVENT" not in response.content.decode()


@pytest.mark.parametrize("token", ["1.wrong-signature", "nonsense", "1", ""])
def test_a_wrong_token_is_404(client, member, token):
    url = reverse("connections:slot_calendar", args=["placeholder"]).replace("placeholder", token)
    assert client.get(url).status_code == 404


def test_a_token_of_someone_outside_the_team_is_404(client):
    # given: a valid signature, for a helpdesk account and for a deactivated team member
    helpdesk = helpdesk_member()
    former = team_member(is_active=False)

    # then
    for user in (helpdesk, former):
        assert client.get(reverse("connections:slot_calendar", args=[calendar_token(user=user)])).status_code == 404


def test_the_planning_page_shows_the_members_own_calendar_address(client, member):
    response = client.get(reverse("connections:slot_planning"))
    token = calendar_token(user=member)
    assert f"http://testserver/team/calendar/{token}.ics" in response.content.decode()


@pytest.mark.parametrize("slot_text", ["²", "9" * 5000, "١"])
def test_a_slot_that_is_not_an_id_is_refused_and_nothing_is_booked(client, member, walker, slot_text):
    # given
    _publish(member)
    connection = _offered(walker)

    # when
    response = client.post(
        reverse("connections:connection_slot", args=[connection.pk]),
        {"action": "book", "slot": slot_text, "expected_state": "slot_offered"},
        follow=True,
    )

    # then
    assert _messages(response) == ["Choose a slot first."]
    connection.refresh_from_db()
    assert connection.state == "slot_offered"
    assert not SlotBooking.objects.filter(connection=connection).exists()

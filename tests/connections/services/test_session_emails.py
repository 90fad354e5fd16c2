"""The companies' session e-mails (issue 14 items 1 and 2): the booking link, the window, the time zone, how the
session happens, and the calendar invitation that a reschedule moves and a cancellation removes."""

import datetime

import pytest
from django.utils import timezone

from connections.models import Slot
from connections.services.slots import availability_publish, slot_book, slot_record_no_show, slot_reschedule
from connections.services.transitions import connection_transition
from notifications.models import OutboxEmail
from tests.connections.factories import (
    AMSTERDAM,
    ConnectionFactory,
    ContactFactory,
    CustomerFactory,
    UserFactory,
    team_member,
    walk_to,
)
from tests.connections.portal_factories import company_contact, hub_with_client

pytestmark = pytest.mark.django_db

FRIDAY = datetime.date(2020, 5, 15)
MONDAY = datetime.date(2020, 5, 18)


@pytest.fixture(autouse=True)
def pinned_clock(settings):
    """Friday 15 May 2020: plateau 1's booking window opened on 3 February and closes on 19 June."""
    settings.HTG_CLOCK_DATE = FRIDAY
    settings.HTG_PORTAL_URL = "https://htg.example/portal/"


@pytest.fixture
def walker():
    return UserFactory(is_superuser=True)


@pytest.fixture
def member():
    member = team_member(username="pjansen", first_name="", last_name="")
    availability_publish(team_member=member, date=MONDAY, start_time=datetime.time(9), end_time=datetime.time(12))
    return member


def _slot(member, hour):
    return Slot.objects.get(team_member=member, starts_at=datetime.datetime(2020, 5, 18, hour, tzinfo=AMSTERDAM))


def _company(language="en", **contact_fields):
    customer = CustomerFactory(legal_name="Van Dam Logistiek B.V.")
    contact = ContactFactory(
        customer=customer, name="Anna de Vries", email="anna@vandam.example", language=language, **contact_fields
    )
    return customer, contact


def _calendar(email):
    [attachment] = email.attachments
    return attachment["content"].replace("\r\n ", "").split("\r\n")


def _value(lines, name):
    [line] = [line for line in lines if line.startswith(f"{name}:")]
    return line.partition(":")[2]


def test_the_book_your_session_email_links_to_the_connections_slot_page_and_its_window_starts_today(walker):
    # given: plateau 1's window opened on 3 February 2020, long before today (15 May)
    customer, _contact = _company()
    connection = ConnectionFactory(customer=customer)

    # when
    walk_to(connection, "slot_offered", walker)

    # then
    email = OutboxEmail.objects.get(template_key="connection.slot_offered")
    booking_url = f"https://htg.example/portal/connections/{connection.pk}/slot/"
    assert f"between 15 May 2020 and 19 June 2020: {booking_url}" in email.body_text
    assert "3 February 2020" not in email.body_text
    assert f'<a href="{booking_url}">{booking_url}</a>' in email.body_html
    assert "/portal/slots/" not in email.body_text + email.body_html


def test_the_session_email_gives_the_time_in_amsterdam_and_how_the_session_happens(walker, member):
    # given: a contact with a phone number; the process runs in UTC
    customer, _contact = _company(language="nl", phone="010 123 4567")
    connection = walk_to(ConnectionFactory(customer=customer), "slot_offered", walker)
    timezone.activate(datetime.UTC)

    # when
    slot_book(slot_id=_slot(member, 10).pk, connection_id=connection.pk, actor=walker)

    # then
    timezone.deactivate()
    email = OutboxEmail.objects.get(template_key="connection.slot_booked")
    assert email.subject == "Bevestiging: aansluitafspraak maandag 18 mei 2020 10:00"
    assert "maandag 18 mei 2020 10:00 tot 11:00 (Amsterdamse tijd, CEST)" in email.body_text
    assert "telefonisch. Een medewerker van het aansluitteam belt Anna de Vries op 010 123 4567" in email.body_text
    assert "Houd uw technische contactpersoon bij de hand." in email.body_text
    assert "pjansen" not in email.body_text + str(email.attachments)
    lines = _calendar(email)
    assert _value(lines, "LOCATION") == "Telefonisch: het HTG-aansluitteam belt Anna de Vries op 010 123 4567"
    assert _value(lines, "DTSTART") == "20200518T080000Z"


def test_a_reschedule_moves_the_same_calendar_entry_and_does_not_ask_to_book_again(walker, member):
    # given: a booked session, its confirmation sent
    customer, _contact = _company()
    connection = walk_to(ConnectionFactory(customer=customer), "slot_offered", walker)
    slot_book(slot_id=_slot(member, 9).pk, connection_id=connection.pk, actor=walker)
    first = OutboxEmail.objects.get(template_key="connection.slot_booked")
    offered_before = OutboxEmail.objects.filter(template_key="connection.slot_offered").count()

    # when
    slot_reschedule(connection_id=connection.pk, new_slot_id=_slot(member, 11).pk, actor=walker)

    # then: one new e-mail, the moved session, with the same UID and a higher SEQUENCE
    second = OutboxEmail.objects.filter(template_key="connection.slot_booked").exclude(pk=first.pk).get()
    assert OutboxEmail.objects.filter(template_key="connection.slot_offered").count() == offered_before
    assert not OutboxEmail.objects.filter(template_key="connection.slot_cancelled").exists()
    old, new = _calendar(first), _calendar(second)
    assert _value(new, "UID") == _value(old, "UID") == f"slot-connection-{connection.pk}@htg-migration-tracker"
    assert int(_value(new, "SEQUENCE")) > int(_value(old, "SEQUENCE"))
    assert _value(new, "METHOD") == "REQUEST"
    assert _value(new, "DTSTART") == "20200518T090000Z"
    assert second.subject == "Moved: connection session on Monday 18 May 2020 11:00"
    assert "is moved to:\nMonday 18 May 2020 11:00 to 12:00 (Amsterdam time, CEST)" in second.body_text


def test_a_session_that_ends_without_a_new_one_is_cancelled_in_the_calendar(walker, member):
    # given: a booked session
    customer, _contact = _company()
    connection = walk_to(ConnectionFactory(customer=customer), "slot_offered", walker)
    slot_book(slot_id=_slot(member, 9).pk, connection_id=connection.pk, actor=walker)
    booked = _calendar(OutboxEmail.objects.get(template_key="connection.slot_booked"))

    # when: the company does not turn up
    slot_record_no_show(connection_id=connection.pk, actor=walker)

    # then: METHOD:CANCEL for the same appointment, a higher SEQUENCE; and a link to book a new one
    cancelled = OutboxEmail.objects.get(template_key="connection.slot_cancelled")
    lines = _calendar(cancelled)
    assert _value(lines, "METHOD") == "CANCEL"
    assert _value(lines, "STATUS") == "CANCELLED"
    assert _value(lines, "UID") == _value(booked, "UID")
    assert int(_value(lines, "SEQUENCE")) > int(_value(booked, "SEQUENCE"))
    assert cancelled.subject == "Cancelled: connection session on Monday 18 May 2020 09:00"
    assert f"book a new session: https://htg.example/portal/connections/{connection.pk}/slot/" in cancelled.body_text

    # when: it books again, then the team withdraws the connection
    slot_book(slot_id=_slot(member, 11).pk, connection_id=connection.pk, actor=walker)
    rebooked = _calendar(OutboxEmail.objects.filter(template_key="connection.slot_booked").order_by("-id").first())
    connection_transition(connection_id=connection.pk, transition="withdraw", actor=walker)

    # then: each message outranks the one before
    withdrawn = _calendar(OutboxEmail.objects.filter(template_key="connection.slot_cancelled").order_by("-id").first())
    assert int(_value(lines, "SEQUENCE")) < int(_value(rebooked, "SEQUENCE")) < int(_value(withdrawn, "SEQUENCE"))
    assert _value(withdrawn, "METHOD") == "CANCEL"


def test_a_team_reschedule_without_a_new_slot_cancels_the_appointment(walker, member):
    # given
    customer, _contact = _company()
    connection = walk_to(ConnectionFactory(customer=customer), "slot_offered", walker)
    slot_book(slot_id=_slot(member, 9).pk, connection_id=connection.pk, actor=walker)

    # when: the team sends it back to "slot offered" from the connection's page
    connection_transition(connection_id=connection.pk, transition="reschedule", actor=walker)

    # then
    assert _value(_calendar(OutboxEmail.objects.get(template_key="connection.slot_cancelled")), "METHOD") == "CANCEL"


def test_when_a_hub_books_for_its_client_both_get_the_confirmation_with_the_invitation(walker, member):
    # given
    hub, client = hub_with_client(legal_name="Alfa Transport B.V.")
    hub.language = "en"
    hub.save(update_fields=["language"])
    ContactFactory(customer=client, email="client@alfa.example", language="nl")
    connection = walk_to(ConnectionFactory(customer=client), "slot_offered", walker)

    # when
    slot_book(slot_id=_slot(member, 10).pk, connection_id=connection.pk, actor=hub.user)

    # then: the client's contact in Dutch, the hub's in English; the team calls the hub, who booked
    emails = {email.to_address: email for email in OutboxEmail.objects.filter(template_key="connection.slot_booked")}
    assert set(emails) == {"client@alfa.example", hub.email}
    assert (emails["client@alfa.example"].language, emails[hub.email].language) == ("nl", "en")
    assert f"calls {hub.name} on {hub.phone}" in emails[hub.email].body_text
    for email in emails.values():
        lines = _calendar(email)
        assert _value(lines, "UID") == f"slot-connection-{connection.pk}@htg-migration-tracker"
        assert any(line.startswith("ATTENDEE") and f"mailto:{email.to_address}" in line for line in lines)

    # when: the client itself moves the session later
    client_contact = company_contact(customer=client)
    slot_reschedule(connection_id=connection.pk, new_slot_id=_slot(member, 11).pk, actor=client_contact.user)

    # then: the hub, who has the appointment in its calendar, gets the update too
    moved = OutboxEmail.objects.filter(template_key="connection.slot_booked", subject__startswith="Moved")
    assert hub.email in set(moved.values_list("to_address", flat=True))


def test_a_rolled_back_booking_sends_nothing_and_a_refused_reschedule_writes_nothing(walker, member):
    # given
    customer, _contact = _company()
    connection = walk_to(ConnectionFactory(customer=customer), "slot_offered", walker)
    slot_book(slot_id=_slot(member, 9).pk, connection_id=connection.pk, actor=walker)
    before = list(OutboxEmail.objects.values_list("id", flat=True))

    # when: a reschedule to the booked slot itself is refused
    with pytest.raises(Exception, match="already the booked slot"):
        slot_reschedule(connection_id=connection.pk, new_slot_id=_slot(member, 9).pk, actor=walker)

    # then
    assert list(OutboxEmail.objects.values_list("id", flat=True)) == before

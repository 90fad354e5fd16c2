"""Each step the company hears about queues one e-mail, in the contact's language, in the step's transaction."""

import datetime
import re

import pytest
from django.db import transaction

from connections.services.step_emails import slot_invitation_attachment
from connections.services.transitions import connection_transition
from notifications.models import OutboxEmail
from notifications.services import email_send
from tests.connections.factories import (
    AMSTERDAM,
    ConnectionFactory,
    ContactFactory,
    CustomerFactory,
    SlotFactory,
    UserFactory,
    reserve_slot,
    walk_to,
)
from tests.notifications.conftest import self_signed_certificate, smtp_server_factory, smtp_sink  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture
def walker():
    return UserFactory(is_superuser=True)


def test_an_invitation_is_queued_in_dutch_for_a_dutch_contact(walker):
    # given
    customer = CustomerFactory(legal_name="Van Dam Logistiek B.V.")
    ContactFactory(customer=customer, name="Anna de Vries", email="anna@vandam.example", language="nl")
    connection = ConnectionFactory(customer=customer)

    # when
    connection_transition(connection_id=connection.pk, transition="invite", actor=walker)

    # then
    email = OutboxEmail.objects.get()
    assert (email.to_address, email.template_key, email.language) == ("anna@vandam.example", "connection.invited", "nl")
    assert email.subject.startswith("Uitnodiging")
    assert "Beste Anna de Vries" in email.body_text
    assert "Van Dam Logistiek B.V." in email.body_text
    assert "intake/" in email.body_text
    event_id = connection.events.get().pk
    assert email.dedupe_key == f"connection:{connection.pk}:invited:{event_id}"


def test_an_english_contact_gets_english_and_the_primary_contact_is_chosen(walker):
    customer = CustomerFactory()
    ContactFactory(customer=customer, email="second@company.example", is_primary=False, language="nl")
    ContactFactory(customer=customer, email="primary@company.example", is_primary=True, language="en")
    connection = ConnectionFactory(customer=customer)
    connection_transition(connection_id=connection.pk, transition="invite", actor=walker)
    email = OutboxEmail.objects.get()
    assert (email.to_address, email.language) == ("primary@company.example", "en")
    assert email.subject.startswith("Invitation")


def test_without_a_primary_contact_the_step_email_goes_to_the_first_by_name_as_the_ladder_chooses(walker):
    # given: two contacts, neither primary, the later one first by name
    customer = CustomerFactory()
    ContactFactory(customer=customer, name="Zoe Zwart", email="zoe@company.example", is_primary=False)
    ContactFactory(customer=customer, name="Anna Aalders", email="anna@company.example", is_primary=False)
    connection = ConnectionFactory(customer=customer)

    # when
    connection_transition(connection_id=connection.pk, transition="invite", actor=walker)

    # then
    assert OutboxEmail.objects.get().to_address == "anna@company.example"


def test_technical_data_names_the_channel_and_tls_requirement(walker):
    customer = CustomerFactory()
    ContactFactory(customer=customer, language="en")
    connection = walk_to(ConnectionFactory(customer=customer), "technical_data_sent", walker)
    email = OutboxEmail.objects.get(template_key="connection.technical_data_sent")
    assert "TLS 1.2 or later" in email.body_text
    assert connection.state == "technical_data_sent"


def test_a_rolled_back_step_queues_nothing(walker):
    customer = CustomerFactory()
    ContactFactory(customer=customer)
    connection = ConnectionFactory(customer=customer)

    with pytest.raises(RuntimeError), transaction.atomic():
        connection_transition(connection_id=connection.pk, transition="invite", actor=walker)
        raise RuntimeError("the surrounding work failed")

    assert not OutboxEmail.objects.exists()
    connection.refresh_from_db()
    assert connection.state == "planned"


def test_steps_without_an_email_and_companies_without_contacts_queue_nothing(walker):
    # given: no contact at all
    connection = ConnectionFactory()
    connection_transition(connection_id=connection.pk, transition="invite", actor=walker)
    assert not OutboxEmail.objects.exists()

    # given: a contact, and steps that are not told (intake received, hold, and resume back to invited)
    ContactFactory(customer=connection.customer)
    connection_transition(connection_id=connection.pk, transition="hold", actor=walker)
    connection_transition(connection_id=connection.pk, transition="resume", actor=walker)
    connection_transition(connection_id=connection.pk, transition="receive_intake", actor=walker)
    assert not OutboxEmail.objects.exists()


def _booked(walker, *, language="en"):
    """A connection walked to slot booked on Tuesday 19 May 2020 10:00 Amsterdam (08:00 UTC) with Piet Jansen."""
    customer = CustomerFactory(legal_name="Van Dam Logistiek B.V.")
    contact = ContactFactory(
        customer=customer, name="Anna de Vries", email="anna@vandam.example", language=language, phone="010 123 4567"
    )
    connection = walk_to(ConnectionFactory(customer=customer), "slot_offered", walker)
    member = UserFactory(first_name="Piet", last_name="Jansen")
    starts_at = datetime.datetime(2020, 5, 19, 10, tzinfo=AMSTERDAM)
    booking = reserve_slot(connection, SlotFactory(team_member=member, starts_at=starts_at))
    connection_transition(connection_id=connection.pk, transition="book_slot", actor=walker)
    return connection, contact, booking


def _unfolded(calendar: str) -> list[str]:
    return calendar.replace("\r\n ", "").split("\r\n")


def test_the_slot_booked_email_carries_the_slot_as_a_calendar_invitation(walker, settings):
    # given
    settings.DEFAULT_FROM_EMAIL = "HTG Migratie <migratie-htg@example.org>"
    settings.HTG_PORTAL_URL = "https://htg.example/portal/"

    # when
    _connection, _contact, booking = _booked(walker)

    # then
    email = OutboxEmail.objects.get(template_key="connection.slot_booked")
    [attachment] = email.attachments
    assert attachment["filename"] == f"htg-slot-{booking.pk}.ics"
    assert attachment["mimetype"] == "text/calendar"
    lines = _unfolded(attachment["content"])
    assert lines[:5] == [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Dutch Customs//HTG Migration Tracker//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:REQUEST",
    ]
    # one appointment per connection in the company's calendar: its UID, and the first revision
    assert f"UID:slot-connection-{booking.connection_id}@htg-migration-tracker" in lines
    assert "SEQUENCE:0" in lines
    assert "DTSTART:20200519T080000Z" in lines
    assert "DTEND:20200519T090000Z" in lines
    assert "SUMMARY:HTG connection AGS Van Dam Logistiek B.V." in lines
    # how the session happens, never a team member's (user) name
    assert "LOCATION:By phone: the HTG connection team calls Anna de Vries on 010 123 4567" in lines
    assert not any("Piet" in line or "Jansen" in line for line in lines)
    [description] = [line for line in lines if line.startswith("DESCRIPTION:")]
    assert description.startswith("DESCRIPTION:Your session with the HTG connection team")
    assert "AGS (DMS): import and export declarations of Van Dam Logistiek B.V." in description
    assert description.endswith(f"use the portal: https://htg.example/portal/connections/{booking.connection_id}/slot/")
    # the organizer's name in the contact's language
    assert 'ORGANIZER;CN="HTG Migration":mailto:migratie-htg@example.org' in lines
    assert any(line.startswith('ATTENDEE;CN="Anna de Vries";') for line in lines)
    assert lines[-2:] == ["END:VCALENDAR", ""]
    # other steps carry nothing
    assert all(row.attachments == [] for row in OutboxEmail.objects.exclude(pk=email.pk))


def test_the_invitation_is_the_same_each_time_it_is_written(walker):
    # given: a booking whose e-mail was written
    connection, contact, _booking = _booked(walker)

    # when: written again
    again = slot_invitation_attachment(connection=connection, contact=contact)

    # then
    assert again == OutboxEmail.objects.get(template_key="connection.slot_booked").attachments[0]


def test_the_slot_booked_email_arrives_at_a_real_smtp_server_with_a_calendar_part_that_parses(
    walker,
    settings,
    smtp_sink,  # noqa: F811
):
    # given
    settings.EMAIL_BACKEND = "notifications.backends.SmtpEmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_USE_TLS, settings.EMAIL_TIMEOUT = (
        "127.0.0.1",
        smtp_sink.port,
        False,
        5,
    )
    _connection, _contact, booking = _booked(walker, language="nl")
    email = OutboxEmail.objects.get(template_key="connection.slot_booked")

    # when
    email_send(email_id=email.pk)

    # then
    email.refresh_from_db()
    assert email.status == OutboxEmail.Status.SENT
    [message] = [m for m in smtp_sink.messages if m["Message-ID"] == email.message_id]
    assert message.is_multipart()
    calendars = [part for part in message.walk() if part.get_content_type() == "text/calendar"]
    assert len(calendars) == 1
    assert calendars[0].get_param("method") == "REQUEST"
    lines = _unfolded(calendars[0].get_payload(decode=True).decode(calendars[0].get_content_charset()))
    assert lines[0] == "BEGIN:VCALENDAR"
    assert lines.index("BEGIN:VEVENT") < lines.index("END:VEVENT") < lines.index("END:VCALENDAR")
    starts = [line for line in lines if line.startswith("DTSTART")]
    assert starts == ["DTSTART:20200519T080000Z"]
    assert re.fullmatch(r"DTEND:\d{8}T\d{6}Z", next(line for line in lines if line.startswith("DTEND")))
    assert f"UID:slot-connection-{booking.connection_id}@htg-migration-tracker" in lines

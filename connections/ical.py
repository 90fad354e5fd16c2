"""A team member's booked slots as an iCalendar feed (RFC 5545), and the secret token in its address.

Calendar apps cannot sign in, so the address itself is the key: the user id signed with SECRET_KEY (an HMAC via
django.core.signing). Changing SECRET_KEY changes every member's address.
"""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core import signing

from htg_migration.parsing import parse_id

FEED_SALT = "connections.slot-calendar-feed"
# "." cannot occur in a signature, and keeps the token free of characters a calendar app might escape.
SIGNATURE_SEPARATOR = "."
PRODUCT_ID = "-//Dutch Customs//HTG Migration Tracker//EN"
LINE_LIMIT = 75  # octets per content line, before the CRLF (RFC 5545 section 3.1)


def _signer() -> signing.Signer:
    return signing.Signer(salt=FEED_SALT, sep=SIGNATURE_SEPARATOR)


def calendar_token(*, user: Any) -> str:
    return _signer().sign(str(user.pk))


def calendar_token_user_id(*, token: str) -> int | None:
    """The user id the token was made for, or None if it was not made with our SECRET_KEY."""
    try:
        value = _signer().unsign(token)
    except signing.BadSignature:
        return None
    return parse_id(value)


@dataclass(frozen=True)
class CalendarEvent:
    uid: str
    stamp: datetime.datetime
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    summary: str
    description: str = ""
    url: str = ""
    location: str = ""
    # An invitation (METHOD:REQUEST) names who organises it and who is invited; a feed leaves these empty.
    organizer_name: str = ""
    organizer_email: str = ""
    attendee_name: str = ""
    attendee_email: str = ""
    # An invitation's revision (RFC 5545 section 3.8.7.4): a calendar app applies a message with the same UID only if
    # its SEQUENCE is higher than the one it holds. None in a feed.
    sequence: int | None = None
    cancelled: bool = False


def slot_booking_uid(booking_id: int) -> str:
    """One UID per booking, in the team member's feed."""
    return f"slot-booking-{booking_id}@htg-migration-tracker"


def slot_invitation_uid(connection_id: int) -> str:
    """One UID per connection in the company's calendar: every booking, reschedule and cancellation of its session
    is the same appointment there, told apart by SEQUENCE (`slot_invitation_sequence`)."""
    return f"slot-connection-{connection_id}@htg-migration-tracker"


def slot_invitation_sequence(*, bookings_before: int, cancelled: bool) -> int:
    """The SEQUENCE of an invitation for the connection's booking that has `bookings_before` bookings before it:
    2n for the booking, 2n + 1 for its cancellation, so each message outranks every earlier one without a counter
    stored anywhere (a reschedule is the next booking: 2n + 2)."""
    return 2 * bookings_before + (1 if cancelled else 0)


def escape_text(value: str) -> str:
    """A TEXT value (RFC 5545 section 3.3.11): backslash, semicolon, comma and newlines escaped."""
    value = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return value.replace("\r\n", "\\n").replace("\r", "\\n").replace("\n", "\\n")


def fold(line: str) -> str:
    """Split a content line into lines of at most 75 octets, continued with CRLF and one space (never mid-character)."""
    parts: list[str] = []
    current = ""
    current_octets = 0
    limit = LINE_LIMIT
    for character in line:
        octets = len(character.encode("utf-8"))
        if current_octets + octets > limit:
            parts.append(current)
            current, current_octets = "", 0
            limit = LINE_LIMIT - 1  # the leading space of a continuation line counts
        current += character
        current_octets += octets
    parts.append(current)
    return "\r\n ".join(parts)


def utc_stamp(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")


def _parameter(value: str) -> str:
    """A parameter value such as CN (RFC 5545 section 3.2): quoted, and a double quote cannot occur inside."""
    return '"' + value.replace('"', "'").replace("\r", " ").replace("\n", " ") + '"'


def _address(property_name: str, name: str, email: str, extra: str = "") -> str:
    common_name = f";CN={_parameter(name)}" if name else ""
    return f"{property_name}{common_name}{extra}:mailto:{email}"


def _event_lines(event: CalendarEvent) -> list[str]:
    lines = [
        "BEGIN:VEVENT",
        f"UID:{event.uid}",
        *([f"SEQUENCE:{event.sequence}"] if event.sequence is not None else []),
        f"DTSTAMP:{utc_stamp(event.stamp)}",
        f"DTSTART:{utc_stamp(event.starts_at)}",
        f"DTEND:{utc_stamp(event.ends_at)}",
        f"SUMMARY:{escape_text(event.summary)}",
    ]
    if event.description:
        lines.append(f"DESCRIPTION:{escape_text(event.description)}")
    if event.location:
        lines.append(f"LOCATION:{escape_text(event.location)}")
    if event.url:
        lines.append(f"URL:{event.url}")
    if event.organizer_email:
        lines.append(_address("ORGANIZER", event.organizer_name, event.organizer_email))
    if event.attendee_email:
        extra = ";ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=FALSE"
        lines.append(_address("ATTENDEE", event.attendee_name, event.attendee_email, extra))
    status = "CANCELLED" if event.cancelled else "CONFIRMED"
    lines += [f"STATUS:{status}", "TRANSP:OPAQUE", "END:VEVENT"]
    return lines


def _calendar(lines: list[str]) -> str:
    return "".join(fold(line) + "\r\n" for line in lines)


def calendar_render(*, name: str, events: Iterable[CalendarEvent]) -> str:
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODUCT_ID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{escape_text(name)}",
    ]
    for event in events:
        lines += _event_lines(event)
    lines.append("END:VCALENDAR")
    return _calendar(lines)


def calendar_invitation_render(*, event: CalendarEvent) -> str:
    """One event as an invitation to attach to an e-mail (iTIP, RFC 5546): METHOD:REQUEST, which calendar apps offer
    to add, and which updates the appointment a later invitation with the same UID and a higher SEQUENCE; or, for a
    cancelled event, METHOD:CANCEL, which removes it. The event needs an organizer."""
    if not event.organizer_email:
        raise ValueError("An invitation needs an organizer.")
    method = "CANCEL" if event.cancelled else "REQUEST"
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:{PRODUCT_ID}", "CALSCALE:GREGORIAN", f"METHOD:{method}"]
    lines += _event_lines(event)
    lines.append("END:VCALENDAR")
    return _calendar(lines)

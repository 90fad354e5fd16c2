"""A team member's booked slots as an iCalendar feed (RFC 5545), and the secret token in its address.

Calendar apps cannot sign in, so the address itself is the key: the user id signed with SECRET_KEY (an HMAC via
django.core.signing). Changing SECRET_KEY changes every member's address.
"""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core import signing

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
    return int(value) if value.isdigit() else None


@dataclass(frozen=True)
class CalendarEvent:
    uid: str
    stamp: datetime.datetime
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    summary: str
    description: str = ""
    url: str = ""


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
        lines += [
            "BEGIN:VEVENT",
            f"UID:{event.uid}",
            f"DTSTAMP:{utc_stamp(event.stamp)}",
            f"DTSTART:{utc_stamp(event.starts_at)}",
            f"DTEND:{utc_stamp(event.ends_at)}",
            f"SUMMARY:{escape_text(event.summary)}",
        ]
        if event.description:
            lines.append(f"DESCRIPTION:{escape_text(event.description)}")
        if event.url:
            lines.append(f"URL:{event.url}")
        lines += ["STATUS:CONFIRMED", "TRANSP:OPAQUE", "END:VEVENT"]
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + "\r\n" for line in lines)

"""The iCalendar writer (RFC 5545): escaping, line folding, UTC times, and the feed's secret token."""

import datetime

from connections.ical import (
    CalendarEvent,
    calendar_render,
    calendar_token,
    calendar_token_user_id,
    escape_text,
    fold,
)
from tests.connections.factories import AMSTERDAM


class _User:
    def __init__(self, pk):
        self.pk = pk


def test_text_values_escape_backslash_semicolon_comma_and_newlines():
    assert escape_text("a\\b;c,d\ne\r\nf") == "a\\\\b\\;c\\,d\\ne\\nf"


def test_a_short_line_is_not_folded():
    line = "SUMMARY:" + "x" * 67
    assert fold(line) == line


def test_long_lines_fold_at_75_octets_without_splitting_a_character():
    # given: 2-octet characters, so a naive cut at 75 would split one
    line = "SUMMARY:" + "é" * 100

    # when
    folded = fold(line)

    # then
    parts = folded.split("\r\n")
    assert all(len(part.encode("utf-8")) <= 75 for part in parts)
    assert all(part.startswith(" ") for part in parts[1:])
    assert parts[0] + "".join(part[1:] for part in parts[1:]) == line
    assert len(parts[0].encode("utf-8")) in (74, 75)


def test_events_are_written_in_utc_with_crlf_line_ends():
    # given
    event = CalendarEvent(
        uid="slot-booking-7@htg-migration-tracker",
        stamp=datetime.datetime(2020, 5, 15, 14, 3, 1, tzinfo=AMSTERDAM),
        starts_at=datetime.datetime(2020, 5, 18, 9, tzinfo=AMSTERDAM),
        ends_at=datetime.datetime(2020, 5, 18, 10, tzinfo=AMSTERDAM),
        summary="Van Dam, AGS",
    )

    # when
    body = calendar_render(name="Slots", events=[event])

    # then
    assert body.split("\r\n") == [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Dutch Customs//HTG Migration Tracker//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "X-WR-CALNAME:Slots",
        "BEGIN:VEVENT",
        "UID:slot-booking-7@htg-migration-tracker",
        "DTSTAMP:20200515T120301Z",
        "DTSTART:20200518T070000Z",
        "DTEND:20200518T080000Z",
        "SUMMARY:Van Dam\\, AGS",
        "STATUS:CONFIRMED",
        "TRANSP:OPAQUE",
        "END:VEVENT",
        "END:VCALENDAR",
        "",
    ]


def test_a_token_names_its_user_and_a_changed_token_names_nobody():
    token = calendar_token(user=_User(42))
    assert calendar_token_user_id(token=token) == 42
    assert calendar_token_user_id(token="43" + token[2:]) is None
    assert calendar_token_user_id(token=token[:-1]) is None
    assert "/" not in token and ":" not in token


def test_a_token_depends_on_the_secret_key(settings):
    token = calendar_token(user=_User(42))
    settings.SECRET_KEY = "another-secret-key-another-secret-key-0123456789"
    assert calendar_token_user_id(token=token) is None

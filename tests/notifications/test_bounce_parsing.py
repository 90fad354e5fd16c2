"""Reading bounces (notifications.bounces): RFC 3464 reports, plain-text bounces, and what is not a bounce."""

from notifications.bounces import (
    DSN,
    HARD,
    NO_FAILURE,
    NO_RECIPIENT,
    NO_STATUS,
    NOT_A_BOUNCE,
    SOFT,
    TEXT,
    UNRECOGNISED,
    RecipientReport,
    bounce_headers,
    bounce_parse,
)
from tests.notifications.bounce_messages import GARBAGE, exim_text_bounce, out_of_office_reply, postfix_dsn

OUR_ID = "<htg.42.0123456789abcdef0123@example.org>"


def test_a_postfix_report_with_the_returned_message_is_a_hard_bounce_with_every_field():
    # when
    parsed = bounce_parse(postfix_dsn())

    # then
    assert (parsed.kind, parsed.source, parsed.reason) == (HARD, DSN, "")
    assert parsed.recipients == (
        RecipientReport(
            address="jan@vandam.example",
            original_address="jan@vandam.example",
            action="failed",
            status="5.1.1",
            diagnostic="smtp; 550 5.1.1 <jan@vandam.example>: Recipient address rejected: User unknown in virtual "
            "mailbox table",
            kind=HARD,
        ),
    )
    assert parsed.primary == parsed.recipients[0]
    assert parsed.original_message_id == OUR_ID
    assert parsed.headers.message_id == "<20200518081502.3F2A1C0123@mail.example.org>"
    assert parsed.headers.sender == "MAILER-DAEMON@mail.example.org (Mail Delivery System)"
    assert parsed.headers.subject == "Undelivered Mail Returned to Sender"


def test_a_report_with_only_the_returned_headers_gives_the_same_fields():
    # when
    parsed = bounce_parse(postfix_dsn(returned="headers", address="Piet@VanDam.example"))

    # then
    assert parsed.kind == HARD
    assert parsed.original_message_id == OUR_ID
    assert [(report.address, report.action, report.status) for report in parsed.recipients] == [
        ("piet@vandam.example", "failed", "5.1.1")
    ]


def test_a_delayed_report_with_a_4xx_status_is_soft():
    # when
    parsed = bounce_parse(postfix_dsn(action="delayed", status="4.4.1", diagnostic="454 4.4.1 Connection timed out"))

    # then
    assert (parsed.kind, parsed.source) == (SOFT, DSN)
    assert (parsed.primary.action, parsed.primary.status, parsed.primary.kind) == ("delayed", "4.4.1", SOFT)
    assert parsed.primary.diagnostic == "smtp; 454 4.4.1 Connection timed out"
    assert parsed.original_message_id == OUR_ID


def test_a_failure_with_a_4xx_status_is_soft_the_address_may_be_fine():
    # given: the sending server gave up after its queue lifetime (Postfix reports that as failed 4.4.1)
    raw = postfix_dsn(action="failed", status="4.4.1", diagnostic="421 4.4.1 Connection timed out")

    # then
    assert bounce_parse(raw).kind == SOFT


def test_a_report_that_reports_delivery_is_unrecognised_and_says_why():
    # when
    parsed = bounce_parse(postfix_dsn(action="delivered", status="2.0.0", diagnostic="250 2.0.0 Ok"))

    # then
    assert (parsed.kind, parsed.reason) == (UNRECOGNISED, NO_FAILURE)
    assert parsed.primary.action == "delivered"


def test_a_report_without_recipient_fields_is_unrecognised():
    # given: the per-recipient block removed
    raw = postfix_dsn().replace(b"Final-Recipient: rfc822; jan@vandam.example\n", b"")
    raw = raw.replace(b"Original-Recipient: rfc822;jan@vandam.example\nAction: failed\n", b"")
    raw = raw.replace(b"Status: 5.1.1\nRemote-MTA: dns; mx.vandam.example\n", b"")
    raw = raw.replace(b"Diagnostic-Code: smtp; 550 5.1.1 <jan@vandam.example>: Recipient\n", b"X-Note: none\n")

    # when
    parsed = bounce_parse(raw)

    # then
    assert (parsed.kind, parsed.reason, parsed.recipients) == (UNRECOGNISED, NO_RECIPIENT, ())


def test_the_status_is_read_from_the_diagnostic_code_when_the_status_field_is_garbled():
    # when
    parsed = bounce_parse(postfix_dsn(status="unknown"))

    # then
    assert (parsed.kind, parsed.primary.status) == (HARD, "5.1.1")


def test_a_report_of_two_recipients_is_about_the_hard_failure():
    # given: the first recipient is only delayed, the second failed
    raw = postfix_dsn(action="delayed", status="4.2.2", diagnostic="452 4.2.2 Mailbox full")
    raw = raw.replace(
        b"\n--3F2A1C0123.1589789702/mail.example.org\nContent-Description: Undelivered",
        b"\nFinal-Recipient: rfc822; piet@vandam.example\nAction: failed\nStatus: 5.1.1\n"
        b"Diagnostic-Code: smtp; 550 5.1.1 no such user\n"
        b"\n--3F2A1C0123.1589789702/mail.example.org\nContent-Description: Undelivered",
    )

    # when
    parsed = bounce_parse(raw)

    # then
    assert parsed.kind == HARD
    assert [(report.address, report.kind) for report in parsed.recipients] == [
        ("jan@vandam.example", SOFT),
        ("piet@vandam.example", HARD),
    ]
    assert parsed.primary.address == "piet@vandam.example"


def test_an_exim_plain_text_bounce_is_hard_with_the_failed_address_code_and_quoted_message_id():
    # when
    parsed = bounce_parse(exim_text_bounce())

    # then
    assert (parsed.kind, parsed.source) == (HARD, TEXT)
    assert parsed.recipients == (
        RecipientReport(
            address="jan@vandam.example",
            status="5.1.1",
            diagnostic="550 5.1.1 <jan@vandam.example>: Recipient address rejected: User unknown",
            kind=HARD,
        ),
    )
    assert parsed.original_message_id == OUR_ID
    assert parsed.headers.message_id == "<E1jadPZ-0003kq-9Q@relay.example.org>"


def test_a_plain_text_bounce_without_x_failed_recipients_takes_the_one_address_of_its_text():
    # when
    parsed = bounce_parse(exim_text_bounce(failed_header=False))

    # then
    assert (parsed.kind, parsed.primary.address, parsed.primary.status) == (HARD, "jan@vandam.example", "5.1.1")


def test_a_plain_text_bounce_naming_several_addresses_gives_none_of_them():
    # given
    raw = exim_text_bounce(failed_header=False, reply="550 5.1.1 mailbox unknown; try anna@vandam.example")

    # when
    parsed = bounce_parse(raw)

    # then: still hard (the quoted Message-ID may say whose e-mail it was), but no address guessed
    assert (parsed.kind, parsed.primary.address) == (HARD, "")


def test_a_plain_text_bounce_with_a_4xx_code_is_soft():
    # when
    parsed = bounce_parse(exim_text_bounce(reply="452 4.2.2 Mailbox full, try again later"))

    # then
    assert (parsed.kind, parsed.primary.status) == (SOFT, "4.2.2")


def test_a_plain_text_bounce_without_a_status_code_is_unrecognised():
    # when
    parsed = bounce_parse(exim_text_bounce(reply="550 Requested action not taken: mailbox unavailable"))

    # then
    assert (parsed.kind, parsed.source, parsed.reason) == (UNRECOGNISED, TEXT, NO_STATUS)
    assert parsed.recipients == ()


def test_an_automatic_reply_is_not_a_bounce_even_with_a_5_1_1_in_it():
    # when
    parsed = bounce_parse(out_of_office_reply())

    # then
    assert (parsed.kind, parsed.reason, parsed.recipients) == (UNRECOGNISED, NOT_A_BOUNCE, ())
    assert parsed.headers.message_id == "<ooo.1@vandam.example>"


def test_garbage_is_unrecognised_and_never_raises():
    for raw in (GARBAGE, b"\x00", b"Content-Type: multipart/report; boundary=\n\n--\n--", b"Subject: =?bogus?Q?x?=\n"):
        # when
        parsed = bounce_parse(raw)

        # then
        assert parsed.kind == UNRECOGNISED
        assert parsed.recipients == ()


def test_the_headers_alone_are_read_for_the_record_and_garbage_gives_empty_ones():
    # then
    assert bounce_headers(postfix_dsn()).message_id == "<20200518081502.3F2A1C0123@mail.example.org>"
    assert bounce_headers(GARBAGE).message_id == ""

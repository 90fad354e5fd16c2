"""Receiving bounces (notifications.bounce_intake): a row first, then a hard bounce suppresses the address and marks
the e-mail bounced; a soft one records; anything else suppresses nothing; the same message twice is one row."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from htg_migration import clock
from notifications.bounce_intake import bounce_process, bounce_receive, bounce_record, bounces_process_pending
from notifications.models import InboundBounce, OutboxEmail, SuppressedAddress
from notifications.services import email_enqueue, outbox_message_id
from tests.notifications.bounce_messages import GARBAGE, exim_text_bounce, out_of_office_reply, postfix_dsn
from tests.notifications.factories import OutboxEmailFactory

pytestmark = pytest.mark.django_db

INVITED_CONTEXT = {
    "contact_name": "Jan de Vries",
    "company_name": "Van Dam Logistiek B.V.",
    "flow_name": "NCTS",
    "intake_url": "https://example.org/intake/abc/",
    "due_date": "15 mei 2020",
}


def _sent_email(address: str = "jan@vandam.example", *, minutes_ago: int = 10) -> OutboxEmail:
    sent_at = timezone.now() - datetime.timedelta(minutes=minutes_ago)
    email = OutboxEmailFactory(to_address=address, status=OutboxEmail.Status.SENT, sent_at=sent_at, attempts=1)
    email.message_id = outbox_message_id(email)
    email.save(update_fields=["message_id"])
    return email


def _state() -> tuple:
    """Everything the intake may write: bounce rows, suppressions, and the outbox's statuses and errors."""
    return (
        list(InboundBounce.objects.values_list("id", "outcome", "processed_at")),
        list(SuppressedAddress.objects.values_list("address", "reason", "detail")),
        list(OutboxEmail.objects.order_by("id").values_list("id", "status", "last_error")),
    )


def test_a_hard_bounce_suppresses_the_address_marks_the_email_and_the_next_email_is_suppressed():
    # given: an invitation that went out, and another one to somebody else
    email = _sent_email("jan@vandam.example")
    other = _sent_email("anna@vandam.example")

    # when
    receipt = bounce_receive(raw_message=postfix_dsn(message_id=email.message_id))

    # then: one row with the report's fields, matched by Message-ID
    bounce = receipt.bounce
    assert receipt.created is True
    assert bounce.outcome == InboundBounce.Outcome.HARD_BOUNCE
    assert (bounce.recipient, bounce.action, bounce.status_code) == ("jan@vandam.example", "failed", "5.1.1")
    assert bounce.diagnostic.startswith("smtp; 550 5.1.1 <jan@vandam.example>: Recipient address rejected")
    assert bounce.original_message_id == email.message_id
    assert bounce.email_id == email.pk
    assert bounce.message_id == "<20200518081502.3F2A1C0123@mail.example.org>"
    assert bounce.note == ""
    assert bounce.processed_at is not None
    assert bytes(bounce.raw_message) == postfix_dsn(message_id=email.message_id)
    # the address is suppressed with the server's words, and the e-mail shows it bounced
    suppressed = SuppressedAddress.objects.get()
    assert (suppressed.address, suppressed.reason) == ("jan@vandam.example", SuppressedAddress.Reason.HARD_BOUNCE)
    assert suppressed.detail.startswith("5.1.1 smtp; 550 5.1.1 <jan@vandam.example>")
    email.refresh_from_db()
    assert email.status == OutboxEmail.Status.BOUNCED
    assert email.last_error == suppressed.detail
    assert email.sent_at is not None
    other.refresh_from_db()
    assert (other.status, other.last_error) == (OutboxEmail.Status.SENT, "")

    # when: the next e-mail to that address
    with transaction.atomic():
        next_email = email_enqueue(
            to_address="Jan@VanDam.example",
            template_key="connection.invited",
            language="en",
            context=INVITED_CONTEXT,
            dedupe_key="connection:1:invited:2",
        )

    # then
    assert next_email.status == OutboxEmail.Status.SUPPRESSED
    assert next_email.last_error.startswith("hard bounce: 5.1.1 smtp; 550 5.1.1")


def test_a_hard_bounce_with_only_the_returned_headers_is_matched_by_message_id_too():
    # given
    email = _sent_email()

    # when
    bounce = bounce_receive(raw_message=postfix_dsn(message_id=email.message_id, returned="headers")).bounce

    # then
    assert (bounce.outcome, bounce.email_id) == (InboundBounce.Outcome.HARD_BOUNCE, email.pk)
    assert SuppressedAddress.objects.filter(address="jan@vandam.example").exists()


def test_a_plain_text_hard_bounce_suppresses_and_marks_the_email_it_quotes():
    # given
    email = _sent_email()

    # when
    bounce = bounce_receive(raw_message=exim_text_bounce(message_id=email.message_id)).bounce

    # then
    assert (bounce.outcome, bounce.email_id, bounce.status_code) == (
        InboundBounce.Outcome.HARD_BOUNCE,
        email.pk,
        "5.1.1",
    )
    email.refresh_from_db()
    assert email.status == OutboxEmail.Status.BOUNCED
    assert email.last_error == "5.1.1 550 5.1.1 <jan@vandam.example>: Recipient address rejected: User unknown"


def test_without_our_message_id_a_hard_bounce_is_linked_to_the_latest_email_and_left_for_a_person():
    # given: two e-mails to the address; the report's Message-ID is not one of ours (anyone can write such a report)
    older = _sent_email(minutes_ago=60)
    latest = _sent_email(minutes_ago=5)
    before = _state()

    # when
    bounce = bounce_receive(raw_message=postfix_dsn(message_id="<CAB123@mail.gmail.com>")).bounce

    # then: the latest e-mail is shown with it; nothing suppressed, no e-mail marked
    assert (bounce.outcome, bounce.email_id) == (InboundBounce.Outcome.UNRECOGNISED, latest.pk)
    assert "does not quote the Message-ID" in bounce.note
    assert _state()[1:] == before[1:]
    older.refresh_from_db()
    latest.refresh_from_db()
    assert (older.status, latest.status) == (OutboxEmail.Status.SENT, OutboxEmail.Status.SENT)


def test_a_message_id_in_our_shape_that_is_not_the_stored_one_matches_nothing():
    # given: the report names the id of anna's e-mail with a made-up digest, for an address we never wrote to
    anna = _sent_email("anna@vandam.example")
    forged = f"<htg.{anna.pk}.ffffffffffffffffffff@example.org>"
    before = _state()

    # when
    bounce = bounce_receive(raw_message=postfix_dsn(message_id=forged, address="nobody@elsewhere.example")).bounce

    # then: recorded for a person; nothing suppressed, anna's e-mail untouched
    assert bounce.outcome == InboundBounce.Outcome.UNRECOGNISED
    assert bounce.email is None
    assert bounce.note.startswith("A hard bounce, but no e-mail sent by the outbox matches it")
    assert _state()[1:] == before[1:]


def test_a_forwarded_address_that_fails_suppresses_the_address_the_email_went_to():
    # given: sent to info@, forwarded by the company's server to a mailbox that no longer exists
    email = _sent_email("info@vandam.example")
    raw = postfix_dsn(
        message_id=email.message_id, address="old.employee@elsewhere.example", original_recipient="info@vandam.example"
    )

    # when
    bounce = bounce_receive(raw_message=raw).bounce

    # then
    assert bounce.outcome == InboundBounce.Outcome.HARD_BOUNCE
    assert list(SuppressedAddress.objects.values_list("address", flat=True)) == ["info@vandam.example"]
    email.refresh_from_db()
    assert email.status == OutboxEmail.Status.BOUNCED


def test_a_hard_bounce_for_an_email_that_is_not_sent_suppresses_but_leaves_its_status():
    # given: the e-mail failed meanwhile (for example, a later attempt was refused)
    email = _sent_email()
    OutboxEmail.objects.filter(pk=email.pk).update(status=OutboxEmail.Status.FAILED, last_error="550 refused")

    # when
    bounce_receive(raw_message=postfix_dsn(message_id=email.message_id))

    # then
    email.refresh_from_db()
    assert (email.status, email.last_error) == (OutboxEmail.Status.FAILED, "550 refused")
    assert SuppressedAddress.objects.filter(address="jan@vandam.example").exists()


def test_an_address_already_suppressed_keeps_its_first_reason():
    # given
    email = _sent_email()
    SuppressedAddress.objects.create(address="jan@vandam.example", reason="manual", detail="asked us to stop")

    # when
    bounce = bounce_receive(raw_message=postfix_dsn(message_id=email.message_id)).bounce

    # then
    assert bounce.outcome == InboundBounce.Outcome.HARD_BOUNCE
    assert list(SuppressedAddress.objects.values_list("reason", "detail")) == [("manual", "asked us to stop")]


def test_a_soft_bounce_is_recorded_against_the_email_and_suppresses_nothing():
    # given
    email = _sent_email()
    before = _state()

    # when
    raw = postfix_dsn(
        message_id=email.message_id, action="delayed", status="4.4.1", diagnostic="454 4.4.1 Connection timed out"
    )
    bounce = bounce_receive(raw_message=raw).bounce

    # then
    assert (bounce.outcome, bounce.email_id, bounce.status_code) == (
        InboundBounce.Outcome.SOFT_BOUNCE,
        email.pk,
        "4.4.1",
    )
    assert bounce.action == "delayed"
    assert _state()[1:] == before[1:]


@pytest.mark.parametrize(
    ("raw", "note"),
    [
        (out_of_office_reply(), "Not a delivery status notification, nor a bounce this intake recognises."),
        (GARBAGE, "Not a delivery status notification, nor a bounce this intake recognises."),
        (
            postfix_dsn(action="delivered", status="2.0.0", diagnostic="250 2.0.0 Ok"),
            "A delivery status notification that reports no failure (for example delivered or relayed).",
        ),
        (
            exim_text_bounce(reply="550 Requested action not taken: mailbox unavailable"),
            "It looks like a bounce, but no status code (such as 5.1.1) was found in its text.",
        ),
    ],
    ids=["automatic-reply", "garbage", "delivered", "no-status-code"],
)
def test_an_unrecognised_message_is_kept_for_a_person_and_suppresses_nothing(raw, note):
    # given
    _sent_email()
    before = _state()

    # when
    receipt = bounce_receive(raw_message=raw)

    # then
    bounce = receipt.bounce
    assert receipt.created is True
    assert (bounce.outcome, bounce.note) == (InboundBounce.Outcome.UNRECOGNISED, note)
    assert bounce.email is None
    assert bytes(bounce.raw_message) == raw
    assert bounce.processed_at is not None
    assert _state()[1:] == before[1:]


def test_the_same_message_twice_is_one_row_and_is_not_acted_on_again():
    # given: a hard bounce received; then someone lifts the suppression by hand
    email = _sent_email()
    raw = postfix_dsn(message_id=email.message_id)
    first = bounce_receive(raw_message=raw)
    SuppressedAddress.objects.all().delete()

    # when: the same bytes, and the same report delivered again with one more Received line
    again = bounce_receive(raw_message=raw)
    redelivered = bounce_receive(raw_message=b"Received: from relay2.example.org by mail.example.org;\n" + raw)

    # then
    assert InboundBounce.objects.count() == 1
    assert (again.created, again.bounce.pk) == (False, first.bounce.pk)
    assert (redelivered.created, redelivered.bounce.pk) == (False, first.bounce.pk)
    assert SuppressedAddress.objects.count() == 0


def test_the_same_bytes_without_a_message_id_are_one_row():
    # given
    raw = GARBAGE

    # when
    first = bounce_receive(raw_message=raw)
    second = bounce_receive(raw_message=raw)

    # then
    assert InboundBounce.objects.count() == 1
    assert (first.created, second.created, second.bounce.pk) == (True, False, first.bounce.pk)


@pytest.mark.parametrize("raw", [b"", b" \r\n\t\n"], ids=["empty", "blank"])
def test_an_empty_message_is_refused_and_writes_nothing(raw):
    # given
    _sent_email()
    before = _state()

    # when
    with pytest.raises(ValidationError) as refused:
        bounce_receive(raw_message=raw)

    # then
    assert refused.value.messages == ["The message is empty: nothing was recorded."]
    assert _state() == before


def test_a_large_message_is_kept_to_256_kb_and_read_whole():
    # given: a report whose returned message carries a large body (beyond what the row keeps)
    email = _sent_email()
    raw = postfix_dsn(message_id=email.message_id).replace(
        b"You are invited to move NCTS.\n", b"You are invited to move NCTS.\n" + b"x" * 76 + b"\n" * 4000
    )
    raw += b"Z" * (300 * 1024)

    # when
    bounce = bounce_receive(raw_message=raw).bounce

    # then
    assert len(bytes(bounce.raw_message)) == 256 * 1024 == InboundBounce.RAW_MAX_BYTES
    assert bytes(bounce.raw_message) == raw[: 256 * 1024]
    assert bounce.raw_size == len(raw)
    assert bounce.outcome == InboundBounce.Outcome.HARD_BOUNCE


def test_a_recorded_bounce_whose_processing_never_ran_is_processed_by_the_pending_sweep():
    # given: the receiving process stopped after recording the message
    email = _sent_email()
    receipt = bounce_record(raw_message=postfix_dsn(message_id=email.message_id))
    assert receipt.bounce.outcome == InboundBounce.Outcome.RECEIVED
    assert SuppressedAddress.objects.count() == 0

    # when: within the grace minute, nothing; after it, the row is processed from the stored message
    assert bounces_process_pending(now=clock.now()) == 0
    processed = bounces_process_pending(now=clock.now() + datetime.timedelta(minutes=2))

    # then
    assert processed == 1
    receipt.bounce.refresh_from_db()
    assert (receipt.bounce.outcome, receipt.bounce.email_id) == (InboundBounce.Outcome.HARD_BOUNCE, email.pk)
    assert SuppressedAddress.objects.filter(address="jan@vandam.example").exists()
    assert bounces_process_pending(now=clock.now() + datetime.timedelta(minutes=3)) == 0


def test_a_message_received_again_whose_processing_never_ran_is_processed_then():
    # given
    email = _sent_email()
    raw = postfix_dsn(message_id=email.message_id)
    recorded = bounce_record(raw_message=raw).bounce

    # when
    receipt = bounce_receive(raw_message=raw)

    # then
    assert (receipt.created, receipt.bounce.pk) == (False, recorded.pk)
    assert receipt.bounce.outcome == InboundBounce.Outcome.HARD_BOUNCE


def test_processing_twice_acts_once():
    # given
    email = _sent_email()
    bounce = bounce_receive(raw_message=postfix_dsn(message_id=email.message_id)).bounce
    SuppressedAddress.objects.all().delete()
    processed_at = bounce.processed_at

    # when
    again = bounce_process(bounce_id=bounce.pk)

    # then
    assert again.processed_at == processed_at
    assert SuppressedAddress.objects.count() == 0


def test_a_bounce_that_fails_to_process_does_not_hold_up_the_others_in_the_pending_sweep(monkeypatch, caplog):
    # given: two recorded bounces; reading the first one fails once (a bug, say)
    from notifications import bounce_intake

    email = _sent_email()
    first = bounce_record(raw_message=GARBAGE).bounce
    second = bounce_record(raw_message=postfix_dsn(message_id=email.message_id)).bounce
    parse = bounce_intake.bounce_parse
    calls = []

    def failing_once(raw):
        calls.append(raw)
        if len(calls) == 1:
            raise RuntimeError("parser bug")
        return parse(raw)

    monkeypatch.setattr(bounce_intake, "bounce_parse", failing_once)
    later = clock.now() + datetime.timedelta(minutes=2)

    # when
    processed = bounces_process_pending(now=later)

    # then: the second is processed; the first waits, logged
    assert processed == 1
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.outcome, first.processed_at) == (InboundBounce.Outcome.RECEIVED, None)
    assert second.outcome == InboundBounce.Outcome.HARD_BOUNCE
    assert f"Bounce {first.pk} could not be processed" in caplog.text

    # when: the next run
    assert bounces_process_pending(now=later) == 1
    first.refresh_from_db()
    assert first.outcome == InboundBounce.Outcome.UNRECOGNISED


def test_a_plain_text_bounce_that_names_several_addresses_acts_on_the_email_it_quotes():
    # given
    email = _sent_email()
    raw = exim_text_bounce(
        message_id=email.message_id, failed_header=False, reply="550 5.1.1 unknown; try anna@vandam.example"
    )

    # when
    bounce = bounce_receive(raw_message=raw).bounce

    # then: the address the e-mail went to, not a guess from the text
    assert (bounce.outcome, bounce.email_id, bounce.recipient) == (
        InboundBounce.Outcome.HARD_BOUNCE,
        email.pk,
        "jan@vandam.example",
    )
    assert list(SuppressedAddress.objects.values_list("address", flat=True)) == ["jan@vandam.example"]


def test_a_plain_text_bounce_that_names_several_addresses_and_quotes_nothing_of_ours_suppresses_nothing():
    # given
    _sent_email()
    _sent_email("anna@vandam.example")
    before = _state()
    raw = exim_text_bounce(
        message_id="<other@elsewhere.example>", failed_header=False, reply="550 5.1.1 unknown; try anna@vandam.example"
    )

    # when
    bounce = bounce_receive(raw_message=raw).bounce

    # then
    assert (bounce.outcome, bounce.email, bounce.recipient) == (InboundBounce.Outcome.UNRECOGNISED, None, "")
    assert _state()[1:] == before[1:]


def test_a_report_with_an_overlong_action_and_address_is_recorded_and_processed_not_stuck():
    # given: a crafted report whose Action and Final-Recipient are longer than their columns
    email = _sent_email()
    long_address = "x" * 250 + "@vandam.example"
    raw = postfix_dsn(message_id=email.message_id, action="failed-and-then-some-more-words-here")
    raw = raw.replace(
        b"Final-Recipient: rfc822; jan@vandam.example", f"Final-Recipient: rfc822; {long_address}".encode()
    )
    assert long_address.encode() in raw

    # when
    bounce = bounce_receive(raw_message=raw).bounce

    # then: processed (not left failing for the pending sweep): the action cut to its column, no such address,
    # and an unknown action is no hard bounce, so nothing is suppressed
    assert bounce.processed_at is not None
    assert bounce.action == "failed-and-then-some"
    assert bounce.recipient == ""
    assert bounce.outcome != InboundBounce.Outcome.HARD_BOUNCE
    assert not SuppressedAddress.objects.exists()

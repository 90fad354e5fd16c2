"""Sending over real SMTP servers on loopback (aiosmtpd): success, retries, refusals and TLS that fails closed."""

import datetime
import ssl

import pytest
from django.core import mail
from django.utils import timezone

from notifications.models import OutboxEmail, SuppressedAddress
from notifications.services import email_send
from tests.notifications.factories import OutboxEmailFactory

pytestmark = pytest.mark.django_db

STRICT = "notifications.backends.StrictTlsEmailBackend"
PLAIN_SMTP = "notifications.backends.SmtpEmailBackend"


def _use_server(settings, server, *, backend=STRICT, cafile="", use_tls=True):
    settings.EMAIL_BACKEND = backend
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = server.port
    settings.EMAIL_USE_TLS = use_tls
    settings.EMAIL_SSL_CAFILE = str(cafile)
    settings.EMAIL_TIMEOUT = 5


def test_an_email_sent_over_starttls_to_a_trusted_server_arrives_with_the_recorded_message_id(
    settings, smtp_server_factory, self_signed_certificate
):
    # given: a STARTTLS server whose certificate our private CA file vouches for
    server = smtp_server_factory(starttls=True)
    _use_server(settings, server, cafile=self_signed_certificate.cert_path)
    email = OutboxEmailFactory(to_address="jan@example.nl", subject="Uitnodiging", body_html="<p>Hallo</p>")

    # when
    email_send(email_id=email.pk)

    # then
    email.refresh_from_db()
    assert email.status == OutboxEmail.Status.SENT
    assert email.last_error == ""
    assert len(server.messages) == 1
    message = server.messages[0]
    assert message["Message-ID"] == email.message_id
    assert email.message_id.endswith("@example.org>")
    assert message["To"] == "jan@example.nl"
    assert message["Subject"] == "Uitnodiging"
    assert message.get_content_type() == "multipart/alternative"


def test_a_server_whose_certificate_is_not_trusted_fails_closed_and_the_row_says_why(settings, smtp_server_factory):
    # given: the same kind of server, but no CA file: its self-signed certificate does not verify
    server = smtp_server_factory(starttls=True)
    _use_server(settings, server)
    email = OutboxEmailFactory()

    # when
    email_send(email_id=email.pk)

    # then
    email.refresh_from_db()
    assert email.status == OutboxEmail.Status.FAILED
    assert email.last_error.startswith("SSLCertVerificationError")
    assert "certificate verify failed" in email.last_error
    assert email.next_attempt_at is None
    assert server.messages == []
    assert SuppressedAddress.objects.count() == 0  # our problem, not the recipient's


def test_a_server_that_does_not_offer_starttls_fails_closed(settings, smtp_server_factory, self_signed_certificate):
    # given
    server = smtp_server_factory(starttls=False)
    _use_server(settings, server, cafile=self_signed_certificate.cert_path)
    email = OutboxEmailFactory()

    # when
    email_send(email_id=email.pk)

    # then
    email.refresh_from_db()
    assert email.status == OutboxEmail.Status.FAILED
    assert email.last_error == (
        f"TlsRequiredError: 127.0.0.1:{server.port} does not offer STARTTLS; not sending in the clear."
    )
    assert server.messages == []


def test_the_strict_backend_refuses_a_configuration_without_tls(settings, smtp_server_factory):
    # given
    server = smtp_server_factory(starttls=False)
    _use_server(settings, server, use_tls=False)
    email = OutboxEmailFactory()

    # when
    email_send(email_id=email.pk)

    # then
    email.refresh_from_db()
    assert email.status == OutboxEmail.Status.FAILED
    assert email.last_error.startswith("TlsRequiredError: TLS is required")
    assert server.messages == []


def test_a_server_that_offers_only_tls_1_1_fails_closed(settings, smtp_server_factory, self_signed_certificate):
    # given: the server caps TLS at 1.1 (it takes security level 0 for OpenSSL 3 to allow that at all)
    server = smtp_server_factory(starttls=True, tls_maximum=ssl.TLSVersion.TLSv1_1)
    _use_server(settings, server, cafile=self_signed_certificate.cert_path)
    email = OutboxEmailFactory()

    # when
    email_send(email_id=email.pk)

    # then
    email.refresh_from_db()
    assert email.status == OutboxEmail.Status.FAILED
    # observed here (OpenSSL 3.0): the server rejects our 1.2-only hello (UNSUPPORTED_PROTOCOL), we see an EOF
    assert email.last_error.startswith(("SSLError", "SSLEOFError"))
    assert server.messages == []


def test_a_temporary_refusal_schedules_a_retry_with_a_doubling_wait(settings, smtp_server_factory):
    # given: the server answers 451 to the recipient
    server = smtp_server_factory(rcpt_reply="451 4.3.0 try again later")
    _use_server(settings, server, backend=PLAIN_SMTP, use_tls=False)
    settings.HTG_EMAIL_RETRY_BASE_SECONDS = 60
    email = OutboxEmailFactory()
    now = timezone.now()

    # when: the first attempt, then the second when it is due
    email_send(email_id=email.pk, now=now)
    email.refresh_from_db()
    first_retry = email.next_attempt_at
    email_send(email_id=email.pk, now=first_retry)

    # then
    email.refresh_from_db()
    assert first_retry == now + datetime.timedelta(seconds=60)
    assert email.status == OutboxEmail.Status.QUEUED
    assert email.attempts == 2
    assert email.next_attempt_at == first_retry + datetime.timedelta(seconds=120)
    assert "451" in email.last_error
    assert SuppressedAddress.objects.count() == 0


def test_a_server_that_is_not_there_is_retried(settings):
    # given: nothing listens on this port
    from tests.notifications.conftest import free_port

    settings.EMAIL_BACKEND = PLAIN_SMTP
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_USE_TLS, settings.EMAIL_TIMEOUT = (
        "127.0.0.1",
        free_port(),
        False,
        5,
    )
    email = OutboxEmailFactory()

    # when
    email_send(email_id=email.pk)

    # then
    email.refresh_from_db()
    assert email.status == OutboxEmail.Status.QUEUED
    assert email.attempts == 1
    assert email.last_error.startswith("ConnectionRefusedError")
    assert email.next_attempt_at is not None


def test_the_last_allowed_temporary_failure_fails_the_row(settings, smtp_server_factory):
    # given
    server = smtp_server_factory(rcpt_reply="421 4.7.0 busy")
    _use_server(settings, server, backend=PLAIN_SMTP, use_tls=False)
    settings.HTG_EMAIL_MAX_ATTEMPTS = 3
    email = OutboxEmailFactory(attempts=2, next_attempt_at=timezone.now() - datetime.timedelta(seconds=1))

    # when
    email_send(email_id=email.pk)

    # then
    email.refresh_from_db()
    assert (email.status, email.attempts, email.next_attempt_at) == (OutboxEmail.Status.FAILED, 3, None)


def test_a_permanent_refusal_fails_the_row_and_suppresses_the_address(settings, smtp_server_factory):
    # given
    server = smtp_server_factory(rcpt_reply="550 5.1.1 no such user")
    _use_server(settings, server, backend=PLAIN_SMTP, use_tls=False)
    email = OutboxEmailFactory(to_address="gone@example.com")

    # when
    email_send(email_id=email.pk)

    # then
    email.refresh_from_db()
    assert email.status == OutboxEmail.Status.FAILED
    assert email.next_attempt_at is None
    assert "550" in email.last_error
    suppressed = SuppressedAddress.objects.get()
    assert (suppressed.address, suppressed.reason) == ("gone@example.com", SuppressedAddress.Reason.REFUSED)
    assert server.messages == []


def test_an_attachment_is_sent_as_its_own_part_and_an_ics_as_a_calendar_invitation(settings, smtp_sink):
    # given
    _use_server(settings, smtp_sink, backend=PLAIN_SMTP, use_tls=False)
    calendar = "BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nEND:VCALENDAR\r\n"
    email = OutboxEmailFactory(
        body_html="<p>Hallo</p>",
        attachments=[
            {"filename": "afspraak.ics", "content": calendar, "mimetype": "text/calendar"},
            {"filename": "notes.csv", "content": "a;b\r\n1;é\r\n", "mimetype": "application/octet-stream"},
        ],
    )

    # when
    email_send(email_id=email.pk)

    # then
    email.refresh_from_db()
    assert email.status == OutboxEmail.Status.SENT
    message = smtp_sink.messages[0]
    assert message.get_content_type() == "multipart/mixed"
    body, invitation, csv = message.get_payload()
    assert body.get_content_type() == "multipart/alternative"
    assert invitation.get_content_type() == "text/calendar"
    assert invitation.get_param("method") == "REQUEST"
    assert invitation.get_filename() == "afspraak.ics"
    assert invitation.get_payload(decode=True).decode("utf-8") == calendar
    assert csv.get_content_type() == "application/octet-stream"
    assert csv.get_filename() == "notes.csv"
    assert csv.get_payload(decode=True).decode("utf-8") == "a;b\r\n1;é\r\n"


def test_a_worker_sends_one_email_after_another_over_one_smtp_connection(settings, smtp_sink):
    # given
    _use_server(settings, smtp_sink, backend=PLAIN_SMTP, use_tls=False)
    emails = [OutboxEmailFactory(to_address=f"user{number}@example.nl") for number in range(3)]

    # when
    for email in emails:
        email_send(email_id=email.pk)

    # then: all three arrived, in one SMTP session
    assert [OutboxEmail.objects.get(pk=email.pk).status for email in emails] == ["sent"] * 3
    assert len(smtp_sink.messages) == 3
    assert len(set(smtp_sink.handler.sessions)) == 1


def test_a_connection_the_server_closed_meanwhile_is_opened_again_and_the_email_still_goes(settings, smtp_sink):
    from notifications import backends

    # given: one e-mail sent, then the kept connection is closed under us (as a server does with an idle one)
    _use_server(settings, smtp_sink, backend=PLAIN_SMTP, use_tls=False)
    first, second = OutboxEmailFactory(), OutboxEmailFactory()
    email_send(email_id=first.pk)
    backends._kept.connection.connection.close()

    # when
    email_send(email_id=second.pk)

    # then: sent at once, over a new session, nothing recorded as an error
    second.refresh_from_db()
    assert (second.status, second.attempts, second.last_error) == ("sent", 1, "")
    assert len(smtp_sink.messages) == 2
    assert len(set(smtp_sink.handler.sessions)) == 2


def test_a_batch_claims_its_rows_before_sending_and_leaves_no_claim_behind(
    settings, smtp_sink, django_assert_num_queries
):
    from notifications.services import emails_send

    # given: three due e-mails and one whose retry is not yet due
    _use_server(settings, smtp_sink, backend=PLAIN_SMTP, use_tls=False)
    settings.HTG_EMAIL_CLAIM_BATCH = 2
    emails = [OutboxEmailFactory(to_address=f"user{number}@example.nl") for number in range(3)]
    waiting = OutboxEmailFactory(next_attempt_at=timezone.now() + datetime.timedelta(minutes=5), attempts=1)

    # when
    result = emails_send(email_ids=[email.pk for email in emails] + [waiting.pk])

    # then: all three arrived over one connection, each with the Message-ID its row records; no claim remains
    assert (result.sent, result.retrying, result.failed) == (3, 0, 0)
    rows = OutboxEmail.objects.filter(pk__in=[email.pk for email in emails])
    assert set(rows.values_list("status", "claimed_by", "attempts")) == {("sent", "", 1)}
    assert sorted(message["Message-ID"] for message in smtp_sink.messages) == sorted(
        rows.values_list("message_id", flat=True)
    )
    assert len(set(smtp_sink.handler.sessions)) == 1
    waiting.refresh_from_db()
    assert (waiting.status, waiting.attempts, waiting.claimed_by) == ("queued", 1, "")


def test_a_row_claimed_by_a_sender_that_is_gone_is_sent_again_with_the_same_message_id(settings, smtp_sink):
    from notifications.services import email_claims_recover, email_send, outbox_message_id

    # given: a row left sending by a sender that died before handing it over (no one holds its claim lock)
    _use_server(settings, smtp_sink, backend=PLAIN_SMTP, use_tls=False)
    email = OutboxEmailFactory(status="sending", claimed_by="worker-gone:1:abc", claimed_at=timezone.now())
    expected_message_id = outbox_message_id(email)

    # when: a sender meanwhile does not take it; then the sweep recovers it and it is sent
    assert email_send(email_id=email.pk).status == "sending"
    recovered = email_claims_recover(now=timezone.now())
    email_send(email_id=email.pk)

    # then
    email.refresh_from_db()
    assert recovered.requeued == 1
    assert (email.status, email.message_id, email.claimed_by) == ("sent", expected_message_id, "")
    assert [message["Message-ID"] for message in smtp_sink.messages] == [expected_message_id]


def test_a_row_whose_sender_still_lives_is_not_recovered(settings):
    from notifications.services import CLAIM_LOCK_NAMESPACE, email_claims_recover

    # given: a live sender holds its claim's lock (on another database session)
    email = OutboxEmailFactory(status="sending", claimed_by="worker-alive:1:abc", claimed_at=timezone.now())
    import psycopg2
    from django.db import connection

    options = connection.settings_dict
    other = psycopg2.connect(
        dbname=options["NAME"], user=options["USER"], host=options["HOST"] or "127.0.0.1", port=options["PORT"] or 5432
    )
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, hashtext(%s))", [CLAIM_LOCK_NAMESPACE, email.claimed_by])

        # when
        recovered = email_claims_recover(now=timezone.now() + datetime.timedelta(hours=1))
    finally:
        other.close()

    # then: nothing changed
    email.refresh_from_db()
    assert (recovered.requeued, email.status, email.claimed_by) == (0, "sending", "worker-alive:1:abc")


def test_a_dead_senders_rows_still_sending_are_requeued_and_its_other_rows_keep_their_status():
    from notifications.services import email_claims_recover

    # given: a sender died in a batch after one row was sent and another bounced since, with one row still sending,
    # and a row of another sender that died with nothing sent
    token = "gone:3:batch"
    sent = OutboxEmailFactory(status="sent", message_id="<m1@example.org>", claimed_by=token, attempts=1)
    bounced = OutboxEmailFactory(status="bounced", message_id="<m2@example.org>", claimed_by=token, attempts=1)
    sending = OutboxEmailFactory(status="sending", claimed_by=token)
    other = OutboxEmailFactory(status="sending", claimed_by="gone:4:other")
    now = timezone.now()

    # when
    recovered = email_claims_recover(now=now)

    # then: the rows still sending are queued again (due now), the others keep their status; every claim ends and
    # nothing is sent by the recovery itself
    for email in (sent, bounced, sending, other):
        email.refresh_from_db()
    assert recovered.requeued == 2
    assert (sent.status, sent.claimed_by, sent.attempts) == ("sent", "", 1)
    assert (bounced.status, bounced.claimed_by) == ("bounced", "")
    assert (sending.status, sending.claimed_by, sending.next_attempt_at) == ("queued", "", now)
    assert (other.status, other.claimed_by) == ("queued", "")
    assert mail.outbox == []


def test_a_batch_marks_each_row_sent_and_leaves_no_claim_behind(settings, smtp_sink):
    from notifications.services import emails_send

    # given: three queued rows
    _use_server(settings, smtp_sink, backend=PLAIN_SMTP, use_tls=False)
    emails = [OutboxEmailFactory() for _number in range(3)]

    # when
    result = emails_send(email_ids=[email.pk for email in emails])

    # then: all sent, each once, none still claimed
    assert result.sent == 3
    assert sorted(message["Message-ID"] for message in smtp_sink.messages) == sorted(
        OutboxEmail.objects.values_list("message_id", flat=True)
    )
    assert not OutboxEmail.objects.exclude(claimed_by="").exists()
    assert set(OutboxEmail.objects.values_list("status", flat=True)) == {"sent"}


class _DataRefusingHandler:
    def __init__(self, reply):
        self.reply = reply

    async def handle_DATA(self, server, session, envelope):
        return self.reply


@pytest.mark.parametrize(
    ("reply", "status", "suppressed"),
    [("451 4.3.0 try again later", "queued", False), ("554 5.7.1 message refused", "failed", True)],
)
def test_a_refusal_at_the_end_of_data_is_recorded_and_the_row_is_not_marked_sent(settings, reply, status, suppressed):
    from aiosmtpd.controller import Controller

    from tests.notifications.conftest import free_port

    # given: a server that takes the whole message, then refuses it
    port = free_port()
    controller = Controller(_DataRefusingHandler(reply), hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND, settings.EMAIL_HOST, settings.EMAIL_PORT = PLAIN_SMTP, "127.0.0.1", port
    settings.EMAIL_USE_TLS, settings.EMAIL_TIMEOUT = False, 5
    email = OutboxEmailFactory(to_address="refused@example.com")

    # when
    try:
        email_send(email_id=email.pk)
    finally:
        controller.stop()

    # then: not sent after all; one attempt recorded, the refusal on the row, no claim left
    email.refresh_from_db()
    assert (email.status, email.attempts, email.sent_at, email.claimed_by) == (status, 1, None, "")
    assert reply.split()[0] in email.last_error
    assert SuppressedAddress.objects.filter(address="refused@example.com").exists() is suppressed


def test_a_sender_holds_its_claim_lock_in_a_transaction_of_its_own_and_nothing_on_its_session():
    # given
    from django.db import connection

    from notifications.services.claims import CLAIM_LOCK_NAMESPACE
    from notifications.services.claims import claim_held as _claim_held

    def advisory_locks() -> list[tuple[bool, bool]]:
        """(held by this session, held by a session in a transaction) of each outbox claim lock in this test's
        database (a parallel test run on the same server has a database, and claim locks, of its own)."""
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT l.pid = pg_backend_pid(), a.state = 'idle in transaction' FROM pg_locks AS l "
                "JOIN pg_stat_activity AS a ON a.pid = l.pid WHERE l.locktype = 'advisory' AND l.classid = %s "
                "AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())",
                [CLAIM_LOCK_NAMESPACE],
            )
            return list(cursor.fetchall())

    # when / then: while a sender works, its lock is held by another session, idle in its transaction; the lock
    # ends with the sender's work
    with _claim_held("sender-under-test"):
        assert advisory_locks() == [(False, True)]
    assert advisory_locks() == []


def test_database_connections_ask_libpq_for_short_tcp_keepalives():
    # given / when: the connection Django opens
    from django.db import connection

    connection.ensure_connection()
    parameters = connection.connection.get_dsn_parameters()

    # then: probed after 30 idle seconds, every 10 s, given up after 3 misses
    assert (
        parameters["keepalives"],
        parameters["keepalives_idle"],
        parameters["keepalives_interval"],
        parameters["keepalives_count"],
    ) == ("1", "30", "10", "3")


def test_the_senders_display_name_follows_the_addressees_language_and_a_cancellation_says_cancel(settings, smtp_sink):
    # given: the configured sender, and an e-mail in each language; the English one cancels an appointment
    _use_server(settings, smtp_sink, backend=PLAIN_SMTP, use_tls=False)
    settings.DEFAULT_FROM_EMAIL = "HTG Migratie <migratie-htg@example.org>"
    cancel = "BEGIN:VCALENDAR\r\nMETHOD:CANCEL\r\nEND:VCALENDAR\r\n"
    dutch = OutboxEmailFactory(language="nl", to_address="jan@example.nl")
    english = OutboxEmailFactory(
        language="en",
        to_address="jane@example.com",
        attachments=[{"filename": "session.ics", "content": cancel, "mimetype": "text/calendar"}],
    )

    # when
    email_send(email_id=dutch.pk)
    email_send(email_id=english.pk)

    # then
    senders = {message["To"]: message["From"] for message in smtp_sink.messages}
    assert senders == {
        "jan@example.nl": "HTG Migratie <migratie-htg@example.org>",
        "jane@example.com": "HTG Migration <migratie-htg@example.org>",
    }
    [invitation] = [
        part for message in smtp_sink.messages for part in message.walk() if part.get_content_type() == "text/calendar"
    ]
    assert invitation.get_param("method") == "CANCEL"

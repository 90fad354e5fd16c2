"""A query sent on the session's socket now and its result read later (libpq's PQsendQuery and PQgetResult)."""

import pytest
from django.db import DatabaseError, connection

from notifications import libpq
from notifications.models import OutboxEmail
from tests.notifications.factories import OutboxEmailFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_a_query_sent_is_carried_out_and_its_result_read_later_on_the_same_session():
    # given: a row, and the session's own psycopg2 connection (autocommit, outside a transaction)
    email = OutboxEmailFactory(status="sending")
    connection.ensure_connection()
    raw = connection.connection
    assert libpq.available(raw)

    # when
    sql = f"UPDATE notifications_outboxemail SET status = 'sent' WHERE id = {int(email.pk)}"  # noqa: S608 - an int
    libpq.query_send(raw, sql.encode())
    libpq.query_finish(raw)

    # then: done, and the session goes on as usual
    assert OutboxEmail.objects.get(pk=email.pk).status == "sent"


def test_a_failing_query_raises_with_the_servers_message_changes_nothing_and_leaves_the_session_usable():
    # given
    email = OutboxEmailFactory(status="sending")
    connection.ensure_connection()
    raw = connection.connection

    # when: the second statement fails (the first, in the same implicit transaction, is undone with it)
    sql = f"UPDATE notifications_outboxemail SET status = 'sent' WHERE id = {int(email.pk)}; SELECT 1 / 0"  # noqa: S608
    libpq.query_send(raw, sql.encode())
    with pytest.raises(DatabaseError, match="division by zero"):
        libpq.query_finish(raw)

    # then
    assert OutboxEmail.objects.get(pk=email.pk).status == "sending"
    with connection.cursor() as cursor:
        cursor.execute("SELECT 2")
        assert cursor.fetchone() == (2,)


class _DataRefusingHandler:
    async def handle_DATA(self, server, session, envelope):
        return "554 5.7.1 message refused"


def test_a_refusal_after_the_hand_over_is_recorded_even_when_recording_the_hand_over_failed(settings, caplog):
    from unittest import mock

    from aiosmtpd.controller import Controller

    from notifications.models import SuppressedAddress
    from notifications.services import email_send
    from tests.notifications.conftest import free_port

    # given: a server that refuses the message at the end of DATA, and a mark whose result is an error
    port = free_port()
    controller = Controller(_DataRefusingHandler(), hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND, settings.EMAIL_HOST, settings.EMAIL_PORT = (
        "django.core.mail.backends.smtp.EmailBackend",
        "127.0.0.1",
        port,
    )
    settings.EMAIL_USE_TLS, settings.EMAIL_TIMEOUT = False, 5
    email = OutboxEmailFactory(to_address="refused@example.com")
    real_finish = libpq.query_finish

    def finish_then_fail(raw):
        real_finish(raw)
        raise DatabaseError("the mark failed")

    # when
    try:
        with mock.patch.object(libpq, "query_finish", finish_then_fail):
            email_send(email_id=email.pk)
    finally:
        controller.stop()

    # then: the refusal decides (failed, address suppressed, no claim); the mark's failure is in the log
    email.refresh_from_db()
    assert (email.status, email.attempts, email.claimed_by) == ("failed", 1, "")
    assert "554" in email.last_error
    assert SuppressedAddress.objects.filter(address="refused@example.com").exists()
    assert "recording the hand-over failed" in caplog.text

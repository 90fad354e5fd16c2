"""Faults while sending, against real parts: an aiosmtpd server on loopback and the test's PostgreSQL.

- The database connection dies between the server's 250 and the sent mark (its backends terminated, as a restart
  of PostgreSQL does, and the sweep requeueing the row meanwhile): the mark is retried on a fresh connection, the
  row is sent once and never again.
- The server takes the whole message and does not answer its end: the row is "unknown", not sent and not lost, and
  is sent again with the same Message-ID. An answer later than EMAIL_TIMEOUT but within RFC 5321's wait is sent.
"""

import asyncio
import threading

import psycopg2
import pytest
from aiosmtpd.controller import Controller
from django.db import connection, connections
from django.utils import timezone

from notifications.models import OutboxEmail
from notifications.services import email_claims_recover, emails_send, outbox_message_id
from tests.conftest import free_port
from tests.notifications.conftest import SinkHandler
from tests.notifications.factories import OutboxEmailFactory

pytestmark = pytest.mark.faults  # in one process; tests/faults/ replays the same faults with a real worker

PLAIN_SMTP = "notifications.backends.SmtpEmailBackend"


def _use(settings, port):
    settings.EMAIL_BACKEND, settings.EMAIL_HOST, settings.EMAIL_PORT = PLAIN_SMTP, "127.0.0.1", port
    settings.EMAIL_USE_TLS, settings.EMAIL_TIMEOUT = False, 5


def _start(handler) -> Controller:
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    return controller


class _DatabaseRestartingHandler(SinkHandler):
    """Takes each message; before answering 250 to the first one, terminates every other backend of the test
    database (the sender's connection and the one holding its claim lock, as a PostgreSQL restart does) and runs
    the sweep that requeues the claims of senders that are gone."""

    def __init__(self, database: dict) -> None:
        super().__init__()
        self.database = database
        self.recovered: list[int] = []

    def _restart_and_sweep(self) -> None:
        with (
            psycopg2.connect(
                dbname=self.database["NAME"],
                user=self.database["USER"],
                host=self.database["HOST"],
                port=self.database["PORT"] or 5432,
            ) as killer,
            killer.cursor() as cursor,
        ):
            # with a timeout, PostgreSQL waits until each backend has exited and so released its claim lock;
            # without one it only signals them, and the sweep below could still find the sender's lock held
            cursor.execute(
                "SELECT pg_terminate_backend(pid, 10000) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        killer.close()
        try:
            self.recovered.append(email_claims_recover(now=timezone.now()).requeued)
        finally:
            connections.close_all()

    async def handle_DATA(self, server, session, envelope):
        reply = await super().handle_DATA(server, session, envelope)
        if len(self.messages) == 1:
            await asyncio.get_running_loop().run_in_executor(None, self._restart_and_sweep)
        return reply


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_database_restart_between_the_250_and_the_mark_sends_nothing_twice(settings):
    # given: two queued e-mails, and a server that restarts the database's connections before its first 250
    handler = _DatabaseRestartingHandler(connection.settings_dict)
    controller = _start(handler)
    _use(settings, controller.port)
    first, second = OutboxEmailFactory(), OutboxEmailFactory()
    ids = [first.pk, second.pk]

    # when: one sending task, then the next one the sweep would start
    try:
        result = emails_send(email_ids=ids)
        again = emails_send(email_ids=ids)
    finally:
        controller.stop()

    # then: the sweep did put both claimed rows back meanwhile, and still each e-mail arrived once and is marked sent
    assert handler.recovered == [2]
    assert result.sent + again.sent == 2  # the second row in the second task, if the sweep made it due later
    first.refresh_from_db()
    second.refresh_from_db()
    assert sorted(message["Message-ID"] for message in handler.messages) == sorted(
        [outbox_message_id(first), outbox_message_id(second)]
    )
    assert (first.status, first.claimed_by, first.attempts) == ("sent", "", 1)
    assert (second.status, second.claimed_by, second.attempts) == ("sent", "", 1)


class _SilentAfterDataHandler(SinkHandler):
    """Takes the whole message, then gives no answer to its end until `answer` is set (at the test's end)."""

    def __init__(self) -> None:
        super().__init__()
        self.answer = threading.Event()

    async def handle_DATA(self, server, session, envelope):
        await asyncio.get_running_loop().run_in_executor(None, self.answer.wait, 30)
        return "451 4.3.0 too late"


@pytest.mark.django_db
def test_no_answer_to_the_end_of_the_message_makes_the_row_unknown_and_it_is_sent_again_with_its_message_id(
    settings, smtp_sink
):
    # given: a server that stays silent after the message (the wait for its answer cut to a second for the test)
    silent = _SilentAfterDataHandler()
    controller = _start(silent)
    _use(settings, controller.port)
    settings.HTG_SMTP_DATA_TIMEOUT = 1
    email, waiting = OutboxEmailFactory(), OutboxEmailFactory()

    # when
    try:
        result = emails_send(email_ids=[email.pk, waiting.pk])
    finally:
        silent.answer.set()
        controller.stop()

    # then: not sent, not failed, not lost: unknown, to be tried again later; the rest of the batch waits too
    email.refresh_from_db()
    waiting.refresh_from_db()
    assert (result.sent, result.retrying) == (0, 2)
    assert (email.status, email.attempts, email.sent_at, email.claimed_by) == ("unknown", 1, None, "")
    assert "No answer to the end of the message" in email.last_error
    assert email.next_attempt_at is not None
    assert (waiting.status, waiting.attempts) == ("queued", 0)

    # when: its time comes, with a server that answers
    _use(settings, smtp_sink.port)
    emails_send(email_ids=[email.pk, waiting.pk], now=email.next_attempt_at)

    # then: sent, with the Message-ID of the first try, so a receiver that took both can drop the copy
    email.refresh_from_db()
    assert (email.status, email.attempts) == ("sent", 2)
    assert outbox_message_id(email) in [message["Message-ID"] for message in smtp_sink.messages]
    assert OutboxEmail.objects.filter(status="sent").count() == 2


class _SlowHandler(SinkHandler):
    async def handle_DATA(self, server, session, envelope):
        await asyncio.sleep(2)
        return await super().handle_DATA(server, session, envelope)


@pytest.mark.django_db
def test_an_answer_to_the_end_of_the_message_later_than_the_command_timeout_is_still_waited_for(settings):
    # given: a server that answers the end of the message after 2 s, with 1 s for every other answer
    handler = _SlowHandler()
    controller = _start(handler)
    _use(settings, controller.port)
    settings.EMAIL_TIMEOUT = 1
    email = OutboxEmailFactory()

    # when
    try:
        result = emails_send(email_ids=[email.pk])
    finally:
        controller.stop()

    # then
    email.refresh_from_db()
    assert result.sent == 1
    assert email.status == "sent"
    assert [message["Message-ID"] for message in handler.messages] == [email.message_id]

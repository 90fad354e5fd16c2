"""Budgets of the outbox (issue 5): how many e-mails one worker sends per second."""

import logging
import smtplib
import socket
import time
from typing import TYPE_CHECKING, Any
from unittest import mock

if TYPE_CHECKING:
    from bench.run import BenchContext, Metric

EMAILS = 2000  # the same at every size: the outbox's rate does not depend on the register's
# Rounds of (floor, value), each with its own 2,000 e-mails; the best rate of each side counts. One round's rates
# vary by a fifth from run to run on a quiet machine (the sink shares the process); the best of three much less.
ROUNDS = 3
DEDUPE_PREFIX = "bench:emails_per_s:"
TEMPLATE_KEY = "connection.invited"
TEMPLATE_LANGUAGE = "nl"
TEMPLATE_CONTEXT = {
    "contact_name": "Jan de Vries",
    "company_name": "Voorbeeld Logistiek B.V.",
    "flow_name": "NCTS",
    "intake_url": "https://migratie-htg.example.org/intake/abc123/",
    "due_date": "15 mei 2020",
}


class CountingSink:
    """An aiosmtpd handler that accepts every message and only counts them."""

    def __init__(self) -> None:
        self.received = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.received += 1
        return "250 Message accepted"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _enqueue(count: int, *, round_number: int = 0) -> list[int]:
    """`count` e-mails written by `email_enqueue`, one transaction each as a state change would; their ids.

    The task each would start on commit is not published (no broker in the bench): the sending is measured here,
    in one process, as one worker would run those tasks."""
    from django.db import transaction

    from notifications import tasks
    from notifications.services import email_enqueue

    ids = []
    with mock.patch.object(tasks.email_send_task, "delay"), mock.patch.object(tasks.email_send_many_task, "delay"):
        for number in range(count):
            with transaction.atomic():
                email = email_enqueue(
                    to_address=f"bench-{number}@example.org",
                    template_key=TEMPLATE_KEY,
                    language=TEMPLATE_LANGUAGE,
                    context={**TEMPLATE_CONTEXT, "contact_name": f"Contact {number}"},
                    dedupe_key=f"{DEDUPE_PREFIX}{round_number}:{number}",
                )
            ids.append(email.pk)
    return ids


def _smtplib_rate(port: int, ids: list[int]) -> float:
    """Messages per second of plain smtplib sending the same messages, rendered beforehand, over one connection."""
    from notifications.models import OutboxEmail
    from notifications.services.sending import _message

    messages = []
    for email in OutboxEmail.objects.filter(id__in=ids).order_by("id"):
        message = _message(email)
        data = message.message().as_bytes(linesep="\r\n")  # type: ignore[call-arg] # Django's MIME classes take it
        messages.append((message.from_email, message.recipients(), data))
    started = time.perf_counter()
    with smtplib.SMTP("127.0.0.1", port) as smtp:
        for from_address, recipients, data in messages:
            smtp.sendmail(from_address, recipients, data)
    return len(messages) / (time.perf_counter() - started)


def _email_send_rate(port: int, ids: list[int]) -> float:
    """Messages per second of `emails_send` for the ids in batches of HTG_EMAIL_BATCH (what the worker's
    `email_send_many_task`s do), over Django's SMTP backend to the sink."""
    from django.conf import settings
    from django.test import override_settings

    from notifications.models import OutboxEmail
    from notifications.services import emails_send

    with override_settings(
        EMAIL_BACKEND="notifications.backends.SmtpEmailBackend",
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=port,
        EMAIL_USE_TLS=False,
        EMAIL_USE_SSL=False,
        EMAIL_HOST_USER="",
        EMAIL_HOST_PASSWORD="",
    ):
        batch = settings.HTG_EMAIL_BATCH
        started = time.perf_counter()
        for start in range(0, len(ids), batch):
            emails_send(email_ids=ids[start : start + batch])
        seconds = time.perf_counter() - started
    sent = OutboxEmail.objects.filter(id__in=ids, status=OutboxEmail.Status.SENT).count()
    if sent != len(ids):
        raise RuntimeError(f"emails_send sent {sent} of {len(ids)} e-mails")
    return len(ids) / seconds


def metric_emails_per_s(context: "BenchContext") -> list["Metric"]:
    """`emails_per_s`: e-mails per second that one worker sends, the best of three rounds (beside the floor's best of
    the same three rounds, measured just before each): 2,000 e-mails a round (at every size) written by
    `email_enqueue` from a step template, then sent as the worker's `email_send_many_task`s send them:
    `emails_send` per batch of HTG_EMAIL_BATCH ids (claims of HTG_EMAIL_CLAIM_BATCH rows committed before the
    SMTP conversation, each message built by Django's `EmailMultiAlternatives` and sent by Django's SMTP backend
    over one kept connection, each row marked sent with one UPDATE after the server's 250) to an aiosmtpd sink
    on 127.0.0.1 that only counts them; the e-mails are deleted afterwards, and the outbox is vacuumed before
    each round (as autovacuum would after such a delete). Floor: plain smtplib sending the same messages,
    rendered beforehand, over one connection to the same sink (messages per second). For a rate the ratio is
    floor / value: how many times the floor's cost per e-mail sending takes. Goal: at least 0.4 of plain
    smtplib's rate per worker (a ratio of at most 2.5), with standard code only (no hand-written MIME or SMTP,
    no driver internals)."""
    from aiosmtpd.controller import Controller

    from bench.run import rate_metric, vacuum
    from notifications.models import OutboxEmail

    sink = CountingSink()
    port = _free_port()
    # A fixed host name: otherwise the sink asks the resolver for its FQDN at every connection (not our cost).
    controller = Controller(sink, hostname="127.0.0.1", port=port, server_hostname="localhost")
    mail_log = logging.getLogger("mail.log")  # aiosmtpd logs every SMTP command at INFO
    level = mail_log.level
    mail_log.setLevel(logging.WARNING)
    controller.start()
    floors, values = [], []
    try:
        for round_number in range(ROUNDS):
            vacuum(context.connection, "notifications_outboxemail")  # the rows earlier metrics and rounds deleted
            ids = _enqueue(EMAILS, round_number=round_number)
            floors.append(_smtplib_rate(port, ids))
            values.append(_email_send_rate(port, ids))
        if sink.received != 2 * EMAILS * ROUNDS:
            raise RuntimeError(f"the sink received {sink.received} messages, not {2 * EMAILS * ROUNDS}")
        floor, value = max(floors), max(values)
        print(
            f"bench: emails_per_s rounds: {[round(rate) for rate in values]} against {[round(rate) for rate in floors]}"
        )
    finally:
        OutboxEmail.objects.filter(dedupe_key__startswith=DEDUPE_PREFIX).delete()
        controller.stop()
        mail_log.setLevel(level)
    return [rate_metric("emails_per_s", context.size, value, "/s", floor)]

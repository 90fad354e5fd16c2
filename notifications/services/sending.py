"""Sending the outbox: claim due rows, hand each message to the mail server, record what happened on its row.

A sender takes rows in three steps: (1) a transaction-level advisory lock named after a fresh claim token, held by
a transaction of its own that stays open on a second database connection while the sender works, so that the
token's owner is alive exactly as long as that transaction (no session state: it works through PgBouncer in
transaction pooling mode); (2) one transaction that takes up to
HTG_EMAIL_CLAIM_BATCH due queued rows (FOR UPDATE SKIP LOCKED) and marks them sending with the token, committed
before any SMTP; (3) per row, Django's SMTP backend sends the message, and once the server has answered 250 the
row is marked sent (one UPDATE). The sweep puts the rows of a token whose lock is free (its sender died) back in
the queue, with the same Message-ID.
"""

import contextlib
import dataclasses
import datetime
import logging
import smtplib
import ssl
import time
from collections.abc import Sequence
from email import encoders
from email.mime.base import MIMEBase
from email.utils import formataddr, parseaddr
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.core.mail.message import SafeMIMEText
from django.db import DatabaseError, connection, transaction
from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext

from htg_migration import clock
from notifications.backends import DeliveryUnknownError, TlsRequiredError, email_connection, email_connection_drop
from notifications.models import OutboxEmail, SuppressedAddress
from notifications.selectors import suppression_for_addresses
from notifications.services.claims import ClaimHolder
from notifications.services.claims import claim_held as _claim_held
from notifications.services.claims import claim_holder_gone as _claim_holder_gone
from notifications.services.claims import claim_token as _claim_token
from notifications.services.outbox import ERROR_MAX_LENGTH, address_suppress, outbox_message_id, suppression_note

SWEEP_GRACE = datetime.timedelta(minutes=1)
SWEEP_BATCH = 5000
DUE_STATUSES = (OutboxEmail.Status.QUEUED, OutboxEmail.Status.UNKNOWN)  # rows a sender takes when they are due
MARK_RETRY_FIRST_WAIT = 0.5  # seconds; doubled after each failed try, up to MARK_RETRY_LONGEST_WAIT
MARK_RETRY_LONGEST_WAIT = 10.0

logger = logging.getLogger(__name__)


def email_sender(language: str) -> str:
    """The From header for an e-mail in this language: the address of DEFAULT_FROM_EMAIL under a display name in the
    addressee's language ("HTG Migratie" or "HTG Migration")."""
    _name, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    with translation.override(language):
        return formataddr((gettext("HTG Migration"), address))


def _message(email: OutboxEmail) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        subject=email.subject,
        body=email.body_text,
        from_email=email_sender(email.language),
        to=[email.to_address],
        headers={"Message-ID": outbox_message_id(email)},
    )
    if email.body_html:
        message.attach_alternative(email.body_html, "text/html")
    for attachment in email.attachments:
        message.attach(_attachment_part(attachment))
    return message


def _attachment_part(attachment: dict[str, str]) -> MIMEBase:
    maintype, _slash, subtype = attachment["mimetype"].partition("/")
    part: MIMEBase
    if maintype == "text":
        part = SafeMIMEText(attachment["content"], subtype, "utf-8")
        method = _calendar_method(attachment["content"]) if subtype == "calendar" else ""
        if method:
            # An invitation or its cancellation: mail clients act on text/calendar by the iTIP method it names.
            part.set_param("method", method)
    else:
        part = MIMEBase(maintype, subtype)
        part.set_payload(attachment["content"].encode("utf-8"))
        encoders.encode_base64(part)
    part.add_header("Content-Disposition", "attachment", filename=attachment["filename"])
    return part


def _calendar_method(content: str) -> str:
    """The iTIP METHOD of a calendar object ("REQUEST", "CANCEL", ...), or "" if it has none."""
    for line in content.splitlines():
        if line.startswith("METHOD:"):
            return line.partition(":")[2].strip().upper()
    return ""


def _describe(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"[:ERROR_MAX_LENGTH]


def _smtp_code(error: smtplib.SMTPException) -> int | None:
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _message in error.recipients.values()]
        # One temporary refusal among permanent ones: try again later rather than give up on the address.
        return min(codes) if codes else None
    if isinstance(error, smtplib.SMTPResponseException):
        return error.smtp_code
    return None


def _backoff(attempts: int) -> datetime.timedelta:
    seconds = settings.HTG_EMAIL_RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0)
    return datetime.timedelta(seconds=min(seconds, settings.HTG_EMAIL_RETRY_MAX_SECONDS))


@dataclasses.dataclass
class SendResult:
    """What one call of `emails_send` did."""

    sent: int = 0
    failed: int = 0
    retrying: int = 0
    suppressed: int = 0


def _claim(
    *, email_ids: Sequence[int], token: str, now: datetime.datetime, limit: int
) -> tuple[list[OutboxEmail], int]:
    """Take up to `limit` due queued rows of these ids and mark them sending, in one committed transaction; rows
    whose address was suppressed since are marked suppressed instead. Returns the claimed rows and how many were
    suppressed."""
    with transaction.atomic():
        candidates = OutboxEmail.objects.select_for_update(skip_locked=True).filter(
            Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now),
            status__in=DUE_STATUSES,
            pk__in=list(email_ids),
        )
        rows = list(candidates.order_by("id")[:limit])
        if not rows:
            return [], 0
        suppressed = suppression_for_addresses(email.to_address for email in rows)
        claimed = [email for email in rows if email.to_address not in suppressed]
        for email in rows:
            if email.to_address in suppressed:
                email.status = OutboxEmail.Status.SUPPRESSED
                email.last_error = suppression_note(suppressed[email.to_address])
                email.save(update_fields=["status", "last_error"])
        if claimed:
            OutboxEmail.objects.filter(pk__in=[email.pk for email in claimed]).update(
                status=OutboxEmail.Status.SENDING, claimed_by=token, claimed_at=now
            )
        for email in claimed:
            email.status, email.claimed_by, email.claimed_at = OutboxEmail.Status.SENDING, token, now
    return claimed, len(rows) - len(claimed)


# One query string, so one round trip and (in autocommit) one transaction: PostgreSQL runs the statements of a
# simple query as a single transaction. SET LOCAL lasts to the end of that transaction only. The row is this
# sender's (sending, its claim), or was put back in the queue meanwhile by the sweep (its claim's lock went with a
# database restart) and nobody has taken it since: the server took the message, so it is sent either way.
SENT_SQL = (
    "SET LOCAL synchronous_commit TO OFF; "
    "UPDATE notifications_outboxemail SET status = 'sent', message_id = %s, sent_at = %s, attempts = attempts + 1, "
    "last_error = '', next_attempt_at = NULL, claimed_by = '', claimed_at = NULL "
    "WHERE id = %s AND (status = 'sending' AND claimed_by = %s OR status IN ('queued', 'unknown') AND claimed_by = '')"
)


def _record_sent(email: OutboxEmail, message_id: str, now: datetime.datetime, claim: ClaimHolder) -> bool:
    """The server answered 250: the row is sent and its claim ends (one UPDATE, in one round trip). Returns whether
    the database connection had to be made afresh for it.

    The commit does not wait for the disk (synchronous_commit off for that transaction only): a worker killed at any
    point loses nothing by it, since a commit PostgreSQL has received stands; only a crash of the database server can
    forget the last few marks, which leaves those rows sending: sent again, never lost.

    A mark that fails (the database restarting or stopped) is tried again on a fresh connection, with doubling waits,
    for up to HTG_EMAIL_MARK_RETRY_SECONDS, and the claim's lock is taken again: the message went out, and a row
    left sending would be sent a second time by the sweep."""
    deadline = time.monotonic() + settings.HTG_EMAIL_MARK_RETRY_SECONDS
    wait = MARK_RETRY_FIRST_WAIT
    reconnected = False
    while True:
        try:
            with connection.cursor() as cursor:
                cursor.execute(SENT_SQL, [message_id, now, email.pk, email.claimed_by])
            if reconnected:
                claim.renew()
            break
        except DatabaseError as error:
            if time.monotonic() + wait > deadline:
                raise
            logger.warning(
                "email_sent_mark_retry", extra={"email_id": email.pk, "wait_seconds": wait, "error": _describe(error)}
            )
            with contextlib.suppress(DatabaseError):
                connection.close()
            time.sleep(wait)
            wait = min(wait * 2, MARK_RETRY_LONGEST_WAIT)
            reconnected = True
    email.status, email.message_id, email.sent_at = OutboxEmail.Status.SENT, message_id, now
    email.attempts += 1
    email.last_error, email.next_attempt_at, email.claimed_by, email.claimed_at = "", None, "", None
    return reconnected


def _release(email: OutboxEmail, fields: dict[str, Any]) -> None:
    """Record an outcome other than sent on a claimed row, and end the claim."""
    OutboxEmail.objects.filter(pk=email.pk, claimed_by=email.claimed_by).update(
        claimed_by="", claimed_at=None, **fields
    )
    for name, value in fields.items():
        setattr(email, name, value)
    email.claimed_by, email.claimed_at = "", None


def _record_temporary(
    email: OutboxEmail, error: BaseException, now: datetime.datetime, *, status: str = OutboxEmail.Status.QUEUED
) -> None:
    """Tried again later, after a doubling wait; after the last allowed attempt the row fails. `status` is queued
    (nothing was taken) or unknown (the message went out but no answer to its end came: it may have arrived, and
    goes again with the same Message-ID)."""
    attempts = email.attempts + 1
    finished = attempts >= settings.HTG_EMAIL_MAX_ATTEMPTS
    _release(
        email,
        {
            "attempts": attempts,
            "last_error": _describe(error),
            "status": OutboxEmail.Status.FAILED if finished else status,
            "next_attempt_at": None if finished else now + _backoff(attempts),
        },
    )


def _record_failed(email: OutboxEmail, error: BaseException, *, suppress: bool) -> None:
    _release(
        email,
        {
            "attempts": email.attempts + 1,
            "status": OutboxEmail.Status.FAILED,
            "last_error": _describe(error),
            "next_attempt_at": None,
        },
    )
    if suppress:
        address_suppress(address=email.to_address, reason=SuppressedAddress.Reason.REFUSED, detail=email.last_error)


def _send_claimed(email: OutboxEmail, now: datetime.datetime, *, check: bool, claim: ClaimHolder) -> str:
    """The SMTP conversation for one claimed row (Django's backend over the kept connection, checked first with
    `check`) and its outcome on the row: 'sent', 'sent_after_reconnect' (the mark needed a fresh database
    connection), 'retrying', 'failed', 'unknown' (no answer to the end of the message) or 'network' (a temporary
    failure of the connection rather than of this message)."""
    message = _message(email)
    message_id = str(message.extra_headers["Message-ID"])
    try:
        try:
            email_connection(check=check).send_messages([message])
        except BaseException:
            email_connection_drop()
            raise
    except (ssl.SSLError, TlsRequiredError) as error:  # includes a certificate that does not verify
        _record_failed(email, error, suppress=False)
        return "failed"
    except DeliveryUnknownError as error:
        _record_temporary(email, error, now, status=OutboxEmail.Status.UNKNOWN)
        return "unknown" if email.status == OutboxEmail.Status.UNKNOWN else "failed"
    except smtplib.SMTPException as error:
        code = _smtp_code(error)
        if code is not None and 500 <= code < 600:
            refused = isinstance(error, smtplib.SMTPRecipientsRefused | smtplib.SMTPDataError)
            _record_failed(email, error, suppress=refused)
            return "failed"
        _record_temporary(email, error, now)
        return "retrying" if email.status == OutboxEmail.Status.QUEUED else "failed"
    except OSError as error:  # refused, reset, timed out, no route: the network, not the message
        _record_temporary(email, error, now)
        return "network"
    return "sent_after_reconnect" if _record_sent(email, message_id, now, claim) else "sent"


def _requeue_rest(rest: list[OutboxEmail], *, token: str, next_attempt_at: datetime.datetime | None) -> None:
    """Put the rest of a batch back in the queue, unsent and without an attempt (rows still this sender's only)."""
    OutboxEmail.objects.filter(pk__in=[other.pk for other in rest], claimed_by=token).update(
        status=OutboxEmail.Status.QUEUED, claimed_by="", claimed_at=None, next_attempt_at=next_attempt_at
    )


def _send_batch(claimed: list[OutboxEmail], *, claim: ClaimHolder, now: datetime.datetime, result: SendResult) -> None:
    """Send the claimed rows one after the other in the order of their ids (the kept connection checked before the
    first: the batch before may have been a while ago)."""
    for position, email in enumerate(claimed):
        outcome = _send_claimed(email, now, check=position == 0, claim=claim)
        rest = claimed[position + 1 :]
        if outcome in ("sent", "sent_after_reconnect"):
            result.sent += 1
            if outcome == "sent_after_reconnect" and rest:
                # The database restarted under the batch: its other rows may have been put back in the queue by the
                # sweep meanwhile. Give them back and claim afresh rather than send one that is no longer ours.
                _requeue_rest(rest, token=claim.token, next_attempt_at=None)
                break
            continue
        if outcome == "failed":
            result.failed += 1
        else:
            result.retrying += 1
        if outcome in ("network", "unknown"):
            # The server is unreachable or slow: the rest of the batch waits as long as this one, without an attempt.
            _requeue_rest(rest, token=claim.token, next_attempt_at=email.next_attempt_at or now + _backoff(1))
            result.retrying += len(rest)
            break


def emails_send(*, email_ids: Sequence[int], now: datetime.datetime | None = None) -> SendResult:
    """Send the due queued e-mails among these ids, in claimed batches of HTG_EMAIL_CLAIM_BATCH over the worker's
    kept SMTP connection, and record each outcome on its row.

    Safe to run twice and at the same time: a row is claimed (status sending, committed) before its SMTP
    conversation, so no other sender takes it; a row no longer queued, or not yet due, is left alone. Temporary
    failures (network, SMTP 4xx) are scheduled again with doubling waits; a permanent refusal (SMTP 5xx) fails the
    row and suppresses the address; a TLS or certificate failure fails the row closed with the reason, never falling
    back to sending in the clear. A sender that dies mid-way leaves its rows sending; the sweep requeues them (the
    one row whose 250 it may have read without recording it is then sent a second time, with the same Message-ID)."""
    now = now or clock.now()
    result = SendResult()
    token = _claim_token()
    with _claim_held(token) as claim:
        while True:
            claimed, suppressed = _claim(
                email_ids=email_ids, token=token, now=now, limit=settings.HTG_EMAIL_CLAIM_BATCH
            )
            result.suppressed += suppressed
            if not claimed and not suppressed:
                break
            _send_batch(claimed, claim=claim, now=now, result=result)
    return result


def email_send(*, email_id: int, now: datetime.datetime | None = None) -> OutboxEmail | None:
    """Send one queued e-mail that is due (`emails_send` for one id) and return its row as it then is. A row that
    another sender holds, or that is no longer queued or not yet due, is left alone."""
    emails_send(email_ids=[email_id], now=now)
    return OutboxEmail.objects.filter(pk=email_id).first()


def emails_sweep(*, now: datetime.datetime, limit: int = SWEEP_BATCH) -> list[int]:
    """Queued e-mails that are due and may have lost their task: a retry whose time has come, or a first send
    still queued a minute after it was written."""
    due = Q(next_attempt_at__lte=now) | Q(next_attempt_at__isnull=True, queued_at__lt=now - SWEEP_GRACE)
    return list(
        OutboxEmail.objects.filter(due, status__in=DUE_STATUSES)
        .order_by("queued_at", "id")
        .values_list("id", flat=True)[:limit]
    )


# The claim's parts for other outboxes that claim rows the same way (webhooks.services.sending): a token, its holder,
# and whether its sender is gone. Tokens are unique, so they share CLAIM_LOCK_NAMESPACE.


@dataclasses.dataclass
class RecoverResult:
    """What `email_claims_recover` found: rows of senders that are gone, put back in the queue."""

    requeued: int = 0


def email_claims_recover(*, now: datetime.datetime) -> RecoverResult:
    """The claims of senders that are gone (a worker killed mid-batch): their rows still sending go back to the
    queue, due now, and are sent again with the Message-ID of the first try."""
    result = RecoverResult()
    tokens = OutboxEmail.objects.exclude(claimed_by="").values_list("claimed_by", flat=True).distinct().order_by()
    for token in list(tokens):
        with transaction.atomic():
            if not _claim_holder_gone(token):
                continue
            mine = OutboxEmail.objects.filter(claimed_by=token)
            result.requeued += mine.filter(status=OutboxEmail.Status.SENDING).update(
                status=OutboxEmail.Status.QUEUED, claimed_by="", claimed_at=None, next_attempt_at=now
            )
            mine.update(claimed_by="", claimed_at=None)  # a row bounced or sent meanwhile keeps its status
    return result

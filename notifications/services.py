"""Writing e-mails: enqueue a rendered row in the caller's transaction, send it once, record what happened.

Context values are plain JSON-like data (strings, numbers, booleans, lists, dicts): the caller formats dates and
times in the contact's language before handing them over, exactly like the templates' example data.
"""

import contextlib
import dataclasses
import datetime
import functools
import hashlib
import io
import json
import logging
import operator
import os
import re
import smtplib
import socket
import ssl
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from email import encoders
from email.mime.base import MIMEBase
from email.utils import parseaddr
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.core.mail.message import SafeMIMEText
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models import CharField, DateTimeField, F, JSONField, Min, Q, TextField
from django.db.transaction import TransactionManagementError
from django.utils.translation import gettext as _

from htg_migration import clock
from htg_migration.errors import ApplicationError
from notifications import libpq
from notifications.backends import HandedOverError, TlsRequiredError, email_send_message
from notifications.models import SUBJECT_MAX_LENGTH, EmailLanguage, EmailTemplate, OutboxEmail, SuppressedAddress
from notifications.rendering import TemplatePart
from notifications.selectors import address_normalise, suppression_for_addresses

logger = logging.getLogger(__name__)

ERROR_MAX_LENGTH = 2000
SWEEP_GRACE = datetime.timedelta(minutes=1)
SWEEP_BATCH = 5000
ATTACHMENT_KEYS = frozenset({"filename", "content", "mimetype"})


class TemporaryEmailError(Exception):
    """Sending failed in a way that can succeed later (network, SMTP 4xx)."""


def email_template_render(*, template: EmailTemplate, context: dict[str, Any]) -> tuple[str, str, str]:
    """Subject, text and HTML of a template with a context. HTML is autoescaped; subject and text are not."""
    return _Renderer([template]).render(template, context)


def _attachments_checked(attachments: list[dict[str, str]] | None) -> list[dict[str, str]]:
    # Stored as JSON and sent later by another process: anything else is a caller's bug, found now rather than then.
    checked = []
    for attachment in attachments or []:
        if set(attachment) != ATTACHMENT_KEYS or not all(isinstance(value, str) for value in attachment.values()):
            raise ValueError(f"An attachment is {{'filename', 'content', 'mimetype'}} as text, not {attachment!r}.")
        if "/" not in attachment["mimetype"]:
            raise ValueError(f"Not a MIME type: {attachment['mimetype']!r}.")
        checked.append(dict(attachment))
    return checked


@dataclasses.dataclass(frozen=True)
class EmailDraft:
    """One e-mail for `email_enqueue_many`: the same arguments as `email_enqueue` takes."""

    to_address: str
    template_key: str
    language: str
    context: dict[str, Any]
    dedupe_key: str
    attachments: list[dict[str, str]] | None = None


class _Renderer:
    """Templates looked up and compiled once per enqueue call, however many e-mails use them; each part renders the
    static text of a context's shape once (see notifications.rendering)."""

    def __init__(self, templates: Iterable[EmailTemplate]) -> None:
        self.templates = {(template.key, template.language): template for template in templates}
        self.compiled: dict[tuple[str, str], tuple[TemplatePart, TemplatePart, TemplatePart | None]] = {}

    def template(self, *, key: str, language: str) -> EmailTemplate:
        fallback = EmailLanguage.ENGLISH if language == EmailLanguage.DUTCH else EmailLanguage.DUTCH
        template = self.templates.get((key, language)) or self.templates.get((key, fallback))
        if template is None:
            raise ApplicationError(_("There is no e-mail template %(key)s.") % {"key": key}, {"template_key": key})
        return template

    def render(self, template: EmailTemplate, context: dict[str, Any]) -> tuple[str, str, str]:
        parts = self.compiled.get((template.key, template.language))
        if parts is None:
            parts = (
                TemplatePart(template.subject, autoescape=False),
                TemplatePart(template.body_text, autoescape=False),
                TemplatePart(template.body_html, autoescape=True) if template.body_html.strip() else None,
            )
            self.compiled[(template.key, template.language)] = parts
        subject, text, html = parts
        return (
            " ".join(subject.render(context).split()),
            text.render(context),
            html.render(context) if html is not None else "",
        )


def _renderer(template_keys: Iterable[str]) -> _Renderer:
    return _Renderer(EmailTemplate.objects.filter(key__in=set(template_keys)))


def _suppression_note(suppressed: SuppressedAddress) -> str:
    return f"{suppressed.get_reason_display()}: {suppressed.detail}"[:ERROR_MAX_LENGTH]


def _outbox_values(
    draft: EmailDraft,
    *,
    renderer: _Renderer,
    suppressed: dict[str, SuppressedAddress],
    attachments: list[dict[str, str]],
    now: datetime.datetime,
) -> dict[str, Any]:
    """The decided fields of the row for one e-mail (by attribute name), rendered, in the status the suppression
    list gives it; the other fields take their defaults."""
    address = address_normalise(draft.to_address)
    template = renderer.template(key=draft.template_key, language=draft.language)
    subject, body_text, body_html = renderer.render(template, draft.context)
    subject = subject[:SUBJECT_MAX_LENGTH]  # an edited template may say more than the column holds
    suppression = suppressed.get(address)
    return {
        "dedupe_key": draft.dedupe_key,
        "template_key": draft.template_key,
        "language": template.language,
        "to_address": address,
        "subject": subject,
        "body_text": body_text,
        "body_html": body_html,
        "attachments": attachments,
        "status": OutboxEmail.Status.SUPPRESSED.value if suppression else OutboxEmail.Status.QUEUED.value,
        "last_error": _suppression_note(suppression) if suppression else "",
        "queued_at": now,
    }


def _require_transaction(name: str) -> None:
    if not transaction.get_connection().in_atomic_block:
        # Outside a transaction the row would not be tied to the change that causes it: a caller's bug.
        raise TransactionManagementError(f"{name} must run inside the transaction of the change it reports.")


def _send_on_commit(email_ids: list[int]) -> None:
    """Queue the sending of these new rows once the caller's transaction commits: one task for a single e-mail,
    batches of HTG_EMAIL_BATCH for many."""
    if not email_ids:
        return
    from notifications.tasks import email_send_many_task, email_send_task

    if len(email_ids) == 1:
        email_id = email_ids[0]
        transaction.on_commit(lambda: email_send_task.delay(email_id))
        return
    for chunk in email_id_batches(email_ids):
        transaction.on_commit(functools.partial(email_send_many_task.delay, chunk))


def email_id_batches(email_ids: Sequence[int]) -> Iterator[list[int]]:
    """The ids in batches of HTG_EMAIL_BATCH: one sending task each."""
    size = settings.HTG_EMAIL_BATCH
    for start in range(0, len(email_ids), size):
        yield list(email_ids[start : start + size])


def email_enqueue(
    *,
    to_address: str,
    template_key: str,
    language: str,
    context: dict[str, Any],
    dedupe_key: str,
    attachments: list[dict[str, str]] | None = None,
) -> OutboxEmail:
    """Write the e-mail as a row in the caller's transaction and send it once that commits.

    The dedupe key says what the e-mail is about (for example connection, step and attempt): a second call with the
    same key returns the row already there and writes nothing. An address on the suppression list gets a row with
    status suppressed, never sent. The template is rendered now, so a later edit does not change what was decided;
    so are the attachments (a list of {"filename", "content" (text), "mimetype"}), stored on the row.
    """
    _require_transaction("email_enqueue")
    checked_attachments = _attachments_checked(attachments)
    existing = OutboxEmail.objects.filter(dedupe_key=dedupe_key).first()
    if existing is not None:
        return existing
    draft = EmailDraft(to_address, template_key, language, context, dedupe_key)
    email = OutboxEmail(
        **_outbox_values(
            draft,
            renderer=_renderer([template_key]),
            suppressed=suppression_for_addresses([to_address]),
            attachments=checked_attachments,
            now=clock.now(),
        )
    )
    try:
        with transaction.atomic():
            email.save()
    except IntegrityError:
        # The same e-mail was enqueued at the same moment by someone else: theirs stands.
        return OutboxEmail.objects.get(dedupe_key=dedupe_key)
    if email.status == OutboxEmail.Status.QUEUED:
        _send_on_commit([email.pk])
    return email


@dataclasses.dataclass(frozen=True, slots=True)
class EnqueuedEmail:
    """A row `email_enqueue_many` wrote: its id and what was decided (a model instance per row would cost more than
    writing it)."""

    id: int
    dedupe_key: str
    to_address: str
    status: str
    subject: str
    body_text: str


# The session's staging table for `_outbox_insert`: created once per database session, emptied at every commit.
OUTBOX_STAGING = "htg_outbox_staging"


def _csv_text(value: str) -> str:
    return '"' + value.replace('"', '""') + '"'


def _csv_nullable(convert: Callable[[Any], str]) -> Callable[[Any], str]:
    return lambda value: "" if value is None else convert(value)


@functools.cache
def _csv_converters() -> dict[str, Callable[[Any], str]]:
    """Per outbox field (by attribute name), how a value of it is written in PostgreSQL's COPY CSV format: text
    always quoted (so that an empty string is not NULL), NULL unquoted and empty, a timestamp in ISO 8601 with its
    offset, JSON as its quoted text, a number as it is."""
    converters: dict[str, Callable[[Any], str]] = {}
    for field in OutboxEmail._meta.concrete_fields:
        convert: Callable[[Any], str]
        if isinstance(field, JSONField):
            convert = lambda value: _csv_text(json.dumps(value))  # noqa: E731
        elif isinstance(field, DateTimeField):
            convert = datetime.datetime.isoformat
        elif isinstance(field, CharField | TextField):
            convert = _csv_text
        else:
            convert = str
        converters[field.attname] = _csv_nullable(convert) if field.null else convert
    return converters


def _outbox_insert(rows: list[dict[str, Any]]) -> dict[str, int]:
    """Write the rows (each with the same fields, by attribute name; every other field takes its default); the ids
    of those written, by dedupe key (a key someone else wrote meanwhile is not among them: ON CONFLICT (dedupe_key)
    DO NOTHING).

    On PostgreSQL the rows are streamed with COPY into the session's temporary staging table and moved from there
    by one INSERT ... SELECT ... ON CONFLICT DO NOTHING RETURNING, which also empties the staging table. That is
    about half the time of one INSERT with a parameter per value (or an array per column): COPY parses plain text,
    with no SQL literal per value, and the values here are already what the columns hold (the model has no
    auto_now field; every other field has a Python default)."""
    given = list(rows[0])
    if connection.vendor != "postgresql":  # SQLite (development): one writer at a time
        keys = [row["dedupe_key"] for row in rows]
        there = set(OutboxEmail.objects.filter(dedupe_key__in=keys).values_list("dedupe_key", flat=True))
        OutboxEmail.objects.bulk_create([OutboxEmail(**row) for row in rows if row["dedupe_key"] not in there])
        new_keys = [key for key in keys if key not in there]
        return dict(OutboxEmail.objects.filter(dedupe_key__in=new_keys).values_list("dedupe_key", "id"))
    fields = {field.attname: field for field in OutboxEmail._meta.concrete_fields if not field.primary_key}
    defaulted = [field for name, field in fields.items() if name not in given]
    quote = connection.ops.quote_name
    staged = ", ".join(quote(fields[name].column or name) for name in given)
    columns = ", ".join([staged, *(quote(field.column or field.attname) for field in defaulted)])
    defaults = ", ".join(f"%s::{field.db_type(connection)}" for field in defaulted)
    table = quote(OutboxEmail._meta.db_table)
    converters = [_csv_converters()[name] for name in given]
    values = operator.itemgetter(*given)
    data = io.StringIO(
        "".join(
            ",".join([convert(value) for convert, value in zip(converters, values(row), strict=True)]) + "\n"
            for row in rows
        )
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMP TABLE IF NOT EXISTS {OUTBOX_STAGING} ON COMMIT DELETE ROWS "  # noqa: S608 - model names
            f"AS SELECT {columns} FROM {table} WITH NO DATA; "
            # Rows an earlier call in this transaction staged but never moved (interrupted between COPY and INSERT).
            f"DELETE FROM {OUTBOX_STAGING}"
        )
        cursor.copy_expert(f"COPY {OUTBOX_STAGING} ({staged}) FROM STDIN WITH (FORMAT csv)", data)
        cursor.execute(
            f"WITH staged AS (DELETE FROM {OUTBOX_STAGING} RETURNING {staged}) "  # noqa: S608 - model names
            f"INSERT INTO {table} ({columns}) SELECT {staged}, {defaults} FROM staged "
            f"ON CONFLICT (dedupe_key) DO NOTHING RETURNING dedupe_key, id",
            [
                json.dumps(field.get_default()) if isinstance(field, JSONField) else field.get_default()
                for field in defaulted
            ],
        )
        return dict(cursor.fetchall())


def email_enqueue_many(*, emails: Sequence[EmailDraft]) -> list[EnqueuedEmail]:
    """`email_enqueue` for many e-mails at once, with the same rules, in a fixed number of queries: rows whose
    dedupe key is already in the outbox (or earlier in the list) are left out, the rest written by `_outbox_insert`
    (COPY, then one INSERT ... ON CONFLICT (dedupe_key) DO NOTHING RETURNING their ids), and their sending queued on
    commit in batches. Returns
    the rows written (with ids), in the order given. Every e-mail is checked (attachments, template) before anything
    is written.

    A row someone else writes with the same key between the first query and the INSERT is skipped by the INSERT and
    not returned here: its writer queues its sending."""
    _require_transaction("email_enqueue_many")
    if not emails:
        return []
    unique: dict[str, EmailDraft] = {}
    for draft in emails:
        unique.setdefault(draft.dedupe_key, draft)
    checked = {key: _attachments_checked(draft.attachments) for key, draft in unique.items()}
    existing = set(OutboxEmail.objects.filter(dedupe_key__any=list(unique)).values_list("dedupe_key", flat=True))
    drafts = [draft for key, draft in unique.items() if key not in existing]
    if not drafts:
        return []
    renderer = _renderer(draft.template_key for draft in drafts)
    suppressed = suppression_for_addresses(draft.to_address for draft in drafts)
    now = clock.now()
    rows = [
        _outbox_values(draft, renderer=renderer, suppressed=suppressed, attachments=checked[draft.dedupe_key], now=now)
        for draft in drafts
    ]
    ids = _outbox_insert(rows)
    written = [
        EnqueuedEmail(
            id=ids[row["dedupe_key"]],
            dedupe_key=row["dedupe_key"],
            to_address=row["to_address"],
            status=row["status"],
            subject=row["subject"],
            body_text=row["body_text"],
        )
        for row in rows
        if row["dedupe_key"] in ids
    ]
    _send_on_commit([email.id for email in written if email.status == OutboxEmail.Status.QUEUED])
    return written


def address_suppress(*, address: str, reason: str, detail: str) -> SuppressedAddress:
    """Stop sending to an address. An address already suppressed keeps its first reason."""
    suppressed, _created = SuppressedAddress.objects.get_or_create(
        address=address_normalise(address), defaults={"reason": reason, "detail": detail[:ERROR_MAX_LENGTH]}
    )
    return suppressed


@transaction.atomic
def email_bounce_record(*, address: str, detail: str) -> SuppressedAddress:
    """A hard bounce came back for this address: nothing more goes to it."""
    return address_suppress(address=address, reason=SuppressedAddress.Reason.HARD_BOUNCE, detail=detail)


@functools.lru_cache(maxsize=8)
def _message_id_domain(from_email: str) -> str:
    return parseaddr(from_email)[1].rpartition("@")[2] or "localhost"


def outbox_message_id(email: OutboxEmail) -> str:
    """The Message-ID of the row: stored once sent, and until then the same on every attempt (derived from the row),
    so that a message sent again after a sender died mid-way carries the Message-ID of the first try."""
    if email.message_id:
        return email.message_id
    domain = _message_id_domain(settings.DEFAULT_FROM_EMAIL)
    stamp = email.queued_at.isoformat() if email.queued_at else ""
    digest = hashlib.sha256(f"{email.pk}:{email.dedupe_key}:{stamp}".encode()).hexdigest()[:20]
    return f"<htg.{email.pk}.{digest}@{domain}>"


OUTBOX_MESSAGE_ID = re.compile(r"^<htg\.(\d+)\.[0-9a-f]+@[^<>\s]+>$", re.IGNORECASE)


def outbox_email_id(message_id: str) -> int | None:
    """The outbox row id a Message-ID made by `outbox_message_id` names, or None for any other Message-ID (the
    caller still compares the whole Message-ID with the row's)."""
    found = OUTBOX_MESSAGE_ID.match(message_id)
    return int(found.group(1)) if found else None


def _message(email: OutboxEmail) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        subject=email.subject,
        body=email.body_text,
        from_email=settings.DEFAULT_FROM_EMAIL,
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
        if subtype == "calendar" and attachment["filename"].lower().endswith(".ics"):
            # An invitation: mail clients offer "add to calendar" for text/calendar with the iTIP method.
            part.set_param("method", "REQUEST")
    else:
        part = MIMEBase(maintype, subtype)
        part.set_payload(attachment["content"].encode("utf-8"))
        encoders.encode_base64(part)
    part.add_header("Content-Disposition", "attachment", filename=attachment["filename"])
    return part


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


# --- the claim ---------------------------------------------------------------------------------------------------
#
# A sender takes rows in three steps: (1) a session advisory lock named after a fresh claim token (PostgreSQL), so
# that the token's owner is alive exactly as long as its database session; (2) one transaction that takes up to
# HTG_EMAIL_CLAIM_BATCH due queued rows (FOR UPDATE SKIP LOCKED) and marks them sending with the token, committed
# before any SMTP; (3) per row, the SMTP conversation, and the row marked sent the moment the message's final "."
# has been written to the server, before its answer is read (see _SentMarker). The sweep puts the rows of a token
# whose lock is free (its sender died) back in the queue, with the same Message-ID.

CLAIM_LOCK_NAMESPACE = 7_340_102  # the first key of the outbox's advisory locks


@dataclasses.dataclass
class SendResult:
    """What one call of `emails_send` did."""

    sent: int = 0
    failed: int = 0
    retrying: int = 0
    suppressed: int = 0


def _claim_token() -> str:
    return f"{socket.gethostname()[:30]}:{os.getpid()}:{uuid.uuid4().hex[:16]}"


def _uses_advisory_locks() -> bool:
    return connection.vendor == "postgresql"


@contextlib.contextmanager
def _asynchronous_commit() -> Iterator[None]:
    """The sender's own writes (claims, marks, outcomes) commit without waiting for the disk (PostgreSQL's
    synchronous_commit off, for this session while it sends). A worker killed at any point loses nothing by it: a
    commit PostgreSQL has received stands. Only a crash of the database server can forget the last few hundred
    milliseconds of them, which puts those rows back a step (sending, or queued): sent again, never lost."""
    if not _uses_advisory_locks() or connection.in_atomic_block:
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit TO OFF")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET synchronous_commit")


# The sender's database session is probed after 30 idle seconds, every 10 seconds, and given up after 3 misses.
SENDER_KEEPALIVE = (30, 10, 3)


@contextlib.contextmanager
def _claim_held(token: str) -> Iterator[None]:
    """Hold the token's advisory lock (PostgreSQL) for as long as the sender works on its rows.

    The lock ends with the sender's database session. A killed worker's session ends at once (its host closes the
    connection), but a worker whose host vanishes (power, network) closes nothing: PostgreSQL would keep the session,
    and the lock, until its TCP keepalive gave up, two hours by the operating system's defaults. So the sender asks
    PostgreSQL to probe its connection after SENDER_KEEPALIVE idle seconds (`tcp_keepalives_*`, settable per
    session; ignored on a Unix socket): a vanished sender's claims are then recovered within about a minute."""
    if not _uses_advisory_locks():
        yield
        return
    idle, interval, count = SENDER_KEEPALIVE
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT set_config('tcp_keepalives_idle', %s, false), set_config('tcp_keepalives_interval', %s, false), "
            "set_config('tcp_keepalives_count', %s, false), pg_advisory_lock(%s, hashtext(%s))",
            [str(idle), str(interval), str(count), CLAIM_LOCK_NAMESPACE, token],
        )
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s, hashtext(%s))", [CLAIM_LOCK_NAMESPACE, token])


def _claim_holder_gone(token: str, claimed_at: datetime.datetime | None, now: datetime.datetime) -> bool:
    """Whether the sender that claimed rows with this token is gone: on PostgreSQL its advisory lock is free (its
    database session ended with it); elsewhere, the claim is older than HTG_EMAIL_CLAIM_TIMEOUT_SECONDS."""
    if not _uses_advisory_locks():
        timeout = datetime.timedelta(seconds=settings.HTG_EMAIL_CLAIM_TIMEOUT_SECONDS)
        return claimed_at is None or claimed_at < now - timeout
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s, hashtext(%s))", [CLAIM_LOCK_NAMESPACE, token])
        free = bool(cursor.fetchone()[0])
        if free:
            cursor.execute("SELECT pg_advisory_unlock(%s, hashtext(%s))", [CLAIM_LOCK_NAMESPACE, token])
    return free


def _claim(
    *, email_ids: Sequence[int], token: str, now: datetime.datetime, limit: int
) -> tuple[list[OutboxEmail], int]:
    """Take up to `limit` due queued rows of these ids and mark them sending, in one committed
    transaction; rows whose address was suppressed since are marked suppressed instead. Returns the claimed rows
    and how many were suppressed."""
    with transaction.atomic():
        candidates = OutboxEmail.objects.select_for_update(skip_locked=True).filter(
            Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now),
            status=OutboxEmail.Status.QUEUED,
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
                email.last_error = _suppression_note(suppressed[email.to_address])
                email.save(update_fields=["status", "last_error"])
        if claimed:
            OutboxEmail.objects.filter(pk__in=[email.pk for email in claimed]).update(
                status=OutboxEmail.Status.SENDING, claimed_by=token, claimed_at=now
            )
        for email in claimed:
            email.status, email.claimed_by, email.claimed_at = OutboxEmail.Status.SENDING, token, now
    return claimed, len(rows) - len(claimed)


# One statement, its own (asynchronously committed) transaction.
SENT_SQL = (
    "UPDATE notifications_outboxemail SET status = 'sent', message_id = %s, sent_at = %s, attempts = attempts + 1, "
    "last_error = '', next_attempt_at = NULL WHERE id = %s AND status = 'sending' AND claimed_by = %s"
)


class _SentMarker:
    """What runs the moment the message's final "." is written to the SMTP server, before its answer is read: the
    row becomes sent. `finish` runs after the answer (or the failure), before the session is used for anything else.

    On PostgreSQL outside a transaction this is one query string written to the database socket, so that the
    time between handing the message over and recording it as sent is a few microseconds: a sender killed in
    between is the one case where the message is sent again (with the same Message-ID). Its result is read by
    `finish`, after the server's answer (notifications.libpq): PostgreSQL records the row while the mail server
    answers. The commit is asynchronous (the sender's session runs with synchronous_commit off, see
    _asynchronous_commit): the row is committed the moment PostgreSQL has the string, whatever happens to the
    sender; only a crash of the database server itself could forget the last marks, and those rows are then sent
    again, never lost.

    The claim stays on the sent rows until the batch ends (one UPDATE for the batch, `_confirm`). The rows of a
    batch are sent one after the other in the order of their ids, each answer read before the next row is handed
    over: so of a dead sender's sent rows that still hold its claim, only the last could have an unread answer
    (email_claims_recover)."""

    def __init__(self, email: OutboxEmail, message_id: str, now: datetime.datetime) -> None:
        self.email, self.message_id, self.now = email, message_id, now
        # libpq's own connection, where the mark can be sent without waiting (PostgreSQL, autocommit, outside a
        # transaction); else None, and the mark is an ORM update.
        self.raw = None
        if connection.vendor == "postgresql" and not connection.in_atomic_block and connection.get_autocommit():
            self.raw = connection.connection if libpq.available(connection.connection) else None
        self.pending = False

    def __call__(self) -> None:
        token = self.email.claimed_by
        if self.raw is None:
            OutboxEmail.objects.filter(pk=self.email.pk, status=OutboxEmail.Status.SENDING, claimed_by=token).update(
                status=OutboxEmail.Status.SENT,
                message_id=self.message_id,
                sent_at=self.now,
                attempts=F("attempts") + 1,
                last_error="",
                next_attempt_at=None,
            )
            return
        with self.raw.cursor() as cursor:
            sql = cursor.mogrify(SENT_SQL, [self.message_id, self.now, self.email.pk, token])
        libpq.query_send(self.raw, sql)
        self.pending = True

    def finish(self) -> None:
        """Read the mark's result. A failure is raised as DatabaseError, and the session is flagged so that Django
        checks it before using it again (it may be broken)."""
        if self.pending:
            self.pending = False
            try:
                libpq.query_finish(self.raw)
            except DatabaseError:
                connection.errors_occurred = True
                raise


def _release(email: OutboxEmail, fields: dict[str, Any]) -> None:
    """Record an outcome other than sent on a claimed row (also one already marked sent at the hand-over whose
    answer then was a refusal), and end the claim."""
    OutboxEmail.objects.filter(pk=email.pk, claimed_by=email.claimed_by).update(
        claimed_by="", claimed_at=None, **fields
    )
    for name, value in fields.items():
        setattr(email, name, value)
    email.claimed_by, email.claimed_at = "", None


def _record_temporary(email: OutboxEmail, error: BaseException, now: datetime.datetime) -> None:
    attempts = email.attempts + 1
    finished = attempts >= settings.HTG_EMAIL_MAX_ATTEMPTS
    _release(
        email,
        {
            "attempts": attempts,
            "last_error": _describe(error),
            "status": OutboxEmail.Status.FAILED if finished else OutboxEmail.Status.QUEUED,
            "next_attempt_at": None if finished else now + _backoff(attempts),
            "sent_at": None,  # a refusal after the hand-over undoes the mark
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
            "sent_at": None,  # a refusal after the hand-over undoes the mark
        },
    )
    if suppress:
        address_suppress(address=email.to_address, reason=SuppressedAddress.Reason.REFUSED, detail=email.last_error)


def _record_sent_after_all(email: OutboxEmail, error: BaseException) -> None:
    """The message was handed over (and marked sent), but reading the server's answer failed: most likely accepted;
    sending it again would risk a second copy. Kept as sent, with the reason."""
    note = _(
        "The connection broke after the e-mail was handed to the mail server and before its answer was read; "
        "it was most likely accepted."
    )
    _release(email, {"last_error": f"{note} {_describe(error)}"[:ERROR_MAX_LENGTH]})


def _send_claimed(email: OutboxEmail, now: datetime.datetime) -> str:
    """The SMTP conversation for one claimed row and its outcome on the row: 'sent', 'retrying', 'failed', or
    'network' (a temporary failure of the connection rather than of this message)."""
    message = _message(email)
    message_id = str(message.extra_headers["Message-ID"])
    marker = _SentMarker(email, message_id, now)
    try:
        try:
            email_send_message(message, on_handed_over=marker)
        except BaseException:
            # The SMTP failure decides what is recorded; a failed mark only leaves the row sending (see the log).
            try:
                marker.finish()
            except DatabaseError:
                logger.exception("Outbox e-mail %s: recording the hand-over failed", email.pk)
            raise
        marker.finish()
    except HandedOverError as handed_over:
        _record_sent_after_all(email, handed_over.__cause__ or handed_over)
        return "answer unread"
    except (ssl.SSLError, TlsRequiredError) as error:  # includes a certificate that does not verify
        _record_failed(email, error, suppress=False)
        return "failed"
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
    email.status, email.message_id, email.sent_at = OutboxEmail.Status.SENT, message_id, now
    email.attempts += 1
    email.last_error, email.next_attempt_at = "", None
    return "sent"


def _confirm(email_ids: list[int], token: str) -> None:
    """The server's answer to these sent rows was read: end their claims (also on a row a bounce has marked bounced
    since)."""
    if email_ids:
        OutboxEmail.objects.filter(pk__in=email_ids, claimed_by=token).update(claimed_by="", claimed_at=None)


def _send_batch(claimed: list[OutboxEmail], *, token: str, now: datetime.datetime, result: SendResult) -> None:
    """Send the claimed rows one after the other in the order of their ids (see _SentMarker), then end the claims of
    those sent."""
    answered: list[int] = []  # sent, answer read, claim not yet ended: ended once the batch is done
    try:
        for position, email in enumerate(claimed):
            outcome = _send_claimed(email, now)
            if outcome in ("sent", "answer unread"):
                if outcome == "sent":
                    answered.append(email.pk)
                result.sent += 1
                continue
            if outcome == "failed":
                result.failed += 1
            else:
                result.retrying += 1
            if outcome == "network":
                # The server is unreachable: the rest of the batch waits as long as this one, without an attempt.
                rest = claimed[position + 1 :]
                OutboxEmail.objects.filter(pk__in=[other.pk for other in rest], claimed_by=token).update(
                    status=OutboxEmail.Status.QUEUED, claimed_by="", claimed_at=None,
                    next_attempt_at=email.next_attempt_at or now + _backoff(1),
                )  # fmt: skip
                result.retrying += len(rest)
                break
    finally:
        _confirm(answered, token)


def emails_send(*, email_ids: Sequence[int], now: datetime.datetime | None = None) -> SendResult:
    """Send the due queued e-mails among these ids, in claimed batches of
    HTG_EMAIL_CLAIM_BATCH over the worker's kept SMTP connection, and record each outcome on its row.

    Safe to run twice and at the same time: a row is claimed (status sending, committed) before its SMTP
    conversation, so no other sender takes it; a row no longer queued, or not yet due, is left alone. Temporary
    failures (network, SMTP 4xx) are scheduled again with doubling waits; a permanent refusal (SMTP 5xx) fails the
    row and suppresses the address; a TLS or certificate failure fails the row closed with the reason, never falling
    back to sending in the clear. A sender that dies mid-way leaves its rows sending; the sweep requeues them."""
    now = now or clock.now()
    result = SendResult()
    token = _claim_token()
    with _claim_held(token), _asynchronous_commit():
        while True:
            claimed, suppressed = _claim(
                email_ids=email_ids, token=token, now=now, limit=settings.HTG_EMAIL_CLAIM_BATCH
            )
            result.suppressed += suppressed
            if not claimed and not suppressed:
                break
            _send_batch(claimed, token=token, now=now, result=result)
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
        OutboxEmail.objects.filter(due, status=OutboxEmail.Status.QUEUED)
        .order_by("queued_at", "id")
        .values_list("id", flat=True)[:limit]
    )


@dataclasses.dataclass
class RecoverResult:
    """What `email_claims_recover` found: rows sent again, and rows handed over whose answer was perhaps never read
    (at most one per sender that is gone: its last)."""

    requeued: int = 0
    answer_unread: int = 0


def email_claims_recover(*, now: datetime.datetime) -> RecoverResult:
    """The claims of senders that are gone (a worker killed mid-batch): their rows still sending go back to the
    queue, due now; they are sent again with the Message-ID of the first try (the message had not been handed over,
    or was in the microseconds between handing over and marking, see _SentMarker). Their rows already marked sent
    keep that status; the last of them (by id: a sender hands its rows over in that order, reading each answer
    before the next) also gets a note: handed over, and perhaps the server's answer was never read."""
    result = RecoverResult()
    claims = (
        OutboxEmail.objects.exclude(claimed_by="")
        .values("claimed_by")
        .annotate(first_claimed_at=Min("claimed_at"))
        .order_by()
    )
    for claim in list(claims):
        token = claim["claimed_by"]
        if not _claim_holder_gone(token, claim["first_claimed_at"], now):
            continue
        with transaction.atomic():
            mine = OutboxEmail.objects.filter(claimed_by=token)
            result.requeued += mine.filter(status=OutboxEmail.Status.SENDING).update(
                status=OutboxEmail.Status.QUEUED, claimed_by="", claimed_at=None, next_attempt_at=now
            )
            note = _(
                "The sender stopped after handing the e-mail to the mail server and before reading its "
                "answer; it was most likely accepted."
            )
            handed_over = mine.filter(status__in=[OutboxEmail.Status.SENT, OutboxEmail.Status.BOUNCED])
            last_sent = handed_over.order_by("-id").values_list("id", flat=True)[:1]
            result.answer_unread += OutboxEmail.objects.filter(pk__in=list(last_sent)).update(
                claimed_by="", claimed_at=None, last_error=note
            )
            mine.update(claimed_by="", claimed_at=None)
    return result

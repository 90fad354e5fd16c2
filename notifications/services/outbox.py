"""Writing e-mails: enqueue a rendered row in the caller's transaction; it is sent once that commits.

Context values are plain JSON-like data (strings, numbers, booleans, lists, dicts): the caller formats dates and
times in the contact's language before handing them over, exactly like the templates' example data.
"""

import dataclasses
import datetime
import functools
import hashlib
import json
import re
from collections.abc import Iterator, Sequence
from email.utils import parseaddr
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import JSONField
from django.db.transaction import TransactionManagementError

from htg_migration import clock
from htg_migration.queueing import task_queue_on_commit
from notifications.models import SUBJECT_MAX_LENGTH, OutboxEmail, SuppressedAddress
from notifications.selectors import address_normalise, suppression_for_addresses
from notifications.services.rendering import EmailRenderer, email_renderer

ERROR_MAX_LENGTH = 2000
ATTACHMENT_KEYS = frozenset({"filename", "content", "mimetype"})


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


def suppression_note(suppressed: SuppressedAddress) -> str:
    return f"{suppressed.get_reason_display()}: {suppressed.detail}"[:ERROR_MAX_LENGTH]


def _outbox_values(
    draft: EmailDraft,
    *,
    renderer: EmailRenderer,
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
        "last_error": suppression_note(suppression) if suppression else "",
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
        task_queue_on_commit(lambda: email_send_task.delay(email_id))
        return
    for chunk in email_id_batches(email_ids):
        task_queue_on_commit(functools.partial(email_send_many_task.delay, chunk))


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
            renderer=email_renderer([template_key]),
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


def _outbox_insert(rows: list[dict[str, Any]]) -> dict[str, int]:
    """Write the rows (each with the same fields, by attribute name; every other field takes its default) in one
    statement, INSERT ... SELECT FROM unnest(one array per column) ON CONFLICT (dedupe_key) DO NOTHING RETURNING:
    the ids of those written, by dedupe key (a key someone else wrote meanwhile is not among them). One array per
    column rather than bulk_create, which cannot return the ids of the rows it wrote when it skips conflicts."""
    fields = [field for field in OutboxEmail._meta.concrete_fields if not field.primary_key]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(field.column or field.attname) for field in fields)
    arrays = ", ".join(f"%s::{field.db_type(connection)}[]" for field in fields)
    values = []
    for field in fields:
        column = [row[field.attname] for row in rows] if field.attname in rows[0] else [field.get_default()] * len(rows)
        values.append([json.dumps(value) for value in column] if isinstance(field, JSONField) else column)
    table = quote(OutboxEmail._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({columns}) SELECT * FROM unnest({arrays}) "  # noqa: S608 - names from the model
            f"ON CONFLICT (dedupe_key) DO NOTHING RETURNING dedupe_key, id",
            values,
        )
        return dict(cursor.fetchall())


def email_enqueue_many(*, emails: Sequence[EmailDraft]) -> list[EnqueuedEmail]:
    """`email_enqueue` for many e-mails at once, with the same rules, in a fixed number of queries: rows whose
    dedupe key is already in the outbox (or earlier in the list) are left out, the rest written by one INSERT ...
    ON CONFLICT (dedupe_key) DO NOTHING RETURNING their ids, and their sending queued on commit in batches. Returns
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
    existing = set(OutboxEmail.objects.filter(dedupe_key__in=list(unique)).values_list("dedupe_key", flat=True))
    drafts = [draft for key, draft in unique.items() if key not in existing]
    if not drafts:
        return []
    renderer = email_renderer(draft.template_key for draft in drafts)
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
        address=address_normalise(address),
        defaults={"reason": reason, "detail": detail[:ERROR_MAX_LENGTH], "created_at": clock.now()},
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

"""Bounces coming in: each received message is first an InboundBounce row (committed), then read and acted on.

A hard bounce suppresses the address the e-mail was sent to (`email_bounce_record`) and marks that outbox row
bounced, with the server's words; a soft bounce or a delay is recorded only; a message that is not recognised, or a
hard bounce that matches no e-mail the outbox sent, suppresses nothing and waits for a person in the admin.

The returned e-mail is found by the Message-ID the outbox gave it (`<htg.<id>.<digest>@domain>`, see
`notifications.services.outbox_message_id`): the id in it leads to the row by primary key, and the whole Message-ID
must match the one stored there. Only such a match is acted on: anyone can send a message that looks like a bounce
and names an address, but only the e-mail's recipient has its Message-ID. Failing that, the latest e-mail sent to
the address is linked to the bounce for a person to look at, and nothing is suppressed.
"""

import dataclasses
import datetime
import hashlib
import logging
import os
from collections.abc import Callable
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from htg_migration import clock
from notifications.bounces import (
    HARD,
    NO_FAILURE,
    NO_RECIPIENT,
    NO_STATUS,
    NOT_A_BOUNCE,
    SOFT,
    UNREADABLE,
    ParsedBounce,
    RecipientReport,
    bounce_headers,
    bounce_parse,
)
from notifications.models import InboundBounce, OutboxEmail
from notifications.services import ERROR_MAX_LENGTH, email_bounce_record, outbox_email_id

logger = logging.getLogger(__name__)

PENDING_GRACE = datetime.timedelta(minutes=1)
PENDING_BATCH = 500
MAILDIR_SUBDIRECTORIES = ("new", "cur", "tmp")


@dataclasses.dataclass(frozen=True)
class BounceReceipt:
    """What receiving one message did: its row, and whether the row is new (False: received before)."""

    bounce: InboundBounce
    created: bool


@dataclasses.dataclass(frozen=True)
class MaildirItem:
    """One file of a Maildir's new/: its receipt, or why it could not be taken (`error`; it then stays in new/,
    unless the error is that it was empty). `moved`: whether it is in cur/ now."""

    name: str
    receipt: BounceReceipt | None = None
    error: str = ""
    moved: bool = False


def _reason_note(parsed: ParsedBounce) -> str:
    notes = {
        NOT_A_BOUNCE: _("Not a delivery status notification, nor a bounce this intake recognises."),
        NO_FAILURE: _("A delivery status notification that reports no failure (for example delivered or relayed)."),
        NO_RECIPIENT: _("A delivery status notification without any recipient fields."),
        NO_STATUS: _("It looks like a bounce, but no status code (such as 5.1.1) was found in its text."),
        UNREADABLE: _("The message could not be read: %(error)s") % {"error": parsed.error},
    }
    return notes.get(parsed.reason, "")


def _existing(digest: str, message_id: str) -> InboundBounce | None:
    same = (Q(raw_sha256=digest) | Q(message_id=message_id)) if message_id else Q(raw_sha256=digest)
    return InboundBounce.objects.filter(same).order_by("id").first()


def bounce_record(*, raw_message: bytes) -> BounceReceipt:
    """Keep a received message as a row, committed on its own before anything is done with it. The same message
    again (the same Message-ID header, or the same bytes) returns the row already there and writes nothing. An empty
    message is refused (ValidationError) and writes nothing."""
    if not raw_message.strip():
        raise ValidationError(_("The message is empty: nothing was recorded."), code="empty")
    digest = hashlib.sha256(raw_message).hexdigest()
    headers = bounce_headers(raw_message)
    existing = _existing(digest, headers.message_id)
    if existing is not None:
        return BounceReceipt(existing, created=False)
    bounce = InboundBounce(
        received_at=clock.now(),
        raw_message=raw_message[: InboundBounce.RAW_MAX_BYTES],
        raw_size=len(raw_message),
        raw_sha256=digest,
        message_id=headers.message_id,
        sender=headers.sender,
        subject=headers.subject,
    )
    try:
        with transaction.atomic():
            bounce.save()
    except IntegrityError:
        # The same message came in at the same moment through another path: that row stands.
        existing = _existing(digest, headers.message_id)
        if existing is None:
            raise
        return BounceReceipt(existing, created=False)
    return BounceReceipt(bounce, created=True)


def _email_by_message_id(message_id: str) -> OutboxEmail | None:
    email_id = outbox_email_id(message_id)
    if email_id is None:
        return None
    return OutboxEmail.objects.filter(pk=email_id, message_id__iexact=message_id).first()


def _email_by_address(report: RecipientReport | None) -> OutboxEmail | None:
    if report is None:
        return None
    for address in dict.fromkeys(address for address in (report.address, report.original_address) if address):
        email = (
            OutboxEmail.objects.filter(to_address=address, sent_at__isnull=False).order_by("-sent_at", "-id").first()
        )
        if email is not None:
            return email
    return None


def _server_words(report: RecipientReport) -> str:
    return " ".join(part for part in (report.status, report.diagnostic) if part)[:ERROR_MAX_LENGTH]


def _hard_bounce_apply(bounce: InboundBounce, report: RecipientReport, email: OutboxEmail) -> None:
    """Suppress the address the e-mail went to (the report may name the address it was forwarded to) and mark the
    e-mail bounced, if it still stands as sent."""
    words = _server_words(report) or _("hard bounce")
    email_bounce_record(address=email.to_address, detail=words)
    marked = OutboxEmail.objects.filter(pk=email.pk, status=OutboxEmail.Status.SENT).update(
        status=OutboxEmail.Status.BOUNCED, last_error=words
    )
    if marked:
        email.status, email.last_error = OutboxEmail.Status.BOUNCED, words
    if not report.address:
        bounce.recipient = email.to_address  # the bounce did not say which address; its returned e-mail did
    elif email.to_address not in (report.address, report.original_address):
        bounce.note = _(
            "The report is about %(reported)s; the e-mail was sent to %(address)s, which is now suppressed."
        ) % {"reported": report.address, "address": email.to_address}
    bounce.outcome = InboundBounce.Outcome.HARD_BOUNCE


@transaction.atomic
def bounce_process(*, bounce_id: int, raw_message: bytes | None = None) -> InboundBounce:
    """Read a recorded bounce and act on it, once: a row already processed is returned as it is. `raw_message`: the
    whole message when the caller still has it (the row keeps at most 256 KB of it)."""
    bounce = InboundBounce.objects.select_for_update().get(pk=bounce_id)
    if bounce.processed_at is not None:
        return bounce
    parsed = bounce_parse(raw_message if raw_message is not None else bytes(bounce.raw_message))
    report = parsed.primary
    if report is not None:
        bounce.recipient, bounce.action, bounce.status_code = report.address, report.action, report.status
        bounce.diagnostic = report.diagnostic
    bounce.original_message_id = parsed.original_message_id
    email = _email_by_message_id(parsed.original_message_id) if parsed.kind in (HARD, SOFT) else None
    by_address = None
    if email is None and parsed.kind in (HARD, SOFT):
        by_address = email = _email_by_address(report)
    bounce.email = email
    bounce.note = ""
    if parsed.kind == HARD and report is not None and email is not None and by_address is None:
        _hard_bounce_apply(bounce, report, email)
    elif parsed.kind == HARD and by_address is not None:
        # Anyone can send a message that looks like a bounce and names an address: without the Message-ID of an
        # e-mail we sent, a person decides (the address can be suppressed on the customer's card).
        bounce.outcome = InboundBounce.Outcome.UNRECOGNISED
        bounce.note = _(
            "A hard bounce for %(address)s that does not quote the Message-ID of an e-mail we sent: nothing was "
            "suppressed. Check it, and suppress the address by hand if it is right."
        ) % {"address": by_address.to_address}
    elif parsed.kind == HARD:
        bounce.outcome = InboundBounce.Outcome.UNRECOGNISED
        bounce.note = _(
            "A hard bounce, but no e-mail sent by the outbox matches it (by Message-ID or address): "
            "nothing was suppressed."
        )
    elif parsed.kind == SOFT:
        bounce.outcome = InboundBounce.Outcome.SOFT_BOUNCE
    else:
        bounce.outcome = InboundBounce.Outcome.UNRECOGNISED
        bounce.note = _reason_note(parsed)
    bounce.processed_at = clock.now()
    bounce.save(
        update_fields=[
            "recipient",
            "action",
            "status_code",
            "diagnostic",
            "original_message_id",
            "email",
            "outcome",
            "note",
            "processed_at",
        ]
    )
    return bounce


def bounce_receive(*, raw_message: bytes) -> BounceReceipt:
    """Receive one bounce message: record it (committed), then process it in a transaction of its own, so a
    failure while processing leaves the message kept and waiting (`bounces_process_pending` takes it up). A message
    received before is not processed again, unless its processing never finished."""
    receipt = bounce_record(raw_message=raw_message)
    if receipt.bounce.processed_at is None:
        bounce = bounce_process(bounce_id=receipt.bounce.pk, raw_message=raw_message)
        receipt = BounceReceipt(bounce, receipt.created)
    return receipt


def bounces_process_pending(*, now: datetime.datetime, limit: int = PENDING_BATCH) -> int:
    """Process the recorded bounces whose processing never finished (a process that stopped between recording and
    processing), from the stored message. A row that fails again is logged and left for the next run. Returns how
    many were processed."""
    pending = list(
        InboundBounce.objects.filter(processed_at__isnull=True, received_at__lt=now - PENDING_GRACE)
        .order_by("received_at", "id")
        .values_list("id", flat=True)[:limit]
    )
    processed = 0
    for bounce_id in pending:
        try:
            bounce_process(bounce_id=bounce_id)
        except Exception:  # one row's trouble must not hold up the others; it is tried again next time
            logger.exception("Bounce %s could not be processed", bounce_id)
            continue
        processed += 1
    return processed


def maildir_checked(path: str) -> Path:
    """The Maildir at `path`, or ValidationError when it is not one (a directory with new/, cur/ and tmp/)."""
    directory = Path(path)
    if not all((directory / name).is_dir() for name in MAILDIR_SUBDIRECTORIES):
        raise ValidationError(
            _("%(path)s is not a Maildir: it needs the folders new, cur and tmp.") % {"path": path}, code="not_maildir"
        )
    return directory


def _move_to_cur(directory: Path, name: str) -> bool:
    """Maildir's "seen": new/<name> becomes cur/<name>:2,S. False when another reader moved it first."""
    target = name if ":2," in name else f"{name}:2,S"
    try:
        os.rename(directory / "new" / name, directory / "cur" / target)
    except FileNotFoundError:
        return False
    return True


def _maildir_message_receive(directory: Path, name: str) -> MaildirItem | None:
    try:
        raw_message = (directory / "new" / name).read_bytes()
    except FileNotFoundError:
        return None  # another reader took it meanwhile
    if not raw_message.strip():
        return MaildirItem(name, error=_("empty: nothing recorded"), moved=_move_to_cur(directory, name))
    try:
        receipt = bounce_record(raw_message=raw_message)
    except Exception as error:  # one message's trouble (the database gone, a bug) must not stop the others
        return MaildirItem(name, error=_("not recorded, left in new/: %(error)s") % {"error": error})
    moved = _move_to_cur(directory, name)  # the row is committed: the file has done its work
    if receipt.bounce.processed_at is not None:
        return MaildirItem(name, receipt, moved=moved)
    try:
        bounce = bounce_process(bounce_id=receipt.bounce.pk, raw_message=raw_message)
    except Exception as error:  # recorded: the pending sweep processes it later
        note = _("recorded as bounce %(id)s, not yet processed: %(error)s") % {"id": receipt.bounce.pk, "error": error}
        return MaildirItem(name, receipt, error=note, moved=moved)
    return MaildirItem(name, BounceReceipt(bounce, receipt.created), moved=moved)


def bounces_maildir_receive(*, path: str, on_item: Callable[[MaildirItem], None] | None = None) -> list[MaildirItem]:
    """Receive every message in the Maildir's new/, oldest name first: each is recorded (committed), moved to cur/,
    then processed. A message that cannot be recorded stays in new/ for the next run; an empty file is moved without
    a row. `on_item` hears of each message as it is done. Raises ValidationError, before anything is read or
    written, when `path` is not a Maildir."""
    directory = maildir_checked(path)
    items = []
    for name in sorted(os.listdir(directory / "new")):
        if name.startswith("."):
            continue
        item = _maildir_message_receive(directory, name)
        if item is None:
            continue
        items.append(item)
        if on_item is not None:
            on_item(item)
    return items

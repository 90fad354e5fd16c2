"""Writing e-mails: enqueue a rendered row in the caller's transaction, send it once, record what happened.

Context values are plain JSON-like data (strings, numbers, booleans, lists, dicts): the caller formats dates and
times in the contact's language before handing them over, exactly like the templates' example data.
"""

import datetime
import smtplib
import ssl
from email import encoders
from email.mime.base import MIMEBase
from email.utils import parseaddr
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, make_msgid
from django.core.mail.message import SafeMIMEText
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.db.transaction import TransactionManagementError
from django.template import Context, Template
from django.utils.translation import gettext as _

from htg_migration import clock
from htg_migration.errors import ApplicationError
from notifications.backends import TlsRequiredError, email_send_message
from notifications.models import EmailLanguage, EmailTemplate, OutboxEmail, SuppressedAddress

ERROR_MAX_LENGTH = 2000
SWEEP_GRACE = datetime.timedelta(minutes=1)
SWEEP_BATCH = 5000
ATTACHMENT_KEYS = frozenset({"filename", "content", "mimetype"})


class TemporaryEmailError(Exception):
    """Sending failed in a way that can succeed later (network, SMTP 4xx)."""


def address_normalise(address: str) -> str:
    return address.strip().lower()


def email_template_render(*, template: EmailTemplate, context: dict[str, Any]) -> tuple[str, str, str]:
    """Subject, text and HTML of a template with a context. HTML is autoescaped; subject and text are not."""
    plain = Context(context, autoescape=False)
    subject = " ".join(Template(template.subject).render(plain).split())
    body_text = Template(template.body_text).render(plain)
    body_html = Template(template.body_html).render(Context(context)) if template.body_html.strip() else ""
    return subject, body_text, body_html


def _template_for(*, key: str, language: str) -> EmailTemplate:
    templates = {template.language: template for template in EmailTemplate.objects.filter(key=key)}
    fallback = EmailLanguage.ENGLISH if language == EmailLanguage.DUTCH else EmailLanguage.DUTCH
    template = templates.get(language) or templates.get(fallback)
    if template is None:
        raise ApplicationError(_("There is no e-mail template %(key)s.") % {"key": key}, {"template_key": key})
    return template


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
    if not transaction.get_connection().in_atomic_block:
        # Outside a transaction the row would not be tied to the change that causes it: a caller's bug.
        raise TransactionManagementError("email_enqueue must run inside the transaction of the change it reports.")
    checked_attachments = _attachments_checked(attachments)
    existing = OutboxEmail.objects.filter(dedupe_key=dedupe_key).first()
    if existing is not None:
        return existing
    address = address_normalise(to_address)
    template = _template_for(key=template_key, language=language)
    subject, body_text, body_html = email_template_render(template=template, context=context)
    suppressed = SuppressedAddress.objects.filter(address=address).first()
    email = OutboxEmail(
        dedupe_key=dedupe_key,
        template_key=template_key,
        language=template.language,
        to_address=address,
        subject=subject,
        body_text=body_text,
        body_html=body_html,
        attachments=checked_attachments,
        status=OutboxEmail.Status.SUPPRESSED if suppressed else OutboxEmail.Status.QUEUED,
        last_error=f"{suppressed.get_reason_display()}: {suppressed.detail}"[:ERROR_MAX_LENGTH] if suppressed else "",
        queued_at=clock.now(),
    )
    try:
        with transaction.atomic():
            email.save()
    except IntegrityError:
        # The same e-mail was enqueued at the same moment by someone else: theirs stands.
        return OutboxEmail.objects.get(dedupe_key=dedupe_key)
    if email.status == OutboxEmail.Status.QUEUED:
        from notifications.tasks import email_send_task

        email_id = email.pk
        transaction.on_commit(lambda: email_send_task.delay(email_id))
    return email


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


def _message(email: OutboxEmail) -> EmailMultiAlternatives:
    domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or None
    message = EmailMultiAlternatives(
        subject=email.subject,
        body=email.body_text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[email.to_address],
        headers={"Message-ID": make_msgid(domain=domain)},
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


def _record_temporary(email: OutboxEmail, error: BaseException, now: datetime.datetime) -> None:
    email.attempts += 1
    email.last_error = _describe(error)
    if email.attempts >= settings.HTG_EMAIL_MAX_ATTEMPTS:
        email.status = OutboxEmail.Status.FAILED
        email.next_attempt_at = None
    else:
        email.next_attempt_at = now + _backoff(email.attempts)
    email.save(update_fields=["attempts", "last_error", "status", "next_attempt_at"])


def _record_failed(email: OutboxEmail, error: BaseException, *, suppress: bool) -> None:
    email.attempts += 1
    email.status = OutboxEmail.Status.FAILED
    email.last_error = _describe(error)
    email.next_attempt_at = None
    email.save(update_fields=["attempts", "status", "last_error", "next_attempt_at"])
    if suppress:
        address_suppress(address=email.to_address, reason=SuppressedAddress.Reason.REFUSED, detail=email.last_error)


def email_send(*, email_id: int, now: datetime.datetime | None = None) -> OutboxEmail | None:
    """Send one queued e-mail that is due, under its row lock, and record the outcome on the row.

    Safe to run twice and at the same time: a row another worker holds is skipped (it is being sent), and a row
    that is no longer queued is left alone. The lock is held while the SMTP conversation runs (bounded by
    EMAIL_TIMEOUT), so two workers never both send it. Temporary failures (network, SMTP 4xx) are scheduled again
    with doubling waits; a permanent refusal (SMTP 5xx) fails the row and suppresses the address; a TLS or
    certificate failure fails the row closed with the reason, never falling back to sending in the clear.
    """
    now = now or clock.now()
    with transaction.atomic():
        email = OutboxEmail.objects.select_for_update(skip_locked=True).filter(pk=email_id).first()
        if email is None or email.status != OutboxEmail.Status.QUEUED:
            return email
        if email.next_attempt_at is not None and email.next_attempt_at > now:
            return email
        suppressed = SuppressedAddress.objects.filter(address=email.to_address).first()
        if suppressed is not None:
            email.status = OutboxEmail.Status.SUPPRESSED
            email.last_error = f"{suppressed.get_reason_display()}: {suppressed.detail}"[:ERROR_MAX_LENGTH]
            email.save(update_fields=["status", "last_error"])
            return email
        message = _message(email)
        try:
            email_send_message(message)
        except (ssl.SSLError, TlsRequiredError) as error:  # includes a certificate that does not verify
            _record_failed(email, error, suppress=False)
        except smtplib.SMTPException as error:
            code = _smtp_code(error)
            if code is not None and 500 <= code < 600:
                refused = isinstance(error, smtplib.SMTPRecipientsRefused | smtplib.SMTPDataError)
                _record_failed(email, error, suppress=refused)
            else:
                _record_temporary(email, error, now)
        except OSError as error:  # refused, reset, timed out, no route: the network, not the message
            _record_temporary(email, error, now)
        else:
            email.status = OutboxEmail.Status.SENT
            email.message_id = str(message.extra_headers["Message-ID"])
            email.sent_at = now
            email.attempts += 1
            email.last_error = ""
            email.next_attempt_at = None
            email.save(update_fields=["status", "message_id", "sent_at", "attempts", "last_error", "next_attempt_at"])
    return email


def emails_sweep(*, now: datetime.datetime, limit: int = SWEEP_BATCH) -> list[int]:
    """Queued e-mails that are due and may have lost their task: a retry whose time has come, or a first send
    still queued a minute after it was written."""
    due = Q(next_attempt_at__lte=now) | Q(next_attempt_at__isnull=True, queued_at__lt=now - SWEEP_GRACE)
    return list(
        OutboxEmail.objects.filter(due, status=OutboxEmail.Status.QUEUED)
        .order_by("queued_at", "id")
        .values_list("id", flat=True)[:limit]
    )

"""E-mail outbox, templates and suppression. Knows nothing about connections: callers give a recipient, a template
key, a context and a dedupe key (docs/architecture.md)."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.template import Template, TemplateSyntaxError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

SUBJECT_MAX_LENGTH = 255


class EmailLanguage(models.TextChoices):
    DUTCH = "nl", _("Dutch")
    ENGLISH = "en", _("English")


class EmailTemplate(models.Model):
    """One e-mail in one language, in Django template syntax; administrators edit it in the admin, no deploy."""

    key = models.CharField(_("key"), max_length=100, help_text=_("For example connection.invited."))
    language = models.CharField(_("language"), max_length=2, choices=EmailLanguage.choices)
    subject = models.CharField(_("subject"), max_length=SUBJECT_MAX_LENGTH)
    body_text = models.TextField(_("text body"))
    body_html = models.TextField(_("HTML body"), blank=True)
    example_context = models.JSONField(
        _("example data"), default=dict, blank=True, help_text=_("The values the preview renders the template with.")
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("e-mail template")
        verbose_name_plural = _("e-mail templates")
        ordering = ["key", "language"]
        constraints = [models.UniqueConstraint(fields=["key", "language"], name="notifications_template_key_language")]

    def __str__(self) -> str:
        return f"{self.key} ({self.language})"

    def clean(self) -> None:
        errors: dict[str, list[Any]] = {}
        for field in ("subject", "body_text", "body_html"):
            try:
                Template(getattr(self, field))
            except TemplateSyntaxError as error:
                errors[field] = [_("This is not a valid template: %(error)s") % {"error": error}]
        if not isinstance(self.example_context, dict):
            errors["example_context"] = [_('Enter an object, for example {"company_name": "Example B.V."}.')]
        if errors:
            raise ValidationError(errors)


class OutboxEmail(models.Model):
    """An e-mail that must go out: written in the same transaction as the change that causes it, rendered then, and
    sent by a task (or by the sweep when that task was lost). Status, attempts and errors are recorded here.

    A sender first claims the row (status sending, claimed_by, claimed_at: committed before any SMTP), so no other
    sender takes it, and a sender that dies leaves a trace the sweep recovers from (docs/architecture.md)."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("queued")
        SENDING = "sending", _("sending")
        SENT = "sent", _("sent")
        # The whole message went out but the server's final answer did not come in time: it may have arrived. Sent
        # again, with the same Message-ID, so a receiver that did take it can drop the copy.
        UNKNOWN = "unknown", _("unknown: no answer after sending")
        FAILED = "failed", _("failed")
        SUPPRESSED = "suppressed", _("suppressed")
        # Sent, then a delivery status notification came back: it never arrived (notifications.bounce_intake).
        BOUNCED = "bounced", _("bounced")

    # Unique by a constraint rather than unique=True, which on PostgreSQL also adds a second index for LIKE queries
    # (nothing asks those): one index fewer to write per row written and per row marked sent.
    dedupe_key = models.CharField(_("dedupe key"), max_length=255)
    template_key = models.CharField(_("template"), max_length=100)
    language = models.CharField(_("language"), max_length=2, choices=EmailLanguage.choices)
    to_address = models.EmailField(_("to"), max_length=254)
    subject = models.CharField(_("subject"), max_length=SUBJECT_MAX_LENGTH)
    body_text = models.TextField(_("text body"))
    body_html = models.TextField(_("HTML body"), blank=True)
    # Files that go with the e-mail, decided when it is enqueued: [{"filename", "content" (text), "mimetype"}].
    attachments = models.JSONField(_("attachments"), default=list, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    message_id = models.CharField(_("Message-ID"), max_length=255, blank=True)
    queued_at = models.DateTimeField(_("queued at"))
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    # The sender holding the row: set with status sending before the SMTP conversation, cleared with the outcome
    # (sent after the server's 250, or any other). A row still sending whose sender is gone goes back to the queue.
    claimed_by = models.CharField(_("claimed by"), max_length=64, blank=True, default="", db_default="")
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("outgoing e-mail")
        verbose_name_plural = _("outgoing e-mails")
        ordering = ["-queued_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["dedupe_key"], name="notifications_outbox_dedupe_key")]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="notifications_outbox_due"),
            models.Index(fields=["to_address"], name="notifications_outbox_to"),
            models.Index(
                fields=["claimed_by"], name="notifications_outbox_claimed", condition=~models.Q(claimed_by="")
            ),
        ]

    def __str__(self) -> str:
        return f"{self.template_key} → {self.to_address} ({self.status})"


class SuppressedAddress(models.Model):
    """An address we no longer send to: it bounced hard, the server refused it, or someone stopped it by hand."""

    class Reason(models.TextChoices):
        HARD_BOUNCE = "hard_bounce", _("hard bounce")
        REFUSED = "refused", _("refused by the mail server")
        MANUAL = "manual", _("stopped by hand")

    address = models.EmailField(_("address"), max_length=254, unique=True, help_text=_("Stored in lower case."))
    reason = models.CharField(_("reason"), max_length=12, choices=Reason.choices)
    detail = models.TextField(_("detail"), blank=True)
    created_at = models.DateTimeField(_("suppressed at"), default=timezone.now)  # set on the programme clock

    class Meta:
        verbose_name = _("suppressed address")
        verbose_name_plural = _("suppressed addresses")
        ordering = ["address"]

    def __str__(self) -> str:
        return f"{self.address} ({self.reason})"


class InboundBounce(models.Model):
    """A message that came back to the bounce address. It is a row first, exactly as received (the first
    RAW_MAX_BYTES, 256 KB; raw_size says how large it was), so nothing is lost; then it is read: a hard bounce
    suppresses the address and marks the e-mail bounced, a soft bounce or a delay is recorded only, and anything not
    recognised waits for a person. Received once: the same message again (the same Message-ID, or the same bytes) is
    this row (notifications.bounce_intake, docs/architecture.md)."""

    RAW_MAX_BYTES = 256 * 1024

    class Outcome(models.TextChoices):
        RECEIVED = "received", _("received, not yet processed")
        HARD_BOUNCE = "hard_bounce", _("hard bounce: address suppressed")
        SOFT_BOUNCE = "soft_bounce", _("soft bounce or delay: recorded only")
        UNRECOGNISED = "unrecognised", _("not recognised: for a person to look at")

    received_at = models.DateTimeField(_("received at"))
    raw_message = models.BinaryField(_("message as received"))
    raw_size = models.PositiveIntegerField(_("size (bytes)"))
    raw_sha256 = models.CharField(_("SHA-256 of the message"), max_length=64, unique=True)
    message_id = models.CharField(_("Message-ID"), max_length=255, blank=True)
    sender = models.CharField(_("from"), max_length=255, blank=True)
    subject = models.CharField(_("subject"), max_length=255, blank=True)
    # What the bounce says about the recipient it is about (the first hard failure, else the first delay).
    recipient = models.CharField(_("address"), max_length=254, blank=True)
    action = models.CharField(_("action"), max_length=20, blank=True)
    status_code = models.CharField(_("status"), max_length=16, blank=True, help_text=_("For example 5.1.1."))
    diagnostic = models.TextField(_("diagnostic code"), blank=True)
    original_message_id = models.CharField(_("Message-ID of the returned e-mail"), max_length=255, blank=True)
    email = models.ForeignKey(
        OutboxEmail,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="bounces",
        verbose_name=_("e-mail"),
    )
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices, default=Outcome.RECEIVED)
    note = models.TextField(_("note"), blank=True)
    processed_at = models.DateTimeField(_("processed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("bounce")
        verbose_name_plural = _("bounces")
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["message_id"], condition=~models.Q(message_id=""), name="notifications_bounce_message_id"
            )
        ]
        indexes = [
            models.Index(fields=["recipient"], name="notifications_bounce_address"),
            models.Index(
                fields=["received_at"],
                name="notifications_bounce_pending",
                condition=models.Q(processed_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.recipient or self.subject or self.pk} ({self.outcome})"

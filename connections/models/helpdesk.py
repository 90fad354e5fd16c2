from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from connections.models.connections import Connection
from connections.models.customers import Customer


class HelpdeskContact(models.Model):
    """A call or e-mail between the helpdesk (or the team) and a company, logged by the staff member who had it."""

    class Channel(models.TextChoices):
        PHONE = "phone", _("Phone")
        EMAIL = "email", _("E-mail")
        OTHER = "other", _("Other")

    class Topic(models.TextChoices):
        PROBLEM_AFTER_MIGRATION = "problem_after_migration", _("Problem after migration")
        HTG_NUMBER = "htg_number", _("HTG number")
        SLOT_BOOKING = "slot_booking", _("Slot booking")
        TECHNICAL_QUESTION = "technical_question", _("Technical question")
        OTHER = "other", _("Other")

    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="helpdesk_contacts", verbose_name=_("customer")
    )
    connection = models.ForeignKey(
        Connection,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="helpdesk_contacts",
        verbose_name=_("connection"),
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    topic = models.CharField(_("topic"), max_length=30, choices=Topic.choices)
    notes = models.TextField(_("notes"), blank=True)
    # Where the contact came from, as a code: the page writes it in the reader's language before the notes.
    origin = models.CharField(_("origin"), max_length=20, choices=[("portal", _("reported in the portal"))], blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    created_at = models.DateTimeField(_("when"), default=timezone.now)

    class Meta:
        verbose_name = _("helpdesk contact")
        verbose_name_plural = _("helpdesk contacts")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["customer", "created_at"], name="helpdesk_contact_customer_idx")]

    def __str__(self) -> str:
        return f"{self.customer_id} · {self.channel} · {self.topic}"

    def get_notes_text(self) -> str:
        """The notes as shown: in the reader's language where the app wrote them (a report from the portal)."""
        if self.origin == "portal":
            return gettext("Reported in the portal: %(description)s") % {"description": self.notes}
        return self.notes


class CallbackRequest(models.Model):
    """The helpdesk asks the connection team to call a company back, within a service level in helpdesk hours."""

    class Urgency(models.TextChoices):
        NORMAL = "normal", _("Normal")
        URGENT = "urgent", _("Urgent")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="callback_requests", verbose_name=_("customer")
    )
    connection = models.ForeignKey(
        Connection,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="callback_requests",
        verbose_name=_("connection"),
    )
    urgency = models.CharField(_("urgency"), max_length=10, choices=Urgency.choices, default=Urgency.NORMAL)
    reason = models.TextField(_("reason"))
    # A reason the app gave (not a person's words), as a code with its details, e.g. {"flow": "AGS"}: the page writes
    # it in the reader's language before `reason`, which then holds only what the company wrote.
    reason_code = models.CharField(
        _("kind of reason"),
        max_length=30,
        choices=[("portal_problem", _("problem after migration, reported in the portal"))],
        blank=True,
    )
    reason_details = models.JSONField(_("reason details"), default=dict, blank=True)
    contact_name = models.CharField(_("contact person"), max_length=200)
    contact_phone = models.CharField(_("phone"), max_length=30)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("requested by"),
    )
    # The connection's team member, or nobody: then the request waits in the team's queue.
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="callback_requests",
        verbose_name=_("team member"),
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(_("requested"), default=timezone.now)
    due_at = models.DateTimeField(_("call back by"))
    escalated_at = models.DateTimeField(_("escalated"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("closed by"),
    )
    outcome = models.TextField(_("outcome"), blank=True)

    class Meta:
        verbose_name = _("callback request")
        verbose_name_plural = _("callback requests")
        ordering = ["due_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="open", closed_at__isnull=True) | Q(status="closed", closed_at__isnull=False),
                name="callback_closed_at_matches_status",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "due_at"], name="callback_status_due_idx"),
            models.Index(fields=["customer", "created_at"], name="callback_customer_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} · {self.urgency} · {self.status}"

    def get_reason_text(self) -> str:
        """The reason as shown: in the reader's language where the app wrote it (a problem reported in the portal)."""
        if self.reason_code == "portal_problem":
            return gettext("Problem after migration (%(flow)s), reported in the portal: %(description)s") % {
                "flow": self.reason_details.get("flow", ""),
                "description": self.reason,
            }
        return self.reason

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN


class LookupAudit(models.Model):
    """Who looked up what at the helpdesk, and when: one row per search and per customer screen opened."""

    class Kind(models.TextChoices):
        SEARCH = "search", _("Search")
        CUSTOMER_VIEW = "customer_view", _("Customer screen")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("user")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    query = models.CharField(_("query"), max_length=200, blank=True)
    result_count = models.PositiveIntegerField(_("results"), default=0)
    customer = models.ForeignKey(
        Customer, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("customer")
    )
    created_at = models.DateTimeField(_("when"), default=timezone.now)

    class Meta:
        verbose_name = _("lookup audit entry")
        verbose_name_plural = _("lookup audit entries")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["created_at"], name="lookup_audit_time_idx")]

    def __str__(self) -> str:
        return f"{self.kind}: {self.query or self.customer_id}"

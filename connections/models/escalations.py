from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from connections.models.connections import Connection, ConnectionState
from htg_migration.dates import date_text


class Escalation(models.Model):
    """A company that did not respond in time, handed to the core team to approach directly."""

    class Outcome(models.TextChoices):
        CUSTOMER_ACTED = "customer_acted", _("The company acted")
        REACHED = "reached", _("Reached, agreement made")
        UNREACHABLE = "unreachable", _("Unreachable")
        CLOSED_OTHERWISE = "closed_otherwise", _("Closed otherwise")

    connection = models.ForeignKey(
        Connection, on_delete=models.CASCADE, related_name="escalations", verbose_name=_("connection")
    )
    waiting_state = models.CharField(_("waiting in"), max_length=30, choices=ConnectionState.choices)
    # The ladder's escalations store what happened (the step waited in and its due date) and say it in the reader's
    # language when shown (`reason_text`); `reason` holds text only where a person wrote it.
    reason = models.TextField(_("reason"), blank=True)
    due_on = models.DateField(_("was due on"), null=True, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="owned_escalations",
        verbose_name=_("owner"),
    )
    notes = models.TextField(_("notes"), blank=True)
    opened_at = models.DateTimeField(_("opened"), default=timezone.now)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices, blank=True)

    class Meta:
        verbose_name = _("escalation")
        verbose_name_plural = _("escalations")
        ordering = ["-opened_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["connection"], condition=Q(closed_at__isnull=True), name="escalation_one_open_per_connection"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.connection_id} ({self.waiting_state})"

    @property
    def reason_text(self) -> str:
        """Why the company was escalated, in the reader's language."""
        if self.due_on is None:
            return self.reason
        return _(
            "No response to two reminders: “%(step)s” was due on %(due)s. Please contact the company directly."
        ) % {"step": ConnectionState(self.waiting_state).label, "due": date_text(self.due_on, "j F Y")}

    @property
    def is_open(self) -> bool:
        return self.closed_at is None

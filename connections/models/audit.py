"""The audit an administrator reads: one list over the tables that already record each kind of event."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditEntry(models.Model):
    """One row of the audit, read from a database view (`connections_auditentry`, migration 0020) over the tables that
    record each kind: sign-ins and failed sign-ins (django-axes' AccessLog and AccessFailureLog: staff by password,
    company contacts by e-mailed link), refusals (`Refusal`), transitions (`ConnectionEvent`) and helpdesk lookups
    (`LookupAudit`). Nothing is written twice, and what retention removes from those tables leaves the audit too.
    `key` is the source and its row id, e.g. "refusal:12"."""

    class Kind(models.TextChoices):
        SIGN_IN = "sign_in", _("Sign-in")
        SIGN_IN_FAILED = "sign_in_failed", _("Failed sign-in")
        REFUSAL = "refusal", _("Refusal")
        TRANSITION = "transition", _("Transition")
        LOOKUP = "lookup", _("Helpdesk lookup")

    key = models.CharField(_("entry"), max_length=40, primary_key=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        related_name="+",
        verbose_name=_("user"),
    )
    username = models.CharField(_("user name"), max_length=255)
    what = models.TextField(_("what"))
    client_ip = models.GenericIPAddressField(_("from"), null=True)
    created_at = models.DateTimeField(_("when"))

    class Meta:
        managed = False
        db_table = "connections_auditentry"
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit")
        ordering = ["-created_at", "-key"]

    def __str__(self) -> str:
        return f"{self.kind} {self.created_at:%Y-%m-%d %H:%M} {self.username}"

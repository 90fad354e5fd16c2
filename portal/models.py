"""The companies' portal: sign-in links sent by e-mail, and intake drafts that a company resumes later."""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class PortalSignInLink(models.Model):
    """One request for a sign-in link. Only a hash of the token is stored; a link works once, for a few minutes.

    Every request writes a row, whether the address is known or not and whether it was refused for the rate limit
    (then without a token), so the rate limits count rows (correct across processes) and every answer costs the same.
    """

    email = models.EmailField(_("e-mail address"), max_length=254, help_text=_("Stored in lower case."))
    token_hash = models.CharField(max_length=64, unique=True, null=True, blank=True, editable=False)
    requested_ip = models.GenericIPAddressField(_("requested from"), null=True, blank=True)
    next_path = models.CharField(max_length=500, blank=True)
    rate_limited = models.BooleanField(_("refused: too many requests"), default=False)
    created_at = models.DateTimeField(_("requested"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires"))
    used_at = models.DateTimeField(_("used"), null=True, blank=True)

    class Meta:
        db_table = "connections_portalsigninlink"  # made by the connections app, which held it first
        verbose_name = _("portal sign-in link")
        verbose_name_plural = _("portal sign-in links")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["email", "created_at"], name="signin_link_email_idx"),
            models.Index(fields=["requested_ip", "created_at"], name="signin_link_ip_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(rate_limited=True, token_hash__isnull=True)
                | Q(rate_limited=False, token_hash__isnull=False),
                name="signin_link_token_unless_refused",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.email} ({self.created_at:%Y-%m-%d %H:%M})"


class IntakeDraft(models.Model):
    """A half-filled intake form, saved on every step, per verified e-mail address; deleted once submitted."""

    email = models.EmailField(_("e-mail address"), max_length=254, unique=True, help_text=_("Stored in lower case."))
    data = models.JSONField(_("form data"), default=dict)
    step = models.CharField(_("last step"), max_length=20, default="company")
    created_at = models.DateTimeField(_("started"), default=timezone.now)
    updated_at = models.DateTimeField(_("saved"), default=timezone.now)

    class Meta:
        db_table = "connections_intakedraft"  # made by the connections app, which held it first
        verbose_name = _("intake draft")
        verbose_name_plural = _("intake drafts")

    def __str__(self) -> str:
        return f"{self.email} ({self.step})"

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class StaffPasswordReset(models.Model):
    """One request to reset a staff password, whether the address belongs to an account or not and whether it was
    refused for the rate limit: the limits (per address, per IP address) count these rows, and every answer costs
    the same. The e-mail itself is a row in the outbox."""

    email = models.EmailField(_("e-mail address"), max_length=254, help_text=_("Stored in lower case."))
    requested_ip = models.GenericIPAddressField(_("requested from"), null=True, blank=True)
    rate_limited = models.BooleanField(_("refused: too many requests"), default=False)
    accounts = models.PositiveSmallIntegerField(_("e-mails sent"), default=0)
    created_at = models.DateTimeField(_("requested"), default=timezone.now)

    class Meta:
        verbose_name = _("staff password reset")
        verbose_name_plural = _("staff password resets")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["email", "created_at"], name="password_reset_email_idx"),
            models.Index(fields=["requested_ip", "created_at"], name="password_reset_ip_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.email} {self.created_at:%Y-%m-%d %H:%M}"


class Refusal(models.Model):
    """A request the app refused: who (the account, if signed in), what (method, path, status, reason), when and
    from where (client_ip). Written for every 403, every 404 a signed-in user meets (a foreign or unknown object)
    and every locked staff sign-in."""

    class Reason(models.TextChoices):
        FORBIDDEN = "forbidden", _("Not allowed")
        NOT_FOUND = "not_found", _("Not found for this account")
        LOCKED_OUT = "locked_out", _("Sign-in locked")
        TOKEN_REFUSED = "token_refused", _("API token refused")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("user"),
    )
    username = models.CharField(_("user name"), max_length=150, blank=True)
    reason = models.CharField(_("reason"), max_length=20, choices=Reason.choices)
    method = models.CharField(_("method"), max_length=10)
    path = models.CharField(_("path"), max_length=500)
    status = models.PositiveSmallIntegerField(_("status"))
    client_ip = models.GenericIPAddressField(_("from"), null=True, blank=True)
    created_at = models.DateTimeField(_("when"), default=timezone.now)

    class Meta:
        verbose_name = _("refused request")
        verbose_name_plural = _("refused requests")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["created_at"], name="refusal_time_idx")]

    def __str__(self) -> str:
        return f"{self.status} {self.method} {self.path}"

"""API tokens: how a company's own software calls the API (docs/api.md)."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from connections.models import Contact, Customer


class ApiToken(models.Model):
    """An API token, of a company or of a staff member. The token itself is shown once, when it is made; only its
    SHA-256 is kept (a token is 32 random bytes, so a fast hash is enough: nothing to guess). A company's token
    (`customer`) acts as the contact who made it, for that contact's company (and a hub's clients); a staff token
    (`user`, made by an administrator in the admin) acts as that staff member, with the staff member's role. Exactly
    one of the two is set (a check constraint): company and staff accounts never mix. Read-only or read-write, until
    it expires or is revoked."""

    class Scope(models.TextChoices):
        READ = "read", _("read only")
        READ_WRITE = "read_write", _("read and write")

    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="api_tokens", null=True, blank=True, editable=False
    )
    # A staff token's staff member (the connection team, the core team or the helpdesk); empty for a company's.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="api_tokens",
        verbose_name=_("staff member"),
    )
    # The contact the token acts as; when that contact is removed the token no longer works (and stays listed).
    created_by = models.ForeignKey(
        Contact, on_delete=models.SET_NULL, null=True, related_name="api_tokens", editable=False
    )
    name = models.CharField(_("name"), max_length=100)
    # The token's first characters after its "htg_" prefix: enough for a person to tell their tokens apart.
    prefix = models.CharField(_("starts with"), max_length=12, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    scope = models.CharField(_("scope"), max_length=20, choices=Scope.choices, default=Scope.READ)
    expires_on = models.DateField(_("expires on"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True, editable=False)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, editable=False, related_name="+"
    )
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True, editable=False)
    last_used_from = models.GenericIPAddressField(_("last used from"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        indexes = [models.Index(fields=["customer", "created_at"], name="api_token_customer_idx")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(customer__isnull=False, user__isnull=True)
                | models.Q(customer__isnull=True, user__isnull=False),
                name="api_token_company_or_staff",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_staff_token(self) -> bool:
        return self.user_id is not None

    @property
    def may_write(self) -> bool:
        return self.scope == self.Scope.READ_WRITE

from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class SubmitToken(models.Model):
    """The first submit of a form page: the token the page was rendered with, who sent it, and the row it created.

    Every form whose submit creates a row (the intake, a problem report, a callback request, a news item, a bulk job)
    carries a fresh token; its service looks the token up under the token's transaction lock before writing and
    records it here in the same transaction (`connections.services.submit_tokens`). A second submit of the same
    page (a double click, a resent POST, three requests at once) finds this row and shows the first one's
    confirmation again instead of writing a second row. The token is the primary key: the database refuses a second
    row for it even if the lock were bypassed. `owner` is `user:<id>` for a signed-in user, or `email:<address>`
    for the intake of a company whose contact has no account yet (a verified address)."""

    token = models.UUIDField(_("token"), primary_key=True, editable=False)
    owner = models.CharField(_("submitted by"), max_length=300)
    content_type = models.ForeignKey(
        ContentType, on_delete=models.CASCADE, related_name="+", verbose_name=_("kind of row")
    )
    object_id = models.PositiveBigIntegerField(_("row"))
    created_object = GenericForeignKey("content_type", "object_id")
    created_at = models.DateTimeField(_("submitted"), default=timezone.now)

    class Meta:
        verbose_name = _("submit token")
        verbose_name_plural = _("submit tokens")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.token} → {self.content_type_id}:{self.object_id}"

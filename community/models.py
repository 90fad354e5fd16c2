"""News items, their sendings, and the documents of the HTG Community area."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class NewsItem(models.Model):
    """A news item the team writes in Dutch and English; each recipient gets it once, in their own language."""

    title_nl = models.CharField(_("title (Dutch)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200)
    body_nl = models.TextField(_("text (Dutch)"))
    body_en = models.TextField(_("text (English)"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("written by"),
    )
    created_at = models.DateTimeField(_("written at"), default=timezone.now)
    published_at = models.DateTimeField(_("first sent at"), null=True, blank=True)

    class Meta:
        db_table = "notifications_newsitem"  # made by the notifications app, which held it first
        verbose_name = _("news item")
        verbose_name_plural = _("news items")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.title_en


class NewsSending(models.Model):
    """One sending of a news item to a group of recipients, worked through in batches by a task. The recipients'
    e-mails are outbox rows with a dedupe key per item and address, so a re-run or an overlapping sending adds
    nothing for an address that already has the item. What the group is, is the caller's business: it is kept here
    as opaque parameters (to resolve it again on a re-run) and a description for people."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("queued")
        RUNNING = "running", _("running")
        FINISHED = "finished", _("finished")

    news_item = models.ForeignKey(NewsItem, on_delete=models.PROTECT, related_name="sendings")
    # The group as codes ({"segment": ..., "plateau": ..., "flow": ...}): shown in the reader's language through
    # `segment_label`, never stored as text.
    segment = models.JSONField(_("recipients (parameters)"), default=dict)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    total = models.PositiveIntegerField(_("recipients"), default=0)
    queued_count = models.PositiveIntegerField(_("queued"), default=0)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("started by"),
    )
    started_at = models.DateTimeField(_("started at"), default=timezone.now)
    # Moved forward by every batch: the sweep re-runs an unfinished sending only when nothing has moved for a while.
    progressed_at = models.DateTimeField(_("last progress"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        db_table = "notifications_newssending"  # made by the notifications app, which held it first
        verbose_name = _("news sending")
        verbose_name_plural = _("news sendings")
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["status", "progressed_at"], name="notifications_news_unfinished")]

    def __str__(self) -> str:
        return f"{self.news_item} → {self.segment_label} ({self.status})"

    @property
    def segment_label(self) -> str:
        """Who the sending went to, in the active language."""
        from community.selectors.segments import segment_label  # the segments know connections; models do not

        parameters = self.segment or {}
        return segment_label(
            segment=str(parameters.get("segment", "")), plateau=parameters.get("plateau"), flow=parameters.get("flow")
        )


class Document(models.Model):
    """A specification or schedule the team publishes in the HTG Community area. The file is kept under
    MEDIA_ROOT and served only by the portal's download view to signed-in companies, never as a public URL."""

    class Kind(models.TextChoices):
        SPECIFICATION = "specification", _("Specification")
        SCHEDULE = "schedule", _("Schedule")

    class FileType(models.TextChoices):
        PDF = "pdf", "PDF"
        XLSX = "xlsx", "Excel (XLSX)"
        DOCX = "docx", "Word (DOCX)"
        ZIP = "zip", "ZIP"
        TXT = "txt", _("Text (TXT)")
        CSV = "csv", "CSV"

    title_nl = models.CharField(_("title (Dutch)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    # A plateau's number, not a key: this app knows nothing of the programme (docs/architecture.md).
    plateau_number = models.PositiveSmallIntegerField(_("plateau"), null=True, blank=True)
    file = models.FileField(_("file"), upload_to="documents/%Y/%m/", max_length=255)
    file_name = models.CharField(_("file name"), max_length=200)
    file_type = models.CharField(_("file type"), max_length=10, choices=FileType.choices)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)

    class Meta:
        db_table = "notifications_document"  # made by the notifications app, which held it first
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        ordering = ["-uploaded_at", "-id"]
        indexes = [models.Index(fields=["kind", "uploaded_at"], name="notifications_document_kind")]

    def __str__(self) -> str:
        return self.title_en

    def title_for(self, language: str) -> str:
        return self.title_nl if language == "nl" else self.title_en

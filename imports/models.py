"""Uploaded registration lists."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ImportBatch(models.Model):
    """An uploaded Digipoort registration list: validated in full first, written only when it has no errors."""

    class Status(models.TextChoices):
        UPLOADED = "uploaded", _("Uploaded")
        VALIDATING = "validating", _("Checking")
        INVALID = "invalid", _("Has errors: nothing written")
        VALID = "valid", _("Checked: ready to import")
        APPLYING = "applying", _("Importing")
        APPLIED = "applied", _("Imported")
        FAILED = "failed", _("Failed")

    class Format(models.TextChoices):
        CSV = "csv", "CSV"
        XLSX = "xlsx", "XLSX"

    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="imports")
    created_at = models.DateTimeField(_("uploaded"), default=timezone.now)
    file = models.FileField(_("file"), upload_to="imports/%Y/%m/")
    original_name = models.CharField(_("file name"), max_length=255)
    file_format = models.CharField(_("format"), max_length=10, choices=Format.choices)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.UPLOADED)
    total_rows = models.PositiveIntegerField(_("rows"), default=0)
    processed_rows = models.PositiveIntegerField(_("rows processed"), default=0)
    # [{"line": 12, "field": "eori", "message_en": "...", "message_nl": "..."}, ...] (the first 1,000)
    errors = models.JSONField(_("errors"), default=list, blank=True)
    error_count = models.PositiveIntegerField(_("errors found"), default=0)
    created_customers = models.PositiveIntegerField(_("companies added"), default=0)
    updated_customers = models.PositiveIntegerField(_("companies updated"), default=0)
    created_connections = models.PositiveIntegerField(_("connections added"), default=0)
    failure = models.TextField(_("failure"), blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    # Set at each step and each progress report: the resume sweep leaves a batch alone while it moves.
    progressed_at = models.DateTimeField(_("last progress"), null=True, blank=True)
    # Set when the resume sweep found the batch's work interrupted (a worker killed): what it had done was rolled
    # back, and it started again.
    interrupted_at = models.DateTimeField(_("interrupted"), null=True, blank=True)

    class Meta:
        db_table = "connections_importbatch"  # made by the connections app, which held it first
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.original_name} ({self.get_status_display()})"

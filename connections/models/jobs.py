from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from connections.models.connections import Connection


class BulkJob(models.Model):
    """A bulk action over many connections, run in the background. Every item is a row before any work starts, so
    a lost task or a second run never does an item twice."""

    class Action(models.TextChoices):
        TRANSITION = "transition", _("Run a step")
        ASSIGN = "assign", _("Assign a team member")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        FINISHED = "finished", _("Finished")

    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="bulk_jobs")
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    transition = models.CharField(_("step"), max_length=50, blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    note = models.TextField(_("note"), blank=True)
    selection = models.TextField(_("selection"), blank=True, help_text=_("The list filter the items came from."))
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.QUEUED)
    total = models.PositiveIntegerField(_("items"), default=0)
    done_count = models.PositiveIntegerField(_("done"), default=0)
    skipped_count = models.PositiveIntegerField(_("skipped"), default=0)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    # Set when a run starts and after each item: the resume sweep leaves a job alone while it progresses.
    progressed_at = models.DateTimeField(_("last progress"), null=True, blank=True)

    class Meta:
        verbose_name = _("bulk job")
        verbose_name_plural = _("bulk jobs")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.transition} ({self.total})"


class BulkJobItem(models.Model):
    """One connection of a bulk job, with what happened to it."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        DONE = "done", _("Done")
        SKIPPED = "skipped", _("Skipped")

    job = models.ForeignKey(BulkJob, on_delete=models.CASCADE, related_name="items")
    connection = models.ForeignKey(Connection, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.PENDING)
    message = models.TextField(_("message"), blank=True)
    processed_at = models.DateTimeField(_("processed"), null=True, blank=True)

    class Meta:
        verbose_name = _("bulk job item")
        verbose_name_plural = _("bulk job items")
        constraints = [models.UniqueConstraint(fields=["job", "connection"], name="bulk_item_unique_per_job")]
        indexes = [models.Index(fields=["job", "status"], name="bulk_item_job_status_idx")]

    def __str__(self) -> str:
        return f"{self.job_id}:{self.connection_id} {self.status}"

from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from connections.models.connections import Connection, ConnectionState


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
    """One connection of a bulk job, with what happened to it. Why it was skipped is stored as a code with its
    details (connections.selectors.bulk.bulk_skip_reason writes it in the reader's language when shown); `message`
    holds only a reason that has no code."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        DONE = "done", _("Done")
        SKIPPED = "skipped", _("Skipped")

    class SkipReason(models.TextChoices):
        NOT_POSSIBLE = "not_possible", _("The step is not possible in the connection's state")
        CONDITIONS_UNMET = "conditions_unmet", _("A condition of the step is not met")
        NOT_ALLOWED = "not_allowed", _("The person who started the job may not take the step")
        GONE = "gone", _("The connection no longer exists")

    job = models.ForeignKey(BulkJob, on_delete=models.CASCADE, related_name="items")
    connection = models.ForeignKey(Connection, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.PENDING)
    message = models.TextField(_("message"), blank=True)
    skip_reason = models.CharField(_("reason skipped"), max_length=30, choices=SkipReason.choices, blank=True)
    # {"step": transition name, "state": state code, "conditions": [condition names]}: codes, never text
    skip_details = models.JSONField(_("reason details"), default=dict, blank=True)
    processed_at = models.DateTimeField(_("processed"), null=True, blank=True)

    class Meta:
        verbose_name = _("bulk job item")
        verbose_name_plural = _("bulk job items")
        constraints = [models.UniqueConstraint(fields=["job", "connection"], name="bulk_item_unique_per_job")]
        indexes = [models.Index(fields=["job", "status"], name="bulk_item_job_status_idx")]

    def __str__(self) -> str:
        return f"{self.job_id}:{self.connection_id} {self.status}"

    def get_skip_reason_text(self) -> str:
        """Why the item was skipped, in the active language (like get_FOO_display: the code is what is stored)."""
        return skip_reason_text(reason=self.skip_reason, details=self.skip_details, message=self.message)


def _step_label(step: str) -> str:
    method = getattr(Connection, step, None)
    for meta_transition in method._django_fsm.transitions.values() if method else ():
        return str(meta_transition.custom.get("label", step))
    return step


def _condition_message(step: str, name: str) -> str:
    method = getattr(Connection, step, None)
    for meta_transition in method._django_fsm.transitions.values() if method else ():
        for condition in meta_transition.conditions:
            if condition.__name__ == name:
                return str(getattr(condition, "message", name))
    return name


def skip_reason_text(*, reason: str, details: dict[str, Any], message: str = "") -> str:
    """A bulk item's skip reason, stored as a code with its details, in the active language."""
    codes = BulkJobItem.SkipReason
    step = str(details.get("step", ""))
    if reason == codes.NOT_POSSIBLE:
        state = str(details.get("state", ""))
        label = ConnectionState(state).label if state in ConnectionState.values else state
        return gettext("“%(step)s” is not possible while the connection is “%(state)s”. Nothing was changed.") % {
            "step": _step_label(step),
            "state": label,
        }
    if reason == codes.CONDITIONS_UNMET:
        return " ".join(_condition_message(step, name) for name in details.get("conditions", []))
    if reason == codes.NOT_ALLOWED:
        return gettext("You are not allowed to do “%(step)s”.") % {"step": _step_label(step)}
    if reason == codes.GONE:
        return gettext("This connection does not exist (any more).")
    return message

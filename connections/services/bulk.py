"""Bulk actions over many connections: every item is a row first, then a background task works through them."""

import datetime
import logging
import uuid
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from connections.models import BulkJob, BulkJobItem, Connection
from connections.services.connections import assignee_validate, connection_assign
from connections.services.submit_tokens import submit_owner_user, submit_token_claim, submit_token_record
from connections.services.transitions import (
    FINAL_TRANSITIONS,
    TRANSITION_NAMES,
    connection_transition,
    transition_label,
    transition_sources,
)
from htg_migration import clock
from htg_migration.errors import ApplicationError, ConflictError
from htg_migration.queueing import task_queue_on_commit

logger = logging.getLogger(__name__)

BULK_MAX_ITEMS = 100_000
# Not offered in bulk: the intake with a TLS upgrade carries the company's own expected date, one company at a time.
NOT_IN_BULK = frozenset({"receive_intake_awaiting_tls"})
ITEM_BATCH = 2_000


def bulk_job_validate(*, action: str, transition: str, assignee_id: int | None, limit: int | None) -> None:
    """The form's choices, checked before anything is counted or written (and before the confirmation step)."""
    if action == BulkJob.Action.TRANSITION and (transition not in TRANSITION_NAMES or transition in NOT_IN_BULK):
        raise ValidationError({"action": [_("Choose a step to run.")]})
    if action not in BulkJob.Action.values:
        raise ValidationError({"action": [_("Choose an action.")]})
    if action == BulkJob.Action.ASSIGN:
        assignee_validate(assignee_id=assignee_id)
    if limit is not None and not 0 < limit <= BULK_MAX_ITEMS:
        raise ValidationError({"limit": [_("Choose a number from 1 to %(max)s.") % {"max": f"{BULK_MAX_ITEMS:,}"}]})


def bulk_needs_confirmation(*, action: str, transition: str) -> bool:
    """A final step (withdraw, missed) is run on many connections only after the team has seen how many."""
    return action == BulkJob.Action.TRANSITION and transition in FINAL_TRANSITIONS


@transaction.atomic
def bulk_job_create(
    *,
    created_by: Any,
    action: str,
    connections: QuerySet[Connection],
    transition: str = "",
    assignee_id: int | None = None,
    note: str = "",
    selection: str = "",
    limit: int | None = None,
    submit_token: uuid.UUID | None = None,
    confirmed_total: int | None = None,
) -> BulkJob:
    """Record a bulk job and its items, and queue it once the transaction commits. The form sent again with the
    same `submit_token` writes and queues nothing and returns the first job.

    `confirmed_total` is the count the team confirmed: required for a final step, and when given the job is made
    only if the selection still holds exactly that many connections (what was confirmed is what is done). A step
    that applies to none of the connections' states is refused."""
    owner = submit_owner_user(created_by)
    earlier = submit_token_claim(token=submit_token, owner=owner, model=BulkJob)
    if earlier is not None:
        return earlier
    bulk_job_validate(action=action, transition=transition, assignee_id=assignee_id, limit=limit)
    if bulk_needs_confirmation(action=action, transition=transition) and confirmed_total is None:
        raise ValidationError({"selection": [_("Confirm the number of connections before a final step.")]})
    rows = list(connections.values_list("id", "state")[: limit or BULK_MAX_ITEMS + 1])
    if not rows:
        raise ValidationError({"selection": [_("Select at least one connection.")]})
    if len(rows) > BULK_MAX_ITEMS:
        raise ValidationError(
            {
                "selection": [
                    _("At most %(max)s connections at once: narrow the filter or set a limit.")
                    % {"max": f"{BULK_MAX_ITEMS:,}"}
                ]
            }
        )
    if confirmed_total is not None and confirmed_total != len(rows):
        raise ValidationError(
            {
                "selection": [
                    _(
                        "The selection changed after you confirmed it: it now holds %(count)s connections, not "
                        "%(confirmed)s. Nothing was started; check the list and start again."
                    )
                    % {"count": len(rows), "confirmed": confirmed_total}
                ]
            }
        )
    if action == BulkJob.Action.TRANSITION:
        sources = transition_sources()[transition]
        if not any(state in sources for _id, state in rows):
            raise ValidationError(
                {
                    "action": [
                        _("“%(step)s” applies to none of the selected connections. Nothing was started.")
                        % {"step": transition_label(transition)}
                    ]
                }
            )
    ids = [connection_id for connection_id, _state in rows]
    job = BulkJob.objects.create(
        created_by=created_by,
        action=action,
        transition=transition if action == BulkJob.Action.TRANSITION else "",
        assignee_id=assignee_id if action == BulkJob.Action.ASSIGN else None,
        note=note.strip()[:2000],
        selection=selection[:4000],
        total=len(ids),
        # When it happened on the programme's clock (shown); its progress on the real one (the sweep's timing).
        created_at=clock.now(),
        progressed_at=timezone.now(),
    )
    for start in range(0, len(ids), ITEM_BATCH):
        BulkJobItem.objects.bulk_create(
            [BulkJobItem(job=job, connection_id=connection_id) for connection_id in ids[start : start + ITEM_BATCH]]
        )
    submit_token_record(token=submit_token, owner=owner, created=job)
    from connections.tasks import bulk_job_run_task

    task_queue_on_commit(lambda: bulk_job_run_task.delay(job.pk))
    return job


def _skip_reason(*, job: BulkJob, item: BulkJobItem, error: ApplicationError) -> tuple[str, dict[str, Any], str]:
    """Why the item was skipped, as (code, details, message): codes, so that the page shows the reason in the
    reader's language; the error's text only for a refusal that has no code."""
    reasons = BulkJobItem.SkipReason
    if isinstance(error, ConflictError) and error.extra.get("state"):
        return reasons.NOT_POSSIBLE, {"step": job.transition, "state": error.extra["state"]}, ""
    if error.extra.get("conditions"):
        return reasons.CONDITIONS_UNMET, {"step": job.transition, "conditions": list(error.extra["conditions"])}, ""
    if not Connection.objects.filter(pk=item.connection_id).exists():
        return reasons.GONE, {}, ""
    return "", {}, error.message


def _process_item(*, job: BulkJob, item_id: int) -> None:
    """One item, in its own transaction: the work and the item's outcome commit together, or neither does."""
    with transaction.atomic():
        item = BulkJobItem.objects.select_for_update(skip_locked=True).filter(pk=item_id, status="pending").first()
        if item is None:  # done by another run of this job meanwhile
            return
        status, message = BulkJobItem.Status.DONE, ""
        reason: str = ""
        details: dict[str, Any] = {}
        try:
            with transaction.atomic():
                if job.action == BulkJob.Action.TRANSITION:
                    connection_transition(
                        connection_id=item.connection_id, transition=job.transition, actor=job.created_by, note=job.note
                    )
                else:
                    connection_assign(
                        connection_id=item.connection_id,
                        assignee_id=job.assignee_id,
                        actor=job.created_by,
                        note=job.note,
                    )
        except ApplicationError as error:
            status = BulkJobItem.Status.SKIPPED
            reason, details, message = _skip_reason(job=job, item=item, error=error)
        except PermissionDenied:
            status, reason, details = (
                BulkJobItem.Status.SKIPPED,
                BulkJobItem.SkipReason.NOT_ALLOWED,
                {"step": job.transition},
            )
        except ValidationError as error:  # say, the team member left the team after the job was started
            status, message = BulkJobItem.Status.SKIPPED, " ".join(error.messages)
        item.status, item.message, item.processed_at = status, message, clock.now()
        item.skip_reason, item.skip_details = reason, details
        item.save(update_fields=["status", "message", "skip_reason", "skip_details", "processed_at"])
        counter = "done_count" if status == BulkJobItem.Status.DONE else "skipped_count"
        BulkJob.objects.filter(pk=job.pk).update(**{counter: F(counter) + 1}, progressed_at=timezone.now())


def bulk_job_run(*, job_id: int) -> BulkJob:
    """Work through the job's pending items. Safe to run twice, or again after a crash: done items stay done."""
    job = BulkJob.objects.select_related("created_by").get(pk=job_id)
    if job.status == BulkJob.Status.FINISHED:
        return job
    BulkJob.objects.filter(pk=job.pk, started_at__isnull=True).update(started_at=clock.now())
    BulkJob.objects.filter(pk=job.pk).update(status=BulkJob.Status.RUNNING, progressed_at=timezone.now())
    pending = BulkJobItem.objects.filter(job=job, status=BulkJobItem.Status.PENDING).order_by("id")
    for item_id in list(pending.values_list("id", flat=True)):
        _process_item(job=job, item_id=item_id)
    if not BulkJobItem.objects.filter(job=job, status=BulkJobItem.Status.PENDING).exists():
        BulkJob.objects.filter(pk=job.pk).update(status=BulkJob.Status.FINISHED, finished_at=clock.now())
    job.refresh_from_db()
    return job


def bulk_jobs_unfinished(*, older_than: datetime.timedelta = datetime.timedelta(minutes=2)) -> list[int]:
    """Jobs not finished that have not progressed for some time (or never started): their task was lost or its
    worker died. A job that is running (it progressed within `older_than`) is never started a second time."""
    quiet_since = timezone.now() - older_than
    return list(
        BulkJob.objects.exclude(status=BulkJob.Status.FINISHED)
        .annotate(last_sign=Coalesce("progressed_at", "created_at"))
        .filter(last_sign__lt=quiet_since)
        .order_by("id")
        .values_list("id", flat=True)
    )

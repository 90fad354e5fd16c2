"""Bulk jobs as the team's pages show them."""

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from connections.models import BulkJob, BulkJobItem

SKIPPED_SHOWN = 500


def bulk_job_get(*, job_id: int) -> BulkJob:
    """The job with who made it and whom it assigns to; 404 for an unknown id."""
    return get_object_or_404(BulkJob.objects.select_related("created_by", "assignee"), pk=job_id)


def bulk_job_skipped(*, job: BulkJob) -> QuerySet[BulkJobItem]:
    """The first items the job skipped, each with its connection's company and flow."""
    return (
        BulkJobItem.objects.filter(job=job, status=BulkJobItem.Status.SKIPPED)
        .select_related("connection__customer", "connection__flow")
        .order_by("id")[:SKIPPED_SHOWN]
    )

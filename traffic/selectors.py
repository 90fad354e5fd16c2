"""Reads of the traffic files for the team's pages and the API."""

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from traffic.models import TrafficFile

RUNNING = (TrafficFile.Status.RECEIVED, TrafficFile.Status.CHECKING, TrafficFile.Status.APPLYING)


def traffic_file_list() -> QuerySet[TrafficFile]:
    """The files, newest first, with who uploaded them (one query)."""
    return TrafficFile.objects.select_related("uploaded_by").defer("report")


def traffic_file_detail(*, file_id: int) -> TrafficFile:
    return get_object_or_404(
        TrafficFile.objects.select_related("uploaded_by", "replaced_by", "duplicate_of"), pk=file_id
    )

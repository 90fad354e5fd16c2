"""The core team's escalation queue."""

from typing import Any

from django.db.models import QuerySet

from connections.models import Escalation
from connections.permissions import CORE_TEAM
from connections.selectors.connections import group_members

ESCALATION_SCOPES = ("open", "closed")


def escalation_queue(*, scope: str) -> QuerySet[Escalation]:
    """Open escalations oldest first (the longest waiting on top), or closed ones latest first; one query."""
    queryset = Escalation.objects.select_related("connection__customer", "connection__flow", "owner")
    if scope == "closed":
        return queryset.filter(closed_at__isnull=False).order_by("-closed_at", "-id")
    return queryset.filter(closed_at__isnull=True).order_by("opened_at", "id")


def core_team_members() -> list[Any]:
    return group_members(CORE_TEAM)

"""The weekly reports as the dashboard lists and serves them."""

from django.shortcuts import get_object_or_404

from reporting.models import WeeklyReport

REPORTS_SHOWN = 8


def weekly_report_list() -> list[WeeklyReport]:
    """The latest reports, without their files."""
    return list(WeeklyReport.objects.order_by("-week_start").only("id", "week_start", "as_of")[:REPORTS_SHOWN])


def weekly_report_get(*, report_id: int, kind: str) -> WeeklyReport:
    """One report with the file of `kind` ("pdf" or "xlsx") and without the other's blob; 404 for an unknown id."""
    return get_object_or_404(WeeklyReport.objects.defer("xlsx" if kind == "pdf" else "pdf"), pk=report_id)

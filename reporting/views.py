"""The programme dashboard (/team/dashboard/): will every connection be live by the deadline, and if not, what then.

A GET form chooses the day (time travel: the figures are rebuilt from the timeline) and a what-if (extra team
members; one plateau's start moved); both are links, so a view of the dashboard can be shared.
"""

from io import BytesIO

from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path

from connections.models import ConnectionState
from connections.views.access import team_required
from htg_migration import clock
from plateaus.selectors import plateau_numbers
from reporting.charts import burnup_chart, burnup_table, chart_svg, forecast_sentence
from reporting.charts_traffic import traffic_section
from reporting.forms import DashboardForm
from reporting.selectors import WhatIf, dashboard_build
from reporting.selectors.reports import weekly_report_get, weekly_report_list


@team_required
def dashboard_view(request: HttpRequest) -> HttpResponse:
    today = clock.today()
    form = DashboardForm(request.GET or None, today=today, plateau_numbers=plateau_numbers())
    is_valid = form.is_valid() if request.GET else True
    as_of = (form.cleaned_data.get("as_of") if is_valid and request.GET else None) or today
    what_if = form.what_if() if is_valid and request.GET else WhatIf()
    dashboard = dashboard_build(as_of=as_of, today=today, what_if=what_if)
    charts = []
    for plateau in dashboard.plateaus:
        chart = (
            chart_svg(
                burnup_chart(plateau=plateau, deadline=dashboard.deadline, as_of=as_of),
                chart_id=f"burnup-{plateau.number}",
            )
            if dashboard.deadline
            else ""
        )
        charts.append(
            {"plateau": plateau, "svg": chart, "forecast": forecast_sentence(plateau), "table": burnup_table(plateau)}
        )
    context = {
        "nav_active": "dashboard",
        "form": form,
        "dashboard": dashboard,
        "charts": charts,
        "states": ConnectionState.choices,
        "reports": weekly_report_list(),
        **traffic_section(as_of=as_of),
    }
    return render(request, "reporting/dashboard.html", context, status=200 if is_valid else 400)


@team_required
def weekly_report_download_view(request: HttpRequest, report_id: int, kind: str) -> FileResponse:
    report = weekly_report_get(report_id=report_id, kind=kind)
    content, content_type = (
        (report.pdf, "application/pdf")
        if kind == "pdf"
        else (report.xlsx, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    )
    return FileResponse(
        BytesIO(bytes(content)), as_attachment=True, filename=f"{report.file_stem}.{kind}", content_type=content_type
    )


urlpatterns = [
    path("team/dashboard/", dashboard_view, name="dashboard"),
    path(
        "team/dashboard/reports/<int:report_id>.pdf",
        weekly_report_download_view,
        {"kind": "pdf"},
        name="weekly_report_pdf",
    ),
    path(
        "team/dashboard/reports/<int:report_id>.xlsx",
        weekly_report_download_view,
        {"kind": "xlsx"},
        name="weekly_report_xlsx",
    ),
]

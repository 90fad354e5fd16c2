"""The programme dashboard (/team/dashboard/): will every connection be live by the deadline, and if not, what then.

A GET form chooses the day (time travel: the figures are rebuilt from the timeline) and a what-if (extra team
members; one plateau's start moved); both are links, so a view of the dashboard can be shared.
"""

import datetime
from io import BytesIO
from typing import Any

from django import forms
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from connections.models import ConnectionState
from connections.views.access import team_required
from htg_migration import clock
from htg_migration.forms import HtgForm
from plateaus.selectors import plateau_numbers
from reporting.charts import burnup_chart, chart_svg, forecast_sentence
from reporting.charts_traffic import traffic_section
from reporting.selectors import WhatIf, dashboard_build
from reporting.selectors.reports import weekly_report_get, weekly_report_list

EARLIEST_DAY = datetime.date(2000, 1, 1)
MAX_ADDED_MEMBERS = 500
MAX_MOVE_DAYS = 250


class DashboardForm(HtgForm):
    """The day to show and the what-if; every field may be left empty."""

    as_of = forms.DateField(
        label=gettext_lazy("Show the dashboard as of"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        input_formats=["%Y-%m-%d", "%d-%m-%Y"],
        error_messages={"invalid": gettext_lazy("Enter a date as year-month-day, for example 2020-05-15.")},
    )
    added_members = forms.IntegerField(
        label=gettext_lazy("Add team members"),
        required=False,
        min_value=0,
        max_value=MAX_ADDED_MEMBERS,
        error_messages={
            "invalid": gettext_lazy("Enter a whole number of team members."),
            "min_value": gettext_lazy("Team members to add cannot be negative."),
            "max_value": gettext_lazy("Add at most %(limit_value)s team members."),
        },
    )
    plateau = forms.TypedChoiceField(
        label=gettext_lazy("Move the start of plateau"), required=False, coerce=int, empty_value=None
    )
    move_days = forms.IntegerField(
        label=gettext_lazy("By working days (negative: earlier)"),
        required=False,
        min_value=-MAX_MOVE_DAYS,
        max_value=MAX_MOVE_DAYS,
        error_messages={
            "invalid": gettext_lazy("Enter a whole number of working days."),
            "min_value": gettext_lazy("Move the start by at most %(limit_value)s working days."),
            "max_value": gettext_lazy("Move the start by at most %(limit_value)s working days."),
        },
    )

    def __init__(self, *args: Any, today: datetime.date, plateau_numbers: list[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.today = today
        plateau = self.fields["plateau"]
        assert isinstance(plateau, forms.TypedChoiceField)
        plateau.choices = [("", _("None"))] + [
            (str(number), _("Plateau %(number)s") % {"number": number}) for number in plateau_numbers
        ]
        plateau.error_messages["invalid_choice"] = _("Choose one of the plateaus.")

    def clean_as_of(self) -> datetime.date | None:
        value: datetime.date | None = self.cleaned_data.get("as_of")
        if value is not None and value > self.today:
            raise forms.ValidationError(
                _("The dashboard cannot look ahead: choose %(today)s or an earlier day.")
                % {"today": date_format(self.today, "j F Y")}
            )
        if value is not None and value < EARLIEST_DAY:
            raise forms.ValidationError(_("Choose a day in this century."))
        return value

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("move_days") and cleaned.get("plateau") is None and "plateau" not in self.errors:
            self.add_error("plateau", _("Choose the plateau whose start moves."))
        return cleaned

    def what_if(self) -> WhatIf:
        data = self.cleaned_data
        return WhatIf(
            added_members=data.get("added_members") or 0,
            plateau_number=data.get("plateau"),
            move_working_days=data.get("move_days") or 0,
        )


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
        charts.append({"plateau": plateau, "svg": chart, "forecast": forecast_sentence(plateau)})
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

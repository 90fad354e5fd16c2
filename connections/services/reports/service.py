"""Making the weekly report: once per week, whoever runs the job and however often."""

import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from connections.models import WeeklyReport
from connections.selectors.dashboard import Dashboard, dashboard_build
from htg_migration import clock


def weekly_report_week(as_of: datetime.date) -> datetime.date:
    """The Monday of the week that `as_of` lies in."""
    return as_of - datetime.timedelta(days=as_of.weekday())


def report_rows(dashboard: Dashboard) -> list[tuple[str, int | float | str]]:
    """The headline figures as (label, value): the same in the PDF, the spreadsheet and on the dashboard."""
    capacity = dashboard.capacity
    rows: list[tuple[str, int | float | str]] = [
        (_("Figures as of"), date_format(dashboard.as_of, "Y-m-d")),
        (_("Deadline"), date_format(dashboard.deadline, "Y-m-d") if dashboard.deadline else ""),
        (_("Working days left"), dashboard.working_days_left),
        (_("Connections in use"), dashboard.total),
        (_("Connections live"), dashboard.live),
        (_("Companies able to message via HTG"), dashboard.companies_able),
        (_("Companies not yet able"), dashboard.companies_not_able),
        (_("Go-lives per working day needed"), round(dashboard.required_rate, 1)),
        (_("Go-lives per working day (recent)"), round(dashboard.actual_rate, 1)),
        (_("Connections waiting for their government party"), dashboard.blocked_pending),
        (_("Connections at risk"), dashboard.at_risk),
    ]
    if capacity is not None:
        rows += [
            (_("Connections that still need a slot"), capacity.needs_slot),
            (_("Bookable slots left before the deadline"), capacity.bookable_slots),
            (_("Shortfall in slots"), capacity.shortfall_slots),
            (
                _("Shortfall in team members"),
                capacity.shortfall_members if capacity.shortfall_members is not None else "",
            ),
        ]
    return rows


def weekly_report_generate(*, as_of: datetime.date) -> WeeklyReport:
    """The report of the week `as_of` lies in, with the dashboard's figures as of that day; made once.

    A report that exists for the week is returned as it is. Two runs at the same moment both build the files, but
    the unique week lets only one row in; the other returns that one.
    """
    from connections.services.reports.pdf import report_pdf
    from connections.services.reports.xlsx import report_xlsx

    week_start = weekly_report_week(as_of)
    existing = WeeklyReport.objects.filter(week_start=week_start).first()
    if existing is not None:
        return existing
    with translation.override(settings.HTG_REPORT_LANGUAGE):
        dashboard = dashboard_build(as_of=as_of, today=max(clock.today(), as_of))
        pdf, xlsx = report_pdf(dashboard), report_xlsx(dashboard)
    try:
        with transaction.atomic():
            return WeeklyReport.objects.create(week_start=week_start, as_of=as_of, pdf=pdf, xlsx=xlsx)
    except IntegrityError:
        return WeeklyReport.objects.get(week_start=week_start)

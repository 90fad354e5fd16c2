"""Making the weekly report: once per week, whoever runs the job and however often."""

import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import translation

from htg_migration import clock
from reporting.models import WeeklyReport
from reporting.selectors import dashboard_build
from reporting.selectors.traffic import dashboard_traffic
from reporting.services.figures import weekly_report_week
from reporting.services.pdf import report_pdf
from reporting.services.xlsx import report_xlsx


def weekly_report_generate(*, as_of: datetime.date) -> WeeklyReport:
    """The report of the week `as_of` lies in, with the dashboard's figures as of that day; made once.

    A report that exists for the week is returned as it is. Two runs at the same moment both build the files, but
    the unique week lets only one row in; the other returns that one.
    """
    week_start = weekly_report_week(as_of)
    existing = WeeklyReport.objects.filter(week_start=week_start).first()
    if existing is not None:
        return existing
    with translation.override(settings.HTG_REPORT_LANGUAGE):
        dashboard = dashboard_build(as_of=as_of, today=max(clock.today(), as_of))
        traffic = dashboard_traffic(as_of=as_of)
        pdf, xlsx = report_pdf(dashboard, traffic), report_xlsx(dashboard, traffic)
    try:
        with transaction.atomic():
            return WeeklyReport.objects.create(week_start=week_start, as_of=as_of, pdf=pdf, xlsx=xlsx)
    except IntegrityError:
        return WeeklyReport.objects.get(week_start=week_start)

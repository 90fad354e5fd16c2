"""The weekly report's figures and week, shared by the PDF, the spreadsheet and the service that makes them."""

import datetime

from django.utils.formats import date_format
from django.utils.translation import gettext as _

from reporting.selectors import Dashboard


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

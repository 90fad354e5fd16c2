"""The weekly report's figures and week, shared by the PDF, the spreadsheet and the service that makes them."""

import datetime
from decimal import Decimal

from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from reporting.selectors import Dashboard

# The report's one date style: "15 mei 2020" in Dutch, "15 May 2020" in English.
REPORT_DATE_FORMAT = "j F Y"


def weekly_report_week(as_of: datetime.date) -> datetime.date:
    """The Monday of the week that `as_of` lies in."""
    return as_of - datetime.timedelta(days=as_of.weekday())


def report_week_label(as_of: datetime.date) -> str:
    """The ISO week of `as_of` in words: "week 20 of 2020"."""
    year, week, _weekday = weekly_report_week(as_of).isocalendar()
    return _("week %(week)s of %(year)s") % {"week": week, "year": year}


def report_text(value: object) -> str:
    """A figure as the report prints it, in the language's own formats: "1.234", "13,9", "15 mei 2020" in Dutch."""
    if value is None:
        return ""
    if isinstance(value, datetime.date):
        return date_format(value, REPORT_DATE_FORMAT)
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, int):
        return number_format(value, force_grouping=True)
    if isinstance(value, float | Decimal):
        return number_format(value, decimal_pos=1, force_grouping=True)
    return str(value)


def report_rows(dashboard: Dashboard) -> list[tuple[str, int | float | str | datetime.date | None]]:
    """The headline figures as (label, value): the same in the PDF, the spreadsheet and on the dashboard. Dates are
    dates and numbers numbers (the spreadsheet keeps them so); `report_text` prints them."""
    capacity = dashboard.capacity
    rows: list[tuple[str, int | float | str | datetime.date | None]] = [
        (_("Figures as of"), dashboard.as_of),
        (_("Deadline"), dashboard.deadline),
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
            (_("Shortfall in team members"), capacity.shortfall_members),
        ]
    return rows


def report_verdict(dashboard: Dashboard) -> list[str]:
    """The headline verdict in words, first line first: the same judgement as the dashboard's (forecasts and capacity
    from one plan)."""
    if dashboard.on_track:
        return [
            _(
                "On track: at the recent rates every plateau is complete by the deadline, and the team can run every "
                "slot still needed."
            )
        ]
    lines = [_("Not on track:")]
    for plateau in dashboard.plateaus:
        if not plateau.forecast.meets_deadline:
            lines.append(
                _("plateau %(number)s is not forecast complete by the deadline (see its forecast below);")
                % {"number": plateau.number}
            )
    capacity = dashboard.capacity
    if capacity is not None and not capacity.is_enough:
        if capacity.shortfall_members is None:
            lines.append(
                ngettext(
                    "%(counter)s connection cannot get a slot: its plateau has no working day left before the "
                    "deadline.",
                    "%(counter)s connections cannot get a slot: a plateau has no working day left before the deadline.",
                    capacity.shortfall_slots,
                )
                % {"counter": report_text(capacity.shortfall_slots)}
            )
        else:
            lines.append(
                ngettext(
                    "%(counter)s connection would not get a slot before the deadline: the team is %(members)s short "
                    "(see the capacity below).",
                    "%(counter)s connections would not get a slot before the deadline: the team is %(members)s short "
                    "(see the capacity below).",
                    capacity.shortfall_slots,
                )
                % {"counter": report_text(capacity.shortfall_slots), "members": capacity.shortfall_members}
            )
    return lines


def report_risks_heading(dashboard: Dashboard) -> str:
    """The risk list's heading, which says so when the list is cut: "the 25 highest of 569"."""
    shown, total = len(dashboard.risks), dashboard.at_risk
    if shown < total:
        return _("Connections at risk: the %(shown)s highest of %(total)s") % {
            "shown": report_text(shown),
            "total": report_text(total),
        }
    return _("Connections at risk (%(total)s)") % {"total": report_text(total)}

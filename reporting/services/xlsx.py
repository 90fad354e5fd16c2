"""The weekly report as a spreadsheet: the headline, plateaus, flows per state, the burn-up with a chart, capacity
and risks, one sheet each. The numbers are numbers (not text), so the ministry can calculate with them; text is text
(htg_migration.spreadsheets: a company named "=HYPERLINK(...)" is never a formula)."""

import io

from django.utils.translation import gettext as _
from openpyxl.chart import LineChart, Reference
from openpyxl.styles import Font
from openpyxl.worksheet.worksheet import Worksheet

from connections.models import ConnectionState
from htg_migration.spreadsheets import workbook, xlsx_append, xlsx_put
from reporting.charts import forecast_sentence
from reporting.selectors import Dashboard, PlateauFigures
from reporting.selectors.traffic import TrafficFigures
from reporting.services.figures import report_risks_heading, report_rows
from reporting.services.traffic_report import traffic_xlsx_sheet

BOLD = Font(bold=True)


def _header(sheet: Worksheet, titles: list[str]) -> None:
    xlsx_append(sheet, titles)
    for cell in sheet[1]:
        cell.font = BOLD
    sheet.freeze_panes = "A2"


# Dates in the report's one style ("15 mei 2020" in a Dutch Excel): a date cell, so it stays a date.
DATE_FORMAT = "d mmmm yyyy"


def _dated(sheet: Worksheet) -> None:
    """Every date cell of the sheet in the report's date style."""
    for row in sheet.iter_rows():
        for cell in row:
            if cell.is_date:
                cell.number_format = DATE_FORMAT


def _forecast_dates(plateau: PlateauFigures) -> list[object]:
    """Expected, earliest and latest completion: blank when the plateau has no forecast (no go-live of late, or
    beyond the horizon) or is complete. The band's earliest date alone is no forecast."""
    forecast = plateau.forecast
    if forecast.expected is None or plateau.remaining == 0:
        return ["", "", ""]
    return [forecast.expected, forecast.earliest or "", forecast.latest or ""]


def report_xlsx(dashboard: Dashboard, traffic: TrafficFigures | None = None) -> bytes:
    book = workbook()
    headline = book.active
    headline.title = _("Headline")
    _header(headline, [_("Figure"), _("Value")])
    for label, value in report_rows(dashboard):
        xlsx_append(headline, [label, "" if value is None else value])
    headline.column_dimensions["A"].width = 48

    plateaus = book.create_sheet(_("Plateaus"))
    _header(
        plateaus,
        [
            _("Plateau"),
            _("Start"),
            _("In use"),
            _("Live"),
            _("Needed per working day"),
            _("Actual per working day"),
            _("Forecast complete"),
            _("Earliest"),
            _("Latest"),
            _("Waiting for the government party"),
            _("Forecast"),
        ],
    )
    for plateau in dashboard.plateaus:
        xlsx_append(
            plateaus,
            [
                plateau.number,
                plateau.start,
                plateau.total,
                plateau.live,
                round(plateau.required, 1),
                round(plateau.rate.rate, 1),
                *_forecast_dates(plateau),
                plateau.blocked_pending,
                forecast_sentence(plateau),
            ],
        )

    funnel = book.create_sheet(_("Funnel"))
    _header(funnel, [_("Plateau"), _("Flow"), _("Blocked"), *[str(label) for _value, label in ConnectionState.choices]])
    for flow in dashboard.flows:
        xlsx_append(
            funnel,
            [
                flow.plateau_number,
                flow.code,
                _("yes") if flow.is_blocked else _("no"),
                *[c for _s, _l, c in flow.funnel],
            ],
        )

    burnup = book.create_sheet(_("Burn-up"))
    row = 1
    for plateau in dashboard.plateaus:
        xlsx_put(burnup, row=row, column=1, value=_("Plateau %(number)s") % {"number": plateau.number}).font = BOLD
        xlsx_put(burnup, row=row + 1, column=1, value=_("Day")).font = BOLD
        xlsx_put(burnup, row=row + 1, column=2, value=_("Live")).font = BOLD
        xlsx_put(burnup, row=row + 1, column=3, value=_("Plan")).font = BOLD
        first = row + 2
        for offset, point in enumerate(plateau.series):
            xlsx_put(burnup, row=first + offset, column=1, value=point.day)
            xlsx_put(burnup, row=first + offset, column=2, value=point.live)
            xlsx_put(burnup, row=first + offset, column=3, value=round(point.plan, 1))
        last = first + max(len(plateau.series), 1) - 1
        chart = LineChart()
        chart.title = _("Plateau %(number)s: connections live against the plan") % {"number": plateau.number}
        chart.y_axis.title = _("Connections")
        chart.add_data(Reference(burnup, min_col=2, max_col=3, min_row=row + 1, max_row=last), titles_from_data=True)
        chart.set_categories(Reference(burnup, min_col=1, min_row=first, max_row=last))
        if len(chart.series) == 2:
            chart.series[1].graphicalProperties.line.dashStyle = "dash"  # the plan: dashed, not only another colour
        burnup.add_chart(chart, f"E{row}")
        row = max(last + 2, row + 18)

    capacity = book.create_sheet(_("Capacity"))
    _header(capacity, [_("Figure"), _("Value")])
    if dashboard.capacity is not None:
        plan = dashboard.capacity
        for label, value in (
            (_("Connections that still need a slot"), plan.needs_slot),
            (_("Bookable slots left before the deadline"), plan.bookable_slots),
            (_("Shortfall in slots"), plan.shortfall_slots),
            (_("Slots needed per working day"), round(plan.slots_per_day_needed, 1)),
            (_("Team members"), plan.members),
            (_("Team members needed"), plan.members_needed if plan.members_needed is not None else ""),
            (_("Shortfall in team members"), plan.shortfall_members if plan.shortfall_members is not None else ""),
        ):
            xlsx_append(capacity, [label, value])
    capacity.column_dimensions["A"].width = 44

    risks = book.create_sheet(_("Risks"))
    _header(risks, [_("Risk"), _("Company"), _("HTG number"), _("Flow"), _("State"), _("Why")])
    for risk in dashboard.risks:
        xlsx_append(
            risks,
            [
                risk.score,
                risk.customer,
                risk.htg_number or "",
                risk.flow_code,
                risk.state_label,
                " ".join(risk.reasons),
            ],
        )

    if len(dashboard.risks) < dashboard.at_risk:
        xlsx_append(risks, [])
        xlsx_append(risks, [report_risks_heading(dashboard)])
    if traffic is not None:
        traffic_xlsx_sheet(book, traffic, header=_header)
    for sheet in book.worksheets:
        _dated(sheet)

    output = io.BytesIO()
    book.save(output)
    return output.getvalue()

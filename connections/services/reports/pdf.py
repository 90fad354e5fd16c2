"""The weekly report as a PDF (reportlab, pure Python): headline, burn-up charts, funnel, capacity, readiness, risks.

The charts follow the page's rules: the actual line is solid and thick, the plan dashed, each labelled in the legend
by its pattern, and every chart has its numbers in a table next to it. Page streams are left uncompressed so that
the text of the figures can be found in the file (tests read it; so can a search tool at the ministry).
"""

import datetime
import io
from xml.sax.saxutils import escape

from django.utils.formats import date_format
from django.utils.translation import gettext as _
from reportlab.graphics.charts.legends import LineLegend
from reportlab.graphics.charts.lineplots import LinePlot
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from connections.charts import forecast_sentence
from connections.models import ConnectionState
from connections.selectors.dashboard import Dashboard, PlateauFigures
from connections.services.reports.figures import report_rows, weekly_report_week

GRID = TableStyle(
    [
        ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
        ("FONTNAME", (0, 0), (-1, 0), "Helvetica-Bold"),
        ("FONTSIZE", (0, 0), (-1, -1), 8),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]
)


def _burnup_drawing(plateau: PlateauFigures, deadline: datetime.date) -> Drawing:
    width, height = 150 * mm, 62 * mm
    drawing = Drawing(width, height)
    series = plateau.series
    first = series[0].day if series else plateau.start
    plot = LinePlot()
    plot.x, plot.y, plot.width, plot.height = 14 * mm, 14 * mm, width - 20 * mm, height - 22 * mm
    actual = [((point.day - first).days, point.live) for point in series] or [(0, 0)]
    plan = [((plateau.start - first).days, 0), ((deadline - first).days, plateau.total)]
    plot.data = [actual, plan]
    plot.lines[0].strokeColor = colors.black
    plot.lines[0].strokeWidth = 2.2
    plot.lines[1].strokeColor = colors.HexColor("#4a4a4a")
    plot.lines[1].strokeWidth = 1.2
    plot.lines[1].strokeDashArray = [5, 3]
    plot.xValueAxis.valueMin = 0
    plot.xValueAxis.valueMax = max((deadline - first).days, 1)
    plot.xValueAxis.labelTextFormat = lambda value: (first + datetime.timedelta(days=int(value))).strftime("%d-%m")
    plot.xValueAxis.labels.fontSize = 7
    plot.yValueAxis.valueMin = 0
    plot.yValueAxis.valueMax = max(plateau.total, 1)
    plot.yValueAxis.labels.fontSize = 7
    drawing.add(plot)
    legend = LineLegend()
    legend.x, legend.y = 16 * mm, height - 3 * mm
    legend.fontSize = 7
    legend.alignment = "right"
    legend.columnMaximum = 1
    legend.colorNamePairs = [(colors.black, _("Live (solid)")), (colors.HexColor("#4a4a4a"), _("Plan (dashed)"))]
    drawing.add(legend)
    drawing.add(
        String(
            width - 2 * mm,
            2 * mm,
            _("Deadline %(day)s") % {"day": deadline.strftime("%d-%m-%Y")},
            fontSize=7,
            textAnchor="end",
        )
    )
    return drawing


def report_pdf(dashboard: Dashboard) -> bytes:
    output = io.BytesIO()
    week = weekly_report_week(dashboard.as_of)
    document = SimpleDocTemplate(
        output,
        pagesize=landscape(A4),
        leftMargin=14 * mm,
        rightMargin=14 * mm,
        topMargin=12 * mm,
        bottomMargin=12 * mm,
        title=_("HTG migration: weekly report %(week)s") % {"week": f"{week:%G-W%V}"},
        author=_("HTG Migration Tracker"),
        pageCompression=0,
        lang="nl",
    )
    styles = getSampleStyleSheet()
    small = styles["BodyText"].clone("small", fontSize=8, leading=10)
    story: list = [
        Paragraph(escape(_("HTG migration: weekly report %(week)s") % {"week": f"{week:%G-W%V}"}), styles["Title"]),
        Paragraph(
            escape(
                _("%(programme)s. Figures as of %(day)s, the same as the dashboard of that day.")
                % {"programme": dashboard.programme_name, "day": date_format(dashboard.as_of)}
            ),
            styles["BodyText"],
        ),
        Spacer(1, 4 * mm),
        Paragraph(escape(_("Headline")), styles["Heading2"]),
        Table(
            [[_("Figure"), _("Value")], *[[label, str(value)] for label, value in report_rows(dashboard)]], style=GRID
        ),
    ]
    for plateau in dashboard.plateaus:
        figures = Table(
            [
                [_("Figure"), _("Value")],
                [_("In use"), str(plateau.total)],
                [_("Live"), str(plateau.live)],
                [_("Needed per working day"), f"{plateau.required:.1f}"],
                [_("Actual per working day"), f"{plateau.rate.rate:.1f}"],
                [_("Waiting for the government party"), str(plateau.blocked_pending)],
            ],
            style=GRID,
        )
        parts = [
            Paragraph(escape(plateau.name), styles["Heading2"]),
        ]
        if dashboard.deadline is not None:
            parts.append(Table([[_burnup_drawing(plateau, dashboard.deadline), figures]]))
        else:
            parts.append(figures)
        parts.append(Paragraph(escape(forecast_sentence(plateau)), styles["BodyText"]))
        story.append(KeepTogether(parts))
    story += [
        Paragraph(escape(_("Where the connections are: per plateau and flow")), styles["Heading2"]),
        Table(
            [
                [_("Flow"), *[Paragraph(escape(str(label)), small) for _value, label in ConnectionState.choices]],
                *[
                    [
                        f"{flow.plateau_number} · {flow.code}" + (" (" + _("blocked") + ")" if flow.is_blocked else ""),
                        *[str(count) for _state, _label, count in flow.funnel],
                    ]
                    for flow in dashboard.flows
                ],
            ],
            style=GRID,
            repeatRows=1,
        ),
    ]
    if dashboard.capacity is not None:
        plan = dashboard.capacity
        story += [
            Paragraph(escape(_("Capacity")), styles["Heading2"]),
            Table(
                [
                    [_("Figure"), _("Value")],
                    [_("Connections that still need a slot"), str(plan.needs_slot)],
                    [_("Bookable slots left before the deadline"), str(plan.bookable_slots)],
                    [_("Shortfall in slots"), str(plan.shortfall_slots)],
                    [_("Team members"), str(plan.members)],
                    [_("Team members needed"), "-" if plan.members_needed is None else str(plan.members_needed)],
                    [
                        _("Shortfall in team members"),
                        "-" if plan.shortfall_members is None else str(plan.shortfall_members),
                    ],
                ],
                style=GRID,
            ),
        ]
    blocked = [flow for flow in dashboard.flows if flow.is_blocked]
    story.append(Paragraph(escape(_("Government-party readiness")), styles["Heading2"]))
    if blocked:
        for flow in blocked:
            story.append(
                Paragraph(
                    escape(
                        _("%(flow)s is blocked: waiting for %(parties)s; %(count)s connections counted apart.")
                        % {"flow": flow.code, "parties": ", ".join(flow.waiting_parties), "count": flow.pending}
                    ),
                    styles["BodyText"],
                )
            )
    else:
        story.append(
            Paragraph(escape(_("Every flow is open: all government parties are connected to HTG.")), styles["BodyText"])
        )
    story += [
        Paragraph(escape(_("Connections at risk")) + f" ({dashboard.at_risk})", styles["Heading2"]),
        Table(
            [
                [_("Risk"), _("Company"), _("Flow"), _("State"), _("Why")],
                *[
                    [
                        str(risk.score),
                        Paragraph(escape(risk.customer), small),
                        risk.flow_code,
                        Paragraph(escape(risk.state_label), small),
                        Paragraph(escape(" ".join(risk.reasons)), small),
                    ]
                    for risk in dashboard.risks
                ],
            ],
            style=GRID,
            colWidths=[12 * mm, 60 * mm, 16 * mm, 30 * mm, 150 * mm],
            repeatRows=1,
        ),
    ]
    document.build(story)
    return output.getvalue()

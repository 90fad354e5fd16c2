"""The weekly report as a PDF (reportlab, pure Python): headline, burn-up charts, funnel, capacity, readiness, risks.

The burn-up charts are the dashboard's own (reporting/charts.py: one definition, drawn as SVG there and as a
reportlab Drawing here), and every chart has its numbers in a table next to it. Page streams are left uncompressed
so that the text of the figures can be found in the file (tests read it; so can a search tool at the ministry).
All text is set in DejaVu Sans, embedded (reporting/pdf_fonts.py), so that every company's name prints as written;
right-to-left names (Hebrew, Arabic) are put in drawing order first (python-bidi, arabic-reshaper): reportlab draws
left to right, and its own bidirectional support needs rlbidi, which is not on PyPI.
"""

import io
from xml.sax.saxutils import escape

import arabic_reshaper
from bidi import get_display
from django.utils import translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, PageBreak, Paragraph, SimpleDocTemplate, Table, TableStyle

from connections.models import ConnectionState
from reporting.charts import burnup_chart, chart_drawing, forecast_sentence
from reporting.pdf_fonts import pdf_fonts_register
from reporting.selectors import Dashboard
from reporting.selectors.traffic import TrafficFigures
from reporting.services.figures import (
    REPORT_DATE_FORMAT,
    report_risks_heading,
    report_rows,
    report_text,
    report_verdict,
    report_week_label,
)
from reporting.services.traffic_report import traffic_pdf_story


def _text(value: str) -> str:
    """A text for a paragraph: in the order its letters are drawn, left to right (right-to-left words reversed, as
    the Unicode bidirectional algorithm says, and Arabic letters in their joined forms), and escaped for reportlab's
    markup. Latin, Greek or Cyrillic text stays as it is."""
    return escape(get_display(arabic_reshaper.reshape(value)))


def _grid() -> TableStyle:
    regular, bold = pdf_fonts_register()
    return TableStyle(
        [
            ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
            ("FONTNAME", (0, 0), (-1, -1), regular),
            ("FONTNAME", (0, 0), (-1, 0), bold),
            ("FONTSIZE", (0, 0), (-1, -1), 8),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ]
    )


def _styles() -> dict[str, ParagraphStyle]:
    """reportlab's sample styles, in the embedded fonts."""
    regular, bold = pdf_fonts_register()
    sample = getSampleStyleSheet()
    styles = {
        "Title": sample["Title"].clone("Title", fontName=bold),
        "Heading2": sample["Heading2"].clone("Heading2", fontName=bold),
        "BodyText": sample["BodyText"].clone("BodyText", fontName=regular),
    }
    styles["small"] = styles["BodyText"].clone("small", fontSize=8, leading=10)
    return styles


def _side_by_side(rows: list[list[str]], *, header: list[str]) -> Table:
    """A two-column list of figures as two tables side by side, each with its header, so that the headline fits on
    page 1 with the verdict and the forecast."""
    grid = _grid()
    half = (len(rows) + 1) // 2
    left, right = (
        Table([header, *part], style=grid, repeatRows=1, colWidths=[85 * mm, 30 * mm])
        for part in (rows[:half], rows[half:])
    )
    return Table([[left, right]], style=[("VALIGN", (0, 0), (-1, -1), "TOP")], hAlign="LEFT")


def report_pdf(dashboard: Dashboard, traffic: TrafficFigures | None = None) -> bytes:
    output = io.BytesIO()
    week = report_week_label(dashboard.as_of)
    regular, _bold = pdf_fonts_register()
    document = SimpleDocTemplate(
        output,
        pagesize=landscape(A4),
        leftMargin=14 * mm,
        rightMargin=14 * mm,
        topMargin=12 * mm,
        bottomMargin=12 * mm,
        title=_("HTG migration: weekly report, %(week)s") % {"week": week},
        author=_("HTG Migration Tracker"),
        pageCompression=0,
        lang=translation.get_language() or "nl",
        initialFontName=regular,  # else each page declares Helvetica, which is not embedded
    )
    styles = _styles()
    small = styles["small"]
    grid = _grid()
    verdict = report_verdict(dashboard)
    # Page 1 answers the ministry's question on its own: the date, the verdict, each plateau's forecast, the figures.
    story: list = [
        Paragraph(_text(_("HTG migration: weekly report, %(week)s") % {"week": week}), styles["Title"]),
        Paragraph(
            _text(
                _("%(programme)s. Figures as of %(day)s, the same as the dashboard of that day.")
                % {
                    "programme": dashboard.programme_name,
                    "day": date_format(dashboard.as_of, REPORT_DATE_FORMAT),
                }
            ),
            styles["BodyText"],
        ),
        Paragraph(_text(_("Verdict")), styles["Heading2"]),
        Paragraph("<b>" + _text(verdict[0]) + "</b>", styles["BodyText"]),
        *[Paragraph("• " + _text(line), styles["BodyText"]) for line in verdict[1:]],
        Paragraph(_text(_("Forecast per plateau")), styles["Heading2"]),
        *[
            Paragraph(_text(f"{plateau.name}: {forecast_sentence(plateau)}"), styles["BodyText"])
            for plateau in dashboard.plateaus
        ],
        Paragraph(_text(_("Headline")), styles["Heading2"]),
        _side_by_side(
            [[label, report_text(value)] for label, value in report_rows(dashboard)], header=[_("Figure"), _("Value")]
        ),
        PageBreak(),
    ]
    for plateau in dashboard.plateaus:
        figures = Table(
            [
                [_("Figure"), _("Value")],
                [_("In use"), report_text(plateau.total)],
                [_("Live"), report_text(plateau.live)],
                [_("Needed per working day"), report_text(plateau.required)],
                [_("Actual per working day"), report_text(plateau.rate.rate)],
                [_("Waiting for the government party"), report_text(plateau.blocked_pending)],
            ],
            style=grid,
            repeatRows=1,
        )
        parts = [
            Paragraph(_text(plateau.name), styles["Heading2"]),
        ]
        if dashboard.deadline is not None:
            chart = burnup_chart(plateau=plateau, deadline=dashboard.deadline, as_of=dashboard.as_of)
            parts.append(
                Table(
                    [[chart_drawing(chart, width=160 * mm), figures]], style=[("FONTNAME", (0, 0), (-1, -1), regular)]
                )
            )
        else:
            parts.append(figures)
        parts.append(Paragraph(_text(forecast_sentence(plateau)), styles["BodyText"]))
        story.append(KeepTogether(parts))
    story += [
        Paragraph(_text(_("Where the connections are: per plateau and flow")), styles["Heading2"]),
        Table(
            [
                [_("Flow"), *[Paragraph(_text(str(label)), small) for _value, label in ConnectionState.choices]],
                *[
                    [
                        f"{flow.plateau_number} · {flow.code}" + (" (" + _("blocked") + ")" if flow.is_blocked else ""),
                        *[report_text(count) for _state, _label, count in flow.funnel],
                    ]
                    for flow in dashboard.flows
                ],
            ],
            style=grid,
            repeatRows=1,
        ),
    ]
    if dashboard.capacity is not None:
        plan = dashboard.capacity
        story += [
            Paragraph(_text(_("Capacity")), styles["Heading2"]),
            Table(
                [
                    [_("Figure"), _("Value")],
                    [_("Connections that still need a slot"), report_text(plan.needs_slot)],
                    [_("Bookable slots left before the deadline"), report_text(plan.bookable_slots)],
                    [_("Shortfall in slots"), report_text(plan.shortfall_slots)],
                    [_("Team members"), report_text(plan.members)],
                    [
                        _("Team members needed"),
                        "-" if plan.members_needed is None else report_text(plan.members_needed),
                    ],
                    [
                        _("Shortfall in team members"),
                        "-" if plan.shortfall_members is None else report_text(plan.shortfall_members),
                    ],
                ],
                style=grid,
                repeatRows=1,
            ),
        ]
    blocked = [flow for flow in dashboard.flows if flow.is_blocked]
    story.append(Paragraph(_text(_("Government-party readiness")), styles["Heading2"]))
    if blocked:
        for flow in blocked:
            story.append(
                Paragraph(
                    _text(
                        _("%(flow)s is blocked: waiting for %(parties)s; %(count)s connections counted apart.")
                        % {
                            "flow": flow.code,
                            "parties": ", ".join(flow.waiting_parties),
                            "count": report_text(flow.pending),
                        }
                    ),
                    styles["BodyText"],
                )
            )
    else:
        story.append(
            Paragraph(_text(_("Every flow is open: all government parties are connected to HTG.")), styles["BodyText"])
        )
    if traffic is not None:
        story += traffic_pdf_story(traffic, styles=styles, grid=grid, text=_text)
    story += [
        Paragraph(_text(report_risks_heading(dashboard)), styles["Heading2"]),
        Table(
            [
                [_("Risk"), _("Company"), _("Flow"), _("State"), _("Why")],
                *[
                    [
                        report_text(risk.score),
                        Paragraph(_text(risk.customer), small),
                        risk.flow_code,
                        Paragraph(_text(risk.state_label), small),
                        Paragraph(_text(" ".join(risk.reasons)), small),
                    ]
                    for risk in dashboard.risks
                ],
            ],
            style=grid,
            colWidths=[12 * mm, 60 * mm, 16 * mm, 30 * mm, 150 * mm],
            repeatRows=1,
        ),
    ]
    document.build(story)
    return output.getvalue()

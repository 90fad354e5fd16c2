"""The weekly report's traffic figures, the same as the dashboard's traffic section (reporting.selectors.traffic):
the share of the production volume on HTG (the chart with its numbers per flow), the connections live but still on
Digipoort, the top senders still on Digipoort and those without a connection. A PDF part and a spreadsheet sheet."""

from typing import Any

from django.utils.translation import gettext as _
from openpyxl import Workbook
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, Table, TableStyle

from htg_migration.spreadsheets import xlsx_append
from reporting.charts import chart_drawing
from reporting.charts_traffic import share_chart
from reporting.selectors.traffic import TrafficFigures, Volume
from reporting.services.figures import report_text


def _share(volume: Volume) -> str:
    return "-" if volume.share is None else f"{volume.share:.1f}%"


def traffic_headline(figures: TrafficFigures) -> str:
    if not figures.has_traffic:
        return _("No traffic of the gateways has been applied for the six months up to this day.")
    return _("On %(day)s, %(share)s of all production messages went via HTG.") % {
        "day": figures.days[-1].isoformat(),
        "share": _share(figures.latest),
    }


def traffic_pdf_story(figures: TrafficFigures, *, styles: Any, grid: TableStyle, text: Any) -> list[Any]:
    """The report's traffic part: heading, headline, chart and tables (`text` makes a string safe for a paragraph)."""
    small = styles["small"]
    story: list[Any] = [
        Paragraph(text(_("Message traffic: the volume on HTG")), styles["Heading2"]),
        Paragraph(text(traffic_headline(figures)), styles["BodyText"]),
    ]
    if not figures.has_traffic:
        return story
    story += [
        chart_drawing(share_chart(figures), width=200 * mm),
        Table(
            [
                [_("Flow"), _("Last day: HTG"), _("Last day: Digipoort"), _("Last day: share"), _("Six months: share")],
                *[
                    [
                        f"{flow.plateau_number} · {flow.code}",
                        report_text(flow.last_day.htg),
                        report_text(flow.last_day.digipoort),
                        _share(flow.last_day),
                        _share(flow.window),
                    ]
                    for flow in figures.flows
                ],
            ],
            style=grid,
            repeatRows=1,
        ),
        Paragraph(
            text(_("Live but still on Digipoort: %(count)s") % {"count": report_text(figures.live_on_digipoort_count)}),
            styles["Heading2"],
        ),
        Table(
            [
                [_("Company"), _("Flow"), _("Messages via Digipoort since"), _("Last seen")],
                *[
                    [Paragraph(text(row.customer), small), row.flow_code, report_text(row.messages), str(row.last_seen)]
                    for row in figures.live_on_digipoort
                ],
            ],
            style=grid,
            repeatRows=1,
        ),
        Paragraph(text(_("Top senders still on Digipoort")), styles["Heading2"]),
        Table(
            [
                [_("Sender"), _("Company"), _("Messages via Digipoort"), _("Last seen")],
                *[
                    [
                        f"{row.scheme} {row.identity}",
                        Paragraph(text(row.customer or _("unknown: no company in the register")), small),
                        report_text(row.messages),
                        str(row.last_seen),
                    ]
                    for row in figures.top_digipoort
                ],
            ],
            style=grid,
            repeatRows=1,
        ),
        Paragraph(
            text(
                _(
                    "On Digipoort without a connection: %(unknown)s senders match no company; %(companies)s companies "
                    "sent a flow they have no connection for."
                )
                % {
                    "unknown": report_text(figures.unknown_senders_count),
                    "companies": report_text(figures.without_connection_count),
                }
            ),
            styles["BodyText"],
        ),
    ]
    return story


def traffic_xlsx_sheet(book: Workbook, figures: TrafficFigures, *, header: Any) -> None:
    """The report's traffic sheet: the share per plateau and day, then the lists."""
    sheet = book.create_sheet(_("Traffic"))
    header(sheet, [_("Day"), *[_("Plateau %(number)s: share on HTG") % {"number": p.number} for p in figures.plateaus]])
    for day, volumes in figures.table:
        xlsx_append(sheet, [day, *[round(volume.share, 1) if volume.share is not None else "" for volume in volumes]])
    xlsx_append(sheet, [])
    xlsx_append(
        sheet,
        [_("Flow"), _("Last day: HTG"), _("Last day: Digipoort"), _("Six months: HTG"), _("Six months: Digipoort")],
    )
    for flow in figures.flows:
        xlsx_append(
            sheet, [flow.code, flow.last_day.htg, flow.last_day.digipoort, flow.window.htg, flow.window.digipoort]
        )
    xlsx_append(sheet, [])
    xlsx_append(sheet, [_("Live but still on Digipoort"), figures.live_on_digipoort_count])
    for row in figures.live_on_digipoort:
        xlsx_append(sheet, [row.customer, row.flow_code, row.messages, row.last_seen])
    xlsx_append(sheet, [])
    xlsx_append(sheet, [_("Top senders still on Digipoort")])
    for sender in figures.top_digipoort:
        xlsx_append(sheet, [f"{sender.scheme} {sender.identity}", sender.customer, sender.messages, sender.last_seen])
    xlsx_append(sheet, [_("Senders matching no company"), figures.unknown_senders_count])
    xlsx_append(
        sheet, [_("Companies on Digipoort without a connection for the flow"), figures.without_connection_count]
    )
    sheet.column_dimensions["A"].width = 40

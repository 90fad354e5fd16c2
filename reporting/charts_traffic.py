"""The traffic share chart: per plateau, the percentage of the production message volume that went via HTG, per day.
Defined once (reporting.charts' Chart) and drawn as SVG on the dashboard and as a Drawing in the weekly PDF; each
line has its own dash pattern and its label at its end, and the page shows the same numbers as a table."""

import datetime
from typing import Any

from django.utils.formats import date_format
from django.utils.translation import gettext as _

from htg_migration.dates import date_text
from reporting.charts import BOTTOM, GRID, HEIGHT, INK, LEFT, RIGHT, TOP, WIDTH, Chart, Label, Line, chart_svg
from reporting.selectors.traffic import TrafficFigures, dashboard_traffic

# One look per plateau that does not rely on colour: (ink, width, dash).
LOOKS = (
    ("#1b1b1b", 3.0, ()),
    ("#00508c", 2.0, (8.0, 5.0)),
    ("#4a4a4a", 2.5, (1.0, 4.0)),
    ("#1b1b1b", 1.5, (12.0, 3.0, 2.0, 3.0)),
)


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value:.0f}%"


def share_chart(figures: TrafficFigures) -> Chart:
    """The share on HTG per plateau and day over the figures' days."""
    days = figures.days
    first, last = days[0], days[-1]
    span = max((last - first).days, 1)

    def x(day: object) -> float:
        return LEFT + (WIDTH - LEFT - RIGHT) * (day - first).days / span  # type: ignore[operator]

    def y(percent: float) -> float:
        return TOP + (HEIGHT - TOP - BOTTOM) * (1 - percent / 100)

    latest = figures.latest
    chart = Chart(
        title=_("Share of the production message volume via HTG, per plateau and day"),
        summary=_(
            "From %(first)s to %(last)s. On %(last)s, %(share)s of all production messages went via HTG: %(parts)s."
        )
        % {
            "first": date_format(first, "j F Y"),
            "last": date_format(last, "j F Y"),
            "share": _percent(latest.share),
            "parts": "; ".join(
                _("plateau %(number)s %(share)s") % {"number": plateau.number, "share": _percent(plateau.latest.share)}
                for plateau in figures.plateaus
            ),
        },
    )
    for step in range(6):
        percent = step * 20
        chart.lines.append(Line(((LEFT, y(percent)), (WIDTH - RIGHT, y(percent))), GRID))
        chart.labels.append(Label(LEFT - 6, y(percent) + 4, f"{percent}%", anchor="end"))
    bottom = HEIGHT - BOTTOM
    chart.lines.append(Line(((LEFT, bottom), (WIDTH - RIGHT, bottom)), INK))
    chart.labels.append(Label(x(first), bottom + 18, date_text(first, "j M")))
    chart.labels.append(Label(x(last), bottom + 18, date_text(last, "j M"), anchor="end"))
    ends: list[tuple[float, str]] = []
    for index, plateau in enumerate(figures.plateaus):
        ink, width, dash = LOOKS[index % len(LOOKS)]
        points = tuple((x(day), y(volume.share)) for day, volume in plateau.days if volume.share is not None)
        if not points:
            continue
        chart.lines.append(Line(points if len(points) > 1 else (points[0], points[0]), ink, width, dash))
        text = _("Plateau %(number)s: %(share)s") % {"number": plateau.number, "share": _percent(plateau.latest.share)}
        ends.append((points[-1][1] + 4, text))
    # The direct labels at the lines' ends, moved apart where lines end close together.
    previous = float("-inf")
    for label_y, text in sorted(ends):
        label_y = max(label_y, previous + 14)
        chart.labels.append(Label(WIDTH - RIGHT + 6, label_y, text))
        previous = label_y
    return chart


def traffic_section(*, as_of: datetime.date) -> dict[str, Any]:
    """The dashboard's traffic section: its figures and, when there is traffic, the chart as SVG."""
    figures = dashboard_traffic(as_of=as_of)
    svg = chart_svg(share_chart(figures), chart_id="traffic-share") if figures.has_traffic else ""
    return {"traffic": figures, "traffic_chart": svg}

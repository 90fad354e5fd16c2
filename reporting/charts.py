"""Charts drawn on the server: no script, no CDN. They do not rely on colour: every line has its own dash pattern
and thickness and is labelled directly at its end, and the page and the report show the same numbers as a table.

A chart is defined once (`burnup_chart`: its lines, band and labels in one coordinate system, y pointing down) and
drawn twice from that definition: as SVG for the dashboard (`chart_svg`) and as a reportlab Drawing for the weekly
PDF (`chart_drawing`), so the page and the report always show the same chart.
"""

import datetime
import functools
from dataclasses import dataclass, field

from django.conf import settings
from django.template.defaultfilters import floatformat
from django.utils import translation
from django.utils.formats import date_format, localize, number_format
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from reportlab.graphics.shapes import Drawing, Polygon, PolyLine, String
from reportlab.lib import colors

from htg_migration.dates import date_pattern, date_text
from reporting.pdf_fonts import pdf_fonts_register
from reporting.selectors import PlateauFigures

WIDTH, HEIGHT = 640, 300
LEFT, RIGHT, TOP, BOTTOM = 56, 150, 16, 40  # room for the axis labels and, on the right, the direct labels
INK, PLAN_INK, FORECAST_INK, GRID = "#1b1b1b", "#4a4a4a", "#00508c", "#c8c8c8"
FONT_SIZE = 12

Point = tuple[float, float]


@dataclass(frozen=True)
class Line:
    points: tuple[Point, ...]
    ink: str
    width: float = 1
    dash: tuple[float, ...] = ()
    round_cap: bool = False


@dataclass(frozen=True)
class Band:
    """An area drawn hatched (SVG) or tinted (PDF): the forecast's range."""

    points: tuple[Point, ...]
    ink: str


@dataclass(frozen=True)
class Label:
    x: float
    y: float
    text: str
    anchor: str = "start"  # start, middle or end
    bold: bool = False


@dataclass(frozen=True)
class Chart:
    """One chart, whatever draws it: size, title and description in words, and its shapes in drawing order."""

    title: str
    summary: str
    width: int = WIDTH
    height: int = HEIGHT
    bands: list[Band] = field(default_factory=list)
    lines: list[Line] = field(default_factory=list)
    labels: list[Label] = field(default_factory=list)


@dataclass(frozen=True)
class _Scale:
    first: datetime.date
    last: datetime.date
    top: int

    def x(self, day: datetime.date) -> float:
        span = max((self.last - self.first).days, 1)
        return LEFT + (WIDTH - LEFT - RIGHT) * (day - self.first).days / span

    def y(self, value: float) -> float:
        return TOP + (HEIGHT - TOP - BOTTOM) * (1 - value / self.top)


def _nice_top(value: int) -> int:
    """A round number at or above `value` for the top of the axis."""
    if value <= 10:
        return 10
    magnitude = 10 ** (len(str(value)) - 1)
    for step in (1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10):
        top = int(step * magnitude)
        if top >= value:
            return top
    return value


def _short(day: datetime.date) -> str:
    return date_text(day, "j M")


def _count(value: int) -> str:
    return number_format(value, force_grouping=True)


def burnup_chart(*, plateau: PlateauFigures, deadline: datetime.date, as_of: datetime.date) -> Chart:
    """The plateau's burn-up: connections live per day (solid), the plan line from its start to the deadline
    (dashed), and the forecast at the recent rate (dotted) with its band, up to the deadline."""
    series = plateau.series
    forecast = plateau.forecast
    first = min([series[0].day if series else plateau.start, plateau.start])
    last = max(deadline, as_of)
    if forecast.expected and forecast.expected > last:
        last = min(forecast.expected, last + datetime.timedelta(days=90))
    scale = _Scale(first=first, last=last, top=_nice_top(max(plateau.total, 1)))
    chart = Chart(
        title=_("Plateau %(number)s: connections live against the plan") % {"number": plateau.number},
        summary=_(
            "%(live)s of %(total)s connections live on %(day)s; the plan line rises from 0 on %(start)s to %(total)s "
            "on %(deadline)s. %(forecast)s"
        )
        % {
            "live": _count(plateau.live),
            "total": _count(plateau.total),
            "day": date_format(as_of, "j F Y"),
            "start": date_format(plateau.start, "j F Y"),
            "deadline": date_format(deadline, "j F Y"),
            "forecast": forecast_sentence(plateau),
        },
    )
    lines, labels = chart.lines, chart.labels
    # Grid and axes: five horizontal lines with their values, the start and the deadline marked on the time axis.
    for step in range(6):
        value = scale.top * step / 5
        y = scale.y(value)
        lines.append(Line(((LEFT, y), (WIDTH - RIGHT, y)), GRID))
        labels.append(Label(LEFT - 6, y + 4, _count(round(value)), anchor="end"))
    bottom = HEIGHT - BOTTOM
    lines.append(Line(((LEFT, bottom), (WIDTH - RIGHT, bottom)), INK))
    for day in (first, as_of, deadline):
        lines.append(Line(((scale.x(day), bottom), (scale.x(day), bottom + 5)), INK))
    labels.append(Label(scale.x(first), bottom + 18, _short(first)))
    labels.append(Label(scale.x(deadline), bottom + 32, _("Deadline %(day)s") % {"day": _short(deadline)}, "middle"))
    if first < as_of < deadline:
        labels.append(Label(scale.x(as_of), bottom + 18, _short(as_of), anchor="middle"))
    x_deadline = scale.x(deadline)
    lines.append(Line(((x_deadline, TOP), (x_deadline, bottom)), INK, dash=(2, 3)))
    # The forecast band: a triangle from today's figure to the earliest and latest completion dates.
    now_x, now_y, total_y = scale.x(as_of), scale.y(plateau.live), scale.y(plateau.total)
    if forecast.expected and forecast.expected > as_of:
        earliest = forecast.earliest or forecast.expected
        latest = min(forecast.latest or last, last)
        chart.bands.append(
            Band(((now_x, now_y), (scale.x(earliest), total_y), (scale.x(latest), total_y)), FORECAST_INK)
        )
        end_x = scale.x(min(forecast.expected, last))
        end_y = (
            total_y
            if forecast.expected <= last
            else scale.y(
                plateau.live
                + (plateau.total - plateau.live) * (last - as_of).days / max((forecast.expected - as_of).days, 1)
            )
        )
        lines.append(Line(((now_x, now_y), (end_x, end_y)), FORECAST_INK, 2.5, dash=(1, 4), round_cap=True))
        labels.append(
            Label(
                min(end_x + 6, WIDTH - RIGHT + 6),
                end_y + 16,
                _("Forecast %(day)s") % {"day": _short(forecast.expected)},
            )
        )
    # The plan line (dashed) and the actual line (solid, thick), each labelled at its end.
    lines.append(Line(((scale.x(plateau.start), scale.y(0)), (x_deadline, total_y)), PLAN_INK, 2, dash=(8, 5)))
    labels.append(Label(x_deadline + 6, total_y - 4, _("Plan: %(total)s") % {"total": _count(plateau.total)}))
    if series:
        lines.append(Line(tuple((scale.x(point.day), scale.y(point.live)) for point in series), INK, 3))
        labels.append(Label(now_x + 6, now_y + 4, _("Live: %(live)s") % {"live": _count(plateau.live)}, bold=True))
    return chart


@functools.lru_cache(maxsize=4096)
def _table_day(day: datetime.date, language: str) -> str:
    """A day as the table writes it ("Fri 15 May 2020", "vr 15 mei 2020"): the same for every request in a language,
    and dear to work out (translated names, each looked up) for the hundreds of rows of every page, so kept."""
    with translation.override(language):
        return date_format(day, f"{date_pattern('D')} {date_pattern('SHORT_DATE_FORMAT')}")


def burnup_table(plateau: PlateauFigures) -> list[tuple[str, str, str]]:
    """The chart's numbers as its table shows them: (the day, live, plan rounded), each as the template's filters
    would write it in the reader's language."""
    language = translation.get_language() or settings.LANGUAGE_CODE
    return [
        (_table_day(point.day, language), str(localize(point.live)), floatformat(point.plan, 0))
        for point in plateau.series
    ]


def _number(value: float) -> str:
    return f"{value:.1f}".removesuffix(".0")


def _points(points: tuple[Point, ...]) -> str:
    return " ".join(f"{x:.1f},{y:.1f}" for x, y in points)


def chart_svg(chart: Chart, *, chart_id: str) -> SafeString:
    """The chart as an SVG image with its title and description for screen readers."""
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {chart.width} {chart.height}" role="img" class="chart" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" focusable="false">',
        f'<title id="{chart_id}-title">{escape(chart.title)}</title>'
        f'<desc id="{chart_id}-desc">{escape(chart.summary)}</desc>',
    ]
    for number, band in enumerate(chart.bands):
        pattern = f"{chart_id}-hatch-{number}"
        parts.append(
            f'<defs><pattern id="{pattern}" width="6" height="6" patternUnits="userSpaceOnUse" '
            f'patternTransform="rotate(45)"><line x1="0" y1="0" x2="0" y2="6" stroke="{band.ink}" '
            f'stroke-width="1.5"/></pattern></defs>'
            f'<polygon points="{_points(band.points)}" fill="url(#{pattern})" fill-opacity="0.5" stroke="none"/>'
        )
    for line in chart.lines:
        dash = f' stroke-dasharray="{" ".join(_number(part) for part in line.dash)}"' if line.dash else ""
        cap = ' stroke-linecap="round"' if line.round_cap else ""
        parts.append(
            f'<polyline points="{_points(line.points)}" fill="none" stroke="{line.ink}" '
            f'stroke-width="{_number(line.width)}"{dash}{cap}/>'
        )
    for label in chart.labels:
        weight = "bold" if label.bold else "normal"
        parts.append(
            f'<text x="{label.x:.1f}" y="{label.y:.1f}" text-anchor="{label.anchor}" font-weight="{weight}" '
            f'font-size="{FONT_SIZE}" fill="{INK}">{escape(label.text)}</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above went through escape()


def chart_drawing(chart: Chart, *, width: float) -> Drawing:
    """The chart as a reportlab Drawing `width` points wide (the PDF's y axis points up)."""
    factor = width / chart.width
    height = chart.height * factor

    def flip(points: tuple[Point, ...]) -> list[float]:
        return [value for x, y in points for value in (x * factor, height - y * factor)]

    regular, bold = pdf_fonts_register()
    drawing = Drawing(width, height)
    for band in chart.bands:
        drawing.add(Polygon(flip(band.points), fillColor=colors.HexColor(band.ink), fillOpacity=0.2, strokeColor=None))
    for line in chart.lines:
        drawing.add(
            PolyLine(
                flip(line.points),
                strokeColor=colors.HexColor(line.ink),
                strokeWidth=line.width * factor,
                strokeDashArray=[part * factor for part in line.dash] or None,
                strokeLineCap=1 if line.round_cap else 0,
            )
        )
    for label in chart.labels:
        drawing.add(
            String(
                label.x * factor,
                height - label.y * factor,
                label.text,
                fontName=bold if label.bold else regular,
                fontSize=FONT_SIZE * factor,
                fillColor=colors.HexColor(INK),
                textAnchor=label.anchor,
            )
        )
    return drawing


def forecast_sentence(plateau: PlateauFigures) -> str:
    """The forecast in words, for the chart's description, the page and the report."""
    forecast = plateau.forecast
    if plateau.remaining == 0:
        return _("Every connection of this plateau is live.")
    if forecast.expected is None:
        return _("No forecast: too few connections went live in the recent working days.")
    values = {
        "day": date_format(forecast.expected, "j F Y"),
        "earliest": date_format(forecast.earliest, "j F Y") if forecast.earliest else "—",
        "latest": date_format(forecast.latest, "j F Y") if forecast.latest else _("not in sight"),
    }
    if forecast.meets_deadline:
        return (
            _("At the recent rate it is complete on %(day)s (between %(earliest)s and %(latest)s): in time.") % values
        )
    return (
        _("At the recent rate it is complete on %(day)s (between %(earliest)s and %(latest)s): after the deadline.")
        % values
    )

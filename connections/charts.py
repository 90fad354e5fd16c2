"""Charts drawn on the server as SVG: no script, no CDN. They do not rely on colour: every line has its own dash
pattern and thickness and is labelled directly at its end, and the page shows the same numbers as a table."""

import datetime
from dataclasses import dataclass

from django.utils.formats import date_format, number_format
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from connections.selectors.dashboard import PlateauFigures

WIDTH, HEIGHT = 640, 300
LEFT, RIGHT, TOP, BOTTOM = 56, 150, 16, 40  # room for the axis labels and, on the right, the direct labels
INK, PLAN_INK, FORECAST_INK, GRID = "#1b1b1b", "#4a4a4a", "#00508c", "#c8c8c8"


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


def _text(x: float, y: float, text: str, *, anchor: str = "start", weight: str = "normal") -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-weight="{weight}" font-size="12" '
        f'fill="{INK}">{escape(text)}</text>'
    )


def _short(day: datetime.date) -> str:
    return date_format(day, "j M")


def burnup_svg(*, plateau: PlateauFigures, deadline: datetime.date, as_of: datetime.date, chart_id: str) -> SafeString:
    """The plateau's burn-up: connections live per day (solid), the plan line from its start to the deadline
    (dashed), and the forecast at the recent rate (dotted) with its band (hatched), up to the deadline."""
    series = plateau.series
    forecast = plateau.forecast
    first = min([series[0].day if series else plateau.start, plateau.start])
    last = max(deadline, as_of)
    if forecast.expected and forecast.expected > last:
        last = min(forecast.expected, last + datetime.timedelta(days=90))
    scale = _Scale(first=first, last=last, top=_nice_top(max(plateau.total, 1)))
    title = _("Plateau %(number)s: connections live against the plan") % {"number": plateau.number}
    summary = _(
        "%(live)s of %(total)s connections live on %(day)s; the plan line rises from 0 on %(start)s to %(total)s on "
        "%(deadline)s. %(forecast)s"
    ) % {
        "live": number_format(plateau.live, force_grouping=True),
        "total": number_format(plateau.total, force_grouping=True),
        "day": date_format(as_of, "j F Y"),
        "start": date_format(plateau.start, "j F Y"),
        "deadline": date_format(deadline, "j F Y"),
        "forecast": forecast_sentence(plateau),
    }
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" class="chart" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" focusable="false">',
        f'<title id="{chart_id}-title">{escape(title)}</title><desc id="{chart_id}-desc">{escape(summary)}</desc>',
        f'<defs><pattern id="{chart_id}-hatch" width="6" height="6" patternUnits="userSpaceOnUse" '
        f'patternTransform="rotate(45)"><line x1="0" y1="0" x2="0" y2="6" stroke="{FORECAST_INK}" '
        f'stroke-width="1.5"/></pattern></defs>',
    ]
    # Grid and axes: five horizontal lines with their values, the start and the deadline marked on the time axis.
    for step in range(6):
        value = scale.top * step / 5
        y = scale.y(value)
        parts.append(f'<line x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}" stroke="{GRID}"/>')
        parts.append(_text(LEFT - 6, y + 4, number_format(round(value), force_grouping=True), anchor="end"))
    bottom = HEIGHT - BOTTOM
    parts.append(f'<line x1="{LEFT}" y1="{bottom}" x2="{WIDTH - RIGHT}" y2="{bottom}" stroke="{INK}"/>')
    for day in (first, as_of, deadline):
        x = scale.x(day)
        parts.append(f'<line x1="{x:.1f}" y1="{bottom}" x2="{x:.1f}" y2="{bottom + 5}" stroke="{INK}"/>')
    parts.append(_text(scale.x(first), bottom + 18, _short(first)))
    parts.append(
        _text(scale.x(deadline), bottom + 32, _("Deadline %(day)s") % {"day": _short(deadline)}, anchor="middle")
    )
    if first < as_of < deadline:
        parts.append(_text(scale.x(as_of), bottom + 18, _short(as_of), anchor="middle"))
    x_deadline = scale.x(deadline)
    parts.append(
        f'<line x1="{x_deadline:.1f}" y1="{TOP}" x2="{x_deadline:.1f}" y2="{bottom}" stroke="{INK}" '
        f'stroke-width="1" stroke-dasharray="2 3"/>'
    )
    # The forecast band: a hatched triangle from today's figure to the earliest and latest completion dates.
    now_x, now_y, total_y = scale.x(as_of), scale.y(plateau.live), scale.y(plateau.total)
    if forecast.expected and forecast.expected > as_of:
        earliest = forecast.earliest or forecast.expected
        latest = min(forecast.latest or last, last)
        parts.append(
            f'<polygon points="{now_x:.1f},{now_y:.1f} {scale.x(earliest):.1f},{total_y:.1f} '
            f'{scale.x(latest):.1f},{total_y:.1f}" fill="url(#{chart_id}-hatch)" fill-opacity="0.5" stroke="none"/>'
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
        parts.append(
            f'<line x1="{now_x:.1f}" y1="{now_y:.1f}" x2="{end_x:.1f}" y2="{end_y:.1f}" stroke="{FORECAST_INK}" '
            f'stroke-width="2.5" stroke-dasharray="1 4" stroke-linecap="round"/>'
        )
        parts.append(
            _text(
                min(end_x + 6, WIDTH - RIGHT + 6),
                end_y + 16,
                _("Forecast %(day)s") % {"day": _short(forecast.expected)},
            )
        )
    # The plan line (dashed) and the actual line (solid, thick), each labelled at its end.
    parts.append(
        f'<line x1="{scale.x(plateau.start):.1f}" y1="{scale.y(0):.1f}" x2="{x_deadline:.1f}" y2="{total_y:.1f}" '
        f'stroke="{PLAN_INK}" stroke-width="2" stroke-dasharray="8 5"/>'
    )
    parts.append(
        _text(
            x_deadline + 6,
            total_y - 4,
            _("Plan: %(total)s") % {"total": number_format(plateau.total, force_grouping=True)},
        )
    )
    if series:
        points = " ".join(f"{scale.x(point.day):.1f},{scale.y(point.live):.1f}" for point in series)
        parts.append(f'<polyline points="{points}" fill="none" stroke="{INK}" stroke-width="3"/>')
        parts.append(
            _text(
                now_x + 6,
                now_y + 4,
                _("Live: %(live)s") % {"live": number_format(plateau.live, force_grouping=True)},
                weight="bold",
            )
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above went through escape()


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

"""The burn-up chart is SVG drawn on the server, described in words and readable without colour."""

import dataclasses
import datetime
import re

from django.utils import translation
from reportlab.graphics.shapes import PolyLine, String

from plateaus.planning import forecast_completion, recent_rate
from reporting.charts import burnup_chart, burnup_table, chart_drawing, chart_svg, forecast_sentence
from reporting.selectors import BurnupPoint, FlowFigures, PlateauFigures

DEADLINE = datetime.date(2020, 6, 30)
AS_OF = datetime.date(2020, 5, 15)


def _plateau(live_per_day: int, total: int = 400) -> PlateauFigures:
    start = datetime.date(2020, 3, 2)
    days = [start + datetime.timedelta(days=offset) for offset in range((AS_OF - start).days + 1)]
    series = [BurnupPoint(day=day, live=min(index * live_per_day, 60), plan=0.0) for index, day in enumerate(days)]
    rate = recent_rate([live_per_day] * 10)
    flow = FlowFigures(
        id=1, code="SW", name="SW", plateau_number=2, waiting_parties=(), counts={"live": 60, "invited": total - 60}
    )
    return PlateauFigures(
        id=2,
        number=2,
        name="Plateau 2",
        planned_start=start,
        actual_start=start,
        start=start,
        start_moved=False,
        flows=[flow],
        series=series,
        rate=rate,
        required=0.0,
        forecast=forecast_completion(as_of=AS_OF, remaining=total - 60, rate=rate, deadline=DEADLINE),
    )


def test_the_chart_has_a_title_a_description_and_patterns_not_only_colours():
    # when
    svg = str(chart_svg(burnup_chart(plateau=_plateau(10), deadline=DEADLINE, as_of=AS_OF), chart_id="c"))
    # then
    assert svg.startswith('<svg xmlns="http://www.w3.org/2000/svg"')
    assert 'role="img"' in svg and 'aria-labelledby="c-title c-desc"' in svg
    assert '<title id="c-title">Plateau 2: connections live against the plan</title>' in svg
    description = re.search(r'<desc id="c-desc">(.*?)</desc>', svg).group(1)
    assert description.startswith("60 of 400 connections live on 15 May 2020; the plan line rises from 0 on")
    assert "At the recent rate it is complete on" in description
    # the actual line solid and thick, the plan dashed, the forecast dotted, the band hatched; labelled directly
    assert '<polyline points="' in svg and 'stroke-width="3"' in svg
    assert 'stroke-dasharray="8 5"' in svg and 'stroke-dasharray="1 4"' in svg
    assert 'fill="url(#c-hatch-0)"' in svg
    assert ">Live: 60<" in svg and ">Plan: 400<" in svg and ">Forecast " in svg


def test_a_stalled_plateau_has_no_forecast_line():
    plateau = _plateau(0)
    svg = str(chart_svg(burnup_chart(plateau=plateau, deadline=DEADLINE, as_of=AS_OF), chart_id="x"))
    assert ">Forecast " not in svg
    assert 'stroke-dasharray="1 4"' not in svg
    assert forecast_sentence(plateau) == "No forecast: too few connections went live in the recent working days."


def test_the_report_draws_the_same_chart_as_the_page():
    # given: one chart definition
    chart = burnup_chart(plateau=_plateau(10), deadline=DEADLINE, as_of=AS_OF)

    # when: drawn for the page and for the PDF
    svg = str(chart_svg(chart, chart_id="c"))
    drawing = chart_drawing(chart, width=320)

    # then: the same lines and the same labels, at half the size
    shapes = drawing.getContents()
    texts = [shape.text for shape in shapes if isinstance(shape, String)]
    assert texts == [label.text for label in chart.labels] == re.findall(r">([^<>]+)</text>", svg)
    lines = [shape for shape in shapes if isinstance(shape, PolyLine)]
    assert len(lines) == len(chart.lines) == svg.count("<polyline ")
    actual = lines[-1]  # the live line, drawn last
    assert actual.strokeWidth == 1.5 and actual.strokeDashArray is None
    assert drawing.width == 320 and drawing.height == 150


def test_the_charts_dates_have_a_lower_case_month_in_dutch_and_a_capital_in_english():
    # given
    chart = {}

    # when
    for language in ("nl", "en"):
        with translation.override(language):
            chart[language] = str(
                chart_svg(burnup_chart(plateau=_plateau(10), deadline=DEADLINE, as_of=AS_OF), chart_id="c")
            )

    # then
    assert "15 mei" in chart["nl"] and "15 Mei" not in chart["nl"]
    assert "30 jun" in chart["nl"] and "30 Jun" not in chart["nl"]
    assert "15 May" in chart["en"] and "30 Jun" in chart["en"]


def test_the_table_of_the_chart_s_numbers_is_written_as_the_template_s_filters_wrote_it():
    # given: a plateau whose numbers pass a thousand and whose plan has decimals
    from django.template import engines

    plateau = _plateau(live_per_day=3)
    plateau = dataclasses.replace(
        plateau,
        series=[
            dataclasses.replace(point, live=point.live * 100, plan=index * 12.55)
            for index, point in enumerate(plateau.series)
        ],
    )
    filters = engines["django"].from_string(
        '{% for point in plateau.series %}{{ point.day|date:"D" }} {{ point.day|date:"SHORT_DATE_FORMAT" }}|'
        "{{ point.live }}|{{ point.plan|floatformat:0 }};{% endfor %}"
    )
    for language in ("nl", "en"):
        with translation.override(language):
            # when
            rows = burnup_table(plateau)
            # then
            assert ";".join("|".join(row) for row in rows) + ";" == filters.render({"plateau": plateau}), language
    with translation.override("nl"):
        assert burnup_table(plateau)[0][0] == "ma 2 mrt 2020"

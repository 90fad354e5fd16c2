"""The weekly report reads as a Dutch report (issue 14 item 13): page 1 carries the date, the verdict and the
forecast; Dutch numbers and one date style throughout; table headers repeat on every page a table runs onto; a cut
list says so ("25 of 569"); the spreadsheet shows no date for a plateau without a forecast."""

import datetime
import io
import re
import subprocess

import openpyxl
import pytest
from django.utils import translation

from connections.services.demo import demo_seed
from reporting.charts import forecast_sentence
from reporting.selectors import dashboard_build
from reporting.services.figures import report_verdict
from reporting.services.pdf import report_pdf
from reporting.services.xlsx import report_xlsx

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

SEED_DAY = datetime.date(2020, 5, 15)
ENGLISH_MONTHS = r"\b(January|February|March|April|May|June|July|August|September|October|November|December)\b"
DUTCH_DATE = (
    r"\b\d{1,2} (januari|februari|maart|april|mei|juni|juli|augustus|september|oktober|november|december) \d{4}\b"
)


def _pages(pdf: bytes) -> list[str]:
    """The text of each page, as poppler's pdftotext lays it out."""
    text = subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode(
        "utf-8"
    )
    return text.split("\f")[:-1]


@pytest.fixture
def dutch_report(settings):
    settings.HTG_CLOCK_DATE = SEED_DAY
    settings.HTG_DASHBOARD_RISKS_SHOWN = 60  # a risk list long enough to run over pages
    demo_seed(customers=120, seed=8, as_of=SEED_DAY)
    with translation.override("nl"):
        dashboard = dashboard_build(as_of=SEED_DAY, today=SEED_DAY)
        yield dashboard, _pages(report_pdf(dashboard)), report_xlsx(dashboard)


def test_page_one_carries_the_date_the_verdict_and_the_forecast(dutch_report):
    # given / when
    dashboard, pages, _xlsx = dutch_report
    first = " ".join(pages[0].split())
    # then
    assert "15 mei 2020" in first
    with translation.override("nl"):
        verdict = report_verdict(dashboard)
        forecasts = [forecast_sentence(plateau) for plateau in dashboard.plateaus]
    assert verdict[0] in first
    for line in verdict[1:]:
        assert line in first
    for sentence in forecasts:
        assert sentence in first
    assert "Oordeel" in first and "Prognose per plateau" in first


def test_dutch_numbers_and_one_date_style_throughout(dutch_report):
    # given / when
    dashboard, pages, _xlsx = dutch_report
    text = "\n".join(pages)
    # then: no ISO date, no English month, no week code; every full date is "15 mei 2020"
    assert not re.search(r"\b\d{4}-\d{2}-\d{2}\b", text)
    assert not re.search(r"\b\d{4}-W\d{2}\b", text)
    assert not re.search(ENGLISH_MONTHS, text)
    assert re.search(DUTCH_DATE, text)
    assert "week 20 van 2020" in text
    # decimals with a comma: the rates as the dashboard has them
    rate = f"{round(dashboard.actual_rate, 1):.1f}".replace(".", ",")
    assert re.search(rf"Aansluitingen live per werkdag \(recent\)\s+{rate}\b", text) or rate in text
    # no decimal point in a figure (a TLS version, "TLS 1.2", is a name, not a figure)
    assert not re.search(r"\b\d+\.\d\b", text.replace("B.V.", "").replace("TLS 1.2", ""))


def test_every_page_a_table_runs_onto_starts_with_its_header(dutch_report):
    # given / when
    dashboard, pages, _xlsx = dutch_report
    # then: the risk table runs over pages, and each of its pages repeats the header
    risk_pages = [page for page in pages if any(risk.customer in page for risk in dashboard.risks)]
    assert len(risk_pages) >= 2
    for page in risk_pages:
        assert re.search(r"Risico\s+Bedrijf\s+Stroom\s+Status\s+Waarom", page), page[:400]


def test_every_table_with_a_header_repeats_it(dutch_report, monkeypatch):
    # given: every table the PDF builds, recorded
    from reporting.services import pdf

    built = []

    class RecordingTable(pdf.Table):
        def __init__(self, data, *args, **kwargs):
            built.append((len(data), kwargs.get("repeatRows", 0)))
            super().__init__(data, *args, **kwargs)

    monkeypatch.setattr(pdf, "Table", RecordingTable)
    dashboard, _pages_text, _xlsx = dutch_report
    # when
    with translation.override("nl"):
        report_pdf(dashboard)
    # then: each table of a header and rows repeats its header wherever reportlab splits it (the one-row tables
    # only lay a chart beside its figures)
    assert len(built) >= 7
    assert [(rows, repeat) for rows, repeat in built if rows > 1 and repeat != 1] == []


def test_a_cut_list_says_how_much_is_shown(settings):
    # given: the risk list cut at 5
    settings.HTG_CLOCK_DATE = SEED_DAY
    settings.HTG_DASHBOARD_RISKS_SHOWN = 5
    demo_seed(customers=60, seed=8, as_of=SEED_DAY)
    with translation.override("nl"):
        dashboard = dashboard_build(as_of=SEED_DAY, today=SEED_DAY)
        assert dashboard.at_risk > 5
        # when
        text = " ".join("\n".join(_pages(report_pdf(dashboard))).split())
        book = openpyxl.load_workbook(io.BytesIO(report_xlsx(dashboard)))
    # then: the PDF and the spreadsheet say "5 of N"
    said = f"Aansluitingen met risico: de 5 hoogste van {dashboard.at_risk}"
    assert said in text
    values = [row[0] for row in book["Risico's"].iter_rows(values_only=True)]
    assert said in values


def test_the_spreadsheet_shows_no_date_for_a_plateau_without_a_forecast(dutch_report):
    # given: plateau 3 (NVWA) has had no go-live in the recent window, so it has no forecast
    dashboard, _pages_text, xlsx = dutch_report
    plateau = dashboard.plateaus[2]
    assert plateau.forecast.expected is None and plateau.remaining > 0
    # when
    book = openpyxl.load_workbook(io.BytesIO(xlsx))
    rows = {row[0]: row for row in book["Plateaus"].iter_rows(min_row=2, values_only=True)}
    # then: its three forecast dates are empty; a plateau with a forecast has its dates, as dates
    assert rows[3][6:9] == (None, None, None)
    with_forecast = [p for p in dashboard.plateaus if p.forecast.expected is not None and p.remaining]
    for each in with_forecast:
        assert rows[each.number][6] == datetime.datetime.combine(each.forecast.expected, datetime.time())

"""The weekly report for the ministry: its figures are the dashboard's of that day, and there is one per week."""

import datetime
import io
import re

import openpyxl
import pytest

from connections.models import Connection
from connections.services.demo import demo_seed
from connections.tasks import connection_transition_task
from htg_migration.celery import app
from plateaus.models import MessageFlow
from reporting.charts import burnup_chart
from reporting.models import WeeklyReport
from reporting.selectors import dashboard_build
from reporting.services import report_rows, weekly_report_generate
from reporting.services.figures import report_text
from reporting.tasks import weekly_report_task
from tests.conftest import run_in_threads, wait_for
from tests.connections.factories import ConnectionFactory

SEED_DAY = datetime.date(2020, 5, 15)
SUNDAY = datetime.date(2020, 5, 10)


@pytest.fixture(autouse=True)
def english(settings):
    settings.HTG_REPORT_LANGUAGE = "en"
    settings.HTG_CLOCK_DATE = datetime.date(2020, 5, 11)


def _pdf_strings(pdf: bytes) -> list[str]:
    """The text drawn on the PDF's pages (the page streams are not compressed)."""
    return [
        text.decode("latin-1").replace("\\(", "(").replace("\\)", ")")
        for text in re.findall(rb"\((.*?)(?<!\\)\) Tj", pdf)
    ]


@pytest.mark.postgres
@pytest.mark.django_db
def test_the_reports_figures_equal_the_dashboards_of_that_day():
    # given
    demo_seed(customers=60, seed=4, as_of=SEED_DAY)
    # when
    report = weekly_report_generate(as_of=SUNDAY)
    dashboard = dashboard_build(as_of=SUNDAY, today=datetime.date(2020, 5, 11))
    # then: the week and the day
    assert (report.week_start, report.as_of) == (datetime.date(2020, 5, 4), SUNDAY)
    # the spreadsheet's headline is the dashboard's, value for value
    book = openpyxl.load_workbook(io.BytesIO(bytes(report.xlsx)))
    headline = list(book["Headline"].iter_rows(min_row=2, values_only=True))
    rows = report_rows(dashboard)
    assert [label for label, _value in headline] == [label for label, _value in rows]
    figures = dict(headline)
    # dates are date cells in the report's one style, numbers are numbers
    assert figures["Figures as of"] == datetime.datetime(2020, 5, 10)
    assert book["Headline"]["B2"].number_format == "d mmmm yyyy"
    assert [value for _label, value in headline[2:]] == [value for _label, value in rows[2:]]
    assert figures["Connections live"] == dashboard.live > 0
    assert figures["Working days left"] == dashboard.working_days_left == 35
    assert figures["Companies able to message via HTG"] == dashboard.companies_able
    assert figures["Connections at risk"] == dashboard.at_risk
    # per plateau, and the funnel per flow
    plateaus = list(book["Plateaus"].iter_rows(min_row=2, values_only=True))
    assert [(row[0], row[2], row[3]) for row in plateaus] == [(p.number, p.total, p.live) for p in dashboard.plateaus]
    funnel = list(book["Funnel"].iter_rows(min_row=2, values_only=True))
    assert [(row[1], list(row[3:])) for row in funnel] == [
        (flow.code, [count for _state, _label, count in flow.funnel]) for flow in dashboard.flows
    ]
    assert len(book["Burn-up"]._charts) == 3
    # the PDF is a PDF and carries the same headline figures
    pdf = bytes(report.pdf)
    assert pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF")
    strings = _pdf_strings(pdf)
    for label, value in report_rows(dashboard):
        position = strings.index(label)
        assert strings[position + 1] == report_text(value), label
    assert "10 May 2020" in strings
    # and the dashboard's own burn-up charts, label for label (one chart definition for the page and the report)
    for plateau in dashboard.plateaus:
        chart = burnup_chart(plateau=plateau, deadline=dashboard.deadline, as_of=SUNDAY)
        assert any(label.text.startswith("Live: ") for label in chart.labels)
        assert [label.text for label in chart.labels if label.text not in strings] == []


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_runs_at_once_make_one_report():
    # given
    demo_seed(customers=10, seed=4, as_of=SEED_DAY)
    # when: two schedulers run it at the same moment, and later once more
    results = run_in_threads(
        [lambda: weekly_report_generate(as_of=SUNDAY), lambda: weekly_report_generate(as_of=SUNDAY)]
    )
    again = weekly_report_generate(as_of=datetime.date(2020, 5, 6))  # another day of the same week
    # then
    assert all(isinstance(result, WeeklyReport) for result in results), results
    assert WeeklyReport.objects.count() == 1
    assert {result.pk for result in results} == {again.pk}
    assert again.as_of == SUNDAY  # the first one stays


def test_the_report_is_on_the_beat_schedule_on_monday_at_six():
    entry = app.conf.beat_schedule["weekly-report"]
    assert entry["task"] == "reporting.tasks.weekly_report_task"
    schedule = entry["schedule"]
    assert (schedule.minute, schedule.hour, schedule.day_of_week) == ({0}, {6}, {1})
    assert app.conf.timezone == "Europe/Amsterdam"


@pytest.fixture
def monday_worker_clock(monkeypatch):
    """The worker process's programme clock: Monday 11 May 2020 (it reads HTG_CLOCK_DATE when it starts)."""
    monkeypatch.setenv("HTG_CLOCK_DATE", "2020-05-11")
    monkeypatch.setenv("HTG_REPORT_LANGUAGE", "en")


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.worker
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_worker_makes_the_weeks_report_once_when_run_twice(monday_worker_clock, celery_worker_queue):
    # given
    demo_seed(customers=10, seed=4, as_of=SEED_DAY)
    marker = ConnectionFactory(flow=MessageFlow.objects.get(code="AGS"))
    # when: the task runs twice on a real worker (one process: in order), then a marker task
    weekly_report_task.apply_async(queue=celery_worker_queue)
    weekly_report_task.apply_async(queue=celery_worker_queue)
    connection_transition_task.apply_async(args=[marker.pk, "invite", "marker"], queue=celery_worker_queue)
    # then: one report, of the week that ended on Sunday 10 May
    assert wait_for(lambda: Connection.objects.get(pk=marker.pk).state == "invited")
    report = WeeklyReport.objects.get()
    assert (report.week_start, report.as_of) == (datetime.date(2020, 5, 4), SUNDAY)
    assert bytes(report.pdf).startswith(b"%PDF-")

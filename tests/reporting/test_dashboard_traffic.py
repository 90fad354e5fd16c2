"""The dashboard's traffic section: the share on HTG per plateau, flow and day read from the rollup agrees with a
recount from the counts; the lists of senders still on Digipoort; a fixed number of queries."""

import datetime

import pytest
from django.db.models import Sum

from connections.models import ConnectionState, TrafficEvidence
from reporting.charts_traffic import share_chart, traffic_section
from reporting.selectors.traffic import dashboard_traffic
from tests.connections.factories import ConnectionFactory, CustomerFactory, team_member, walk_to
from tests.traffic.evidence_helpers import apply_day, sender
from traffic.models import TrafficCount

pytestmark = pytest.mark.django_db
DAY = datetime.date(2020, 5, 14)
TRAFFIC_QUERIES = 9


@pytest.fixture
def traffic(programme_flows, settings):
    """Two companies over three days: one moving AGS from Digipoort to HTG, one on Digipoort only (NCTS), and an
    unknown Digipoort sender; the first company is live on AGS since the first day."""
    settings.HTG_CLOCK_DATE = DAY - datetime.timedelta(days=2)
    moving = CustomerFactory(htg_number="HTG-000001", legal_name="Moving B.V.")
    staying = CustomerFactory(legal_name="Staying B.V.")
    connection = walk_to(
        ConnectionFactory(customer=moving, flow=programme_flows["AGS"]), ConnectionState.LIVE, team_member()
    )
    htg = sender(gateway="htg", identity="HTG-000001", customer=moving)
    moving_dp = sender(gateway="digipoort", identity=moving.eori, customer=moving)
    staying_dp = sender(gateway="digipoort", identity=staying.eori, customer=staying)
    unknown = sender(gateway="digipoort", identity="00000009999999990000", scheme="oin")
    for offset, (on_htg, on_digipoort) in enumerate([(10, 90), (60, 40), (95, 5)]):
        day = DAY - datetime.timedelta(days=2 - offset)
        apply_day(
            "htg",
            day,
            [(htg, programme_flows["AGS"], "production", on_htg), (htg, programme_flows["AGS"], "test", 1000)],
        )
        apply_day(
            "digipoort",
            day,
            [
                (moving_dp, programme_flows["AGS"], "production", on_digipoort),
                (staying_dp, programme_flows["NCTS"], "production", 50 + offset),
                (unknown, programme_flows["AGS"], "production", 7),
            ],
        )
    for traffic_sender, total in ((moving_dp, 135), (staying_dp, 153), (unknown, 21), (htg, 3165)):
        type(traffic_sender).objects.filter(pk=traffic_sender.pk).update(last_seen=DAY, messages_total=total)
    return {"connection": connection, "staying": staying}


def _recount(day: datetime.date, flow_code: str, gateway: str) -> int:
    return (
        TrafficCount.objects.filter(day=day, flow__code=flow_code, gateway=gateway, environment="production").aggregate(
            total=Sum("messages")
        )["total"]
        or 0
    )


def test_the_share_agrees_with_a_recount_from_the_counts(traffic, django_assert_num_queries):
    # when
    with django_assert_num_queries(TRAFFIC_QUERIES):
        figures = dashboard_traffic(as_of=DAY)
    # then per flow, the last day and the window: the rollup's figures are the counts' sums (test traffic left out)
    ags = next(flow for flow in figures.flows if flow.code == "AGS")
    assert (ags.last_day.htg, ags.last_day.digipoort) == (
        _recount(DAY, "AGS", "htg"),
        _recount(DAY, "AGS", "digipoort"),
    )
    assert (ags.last_day.htg, ags.last_day.digipoort) == (95, 12)
    assert ags.window.htg == sum(_recount(day, "AGS", "htg") for day in figures.days) == 165
    assert ags.window.digipoort == sum(_recount(day, "AGS", "digipoort") for day in figures.days) == 156
    # per plateau and day: AGS and NCTS are in plateau 1
    plateau = figures.plateaus[0]
    assert [(day, volume.htg, volume.digipoort) for day, volume in plateau.days] == [
        (day, _recount(day, "AGS", "htg"), _recount(day, "AGS", "digipoort") + _recount(day, "NCTS", "digipoort"))
        for day in figures.days
    ]
    assert figures.days == [DAY - datetime.timedelta(days=2), DAY - datetime.timedelta(days=1), DAY]
    assert round(figures.latest.share, 1) == round(100 * 95 / (95 + 12 + 52), 1)


def test_the_lists_of_who_still_sends_via_digipoort(traffic):
    figures = dashboard_traffic(as_of=DAY)
    assert [(row.identity, row.messages) for row in figures.top_digipoort][:3] == [
        (traffic["staying"].eori, 153),
        (traffic["connection"].customer.eori, 135),
        ("00000009999999990000", 21),
    ]
    assert [row.identity for row in figures.unknown_senders] == ["00000009999999990000"]
    assert figures.unknown_senders_count == 1
    assert [(row.customer, row.flow_code, row.messages) for row in figures.without_connection] == [
        ("Staying B.V.", "NCTS", 50 + 51 + 52)
    ]
    # live on AGS since the first day, Digipoort production after it: 40 + 5
    assert [(row.customer, row.flow_code, row.messages, row.last_seen) for row in figures.live_on_digipoort] == [
        ("Moving B.V.", "AGS", 45, DAY)
    ]
    assert figures.live_on_digipoort_count == 1


def test_the_risk_list_has_a_live_connection_still_on_digipoort_today_only(traffic):
    from reporting.selectors import dashboard_build

    # given the live AGS connection of Moving B.V., with 45 production messages via Digipoort after going live
    connection = traffic["connection"]

    # when the dashboard of today is built, and that of the day before the traffic
    today = dashboard_build(as_of=DAY, today=DAY)
    before = dashboard_build(as_of=DAY - datetime.timedelta(days=3), today=DAY)

    # then today's risk list has it, with the volume and the last day, and counts it
    row = next(risk for risk in today.risks if risk.connection_id == connection.pk)
    assert (row.customer, row.flow_code, row.state, row.score) == ("Moving B.V.", "AGS", ConnectionState.LIVE, 3)
    assert row.reasons == [
        "Still sending via Digipoort: 45 production messages after going live, the last on 14 May 2020."
    ]
    assert today.at_risk == len([risk for risk in today.risks if risk.state != ConnectionState.LIVE]) + 1
    # a past day's list is the timeline's (the traffic evidence is what is known now): not in it
    assert connection.pk not in [risk.connection_id for risk in before.risks]


def test_the_risk_list_leaves_out_a_live_connection_that_left_digipoort(traffic):
    from reporting.selectors import dashboard_build

    # given the same connection, its evidence now without Digipoort production after going live
    connection = traffic["connection"]
    TrafficEvidence.objects.filter(connection=connection).update(digipoort_since_live=0)

    # when
    dashboard = dashboard_build(as_of=DAY, today=DAY)

    # then
    assert connection.pk not in [risk.connection_id for risk in dashboard.risks]
    assert all(risk.state != ConnectionState.LIVE for risk in dashboard.risks)


def test_a_day_before_any_traffic_shows_none(traffic):
    figures = dashboard_traffic(as_of=DAY - datetime.timedelta(days=3))
    assert not figures.has_traffic
    assert traffic_section(as_of=DAY - datetime.timedelta(days=3))["traffic_chart"] == ""


def test_the_chart_describes_the_latest_share_and_labels_each_plateau(traffic):
    chart = share_chart(dashboard_traffic(as_of=DAY))
    assert "60%" in chart.summary  # 95 of 159 on the last day
    assert [label.text for label in chart.labels if label.text.startswith("Plateau")] == ["Plateau 1: 60%"]


def test_the_weekly_report_carries_the_same_traffic_figures(traffic):
    import io
    import subprocess

    import openpyxl

    from reporting.selectors import dashboard_build
    from reporting.services.pdf import report_pdf
    from reporting.services.xlsx import report_xlsx

    # given the dashboard and its traffic figures of the day
    dashboard = dashboard_build(as_of=DAY, today=DAY)
    figures = dashboard_traffic(as_of=DAY)
    # when the report is made
    pdf = report_pdf(dashboard, figures)
    book = openpyxl.load_workbook(io.BytesIO(report_xlsx(dashboard, figures)))
    # then the PDF has the section with the same share, and the spreadsheet a traffic sheet with the same numbers
    text = " ".join(
        subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True)
        .stdout.decode()
        .split()
    )
    assert "Message traffic: the volume on HTG" in text
    assert "On 2020-05-14, 59.7% of all production messages went via HTG." in text
    assert "Live but still on Digipoort: 1" in text
    sheet = book["Traffic"]
    values = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert ["AGS", 95, 12, 165, 156] in [row[:5] for row in values]
    assert ["Live but still on Digipoort", 1] in [row[:2] for row in values]

"""The dashboard page: who may open it, what it shows, the time travel and what-if inputs, refused input, reports."""

import datetime
import io

import openpyxl
import pytest
from django.test import Client
from django.urls import reverse

from connections.models import Connection
from connections.services.demo import demo_seed
from connections.services.staff import staff_groups_sync
from reporting.models import WeeklyReport
from tests.connections.factories import UserFactory, core_team_member, helpdesk_member, team_member

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

SEED_DAY = datetime.date(2020, 5, 15)
URL = "/team/dashboard/"
# session, user, groups, the form's plateaus, the selector's 10 reads, the weekly reports, the traffic section's 9
PAGE_QUERIES = 15 + 9
PAST_DAY_PAGE_QUERIES = PAGE_QUERIES - 1  # a past day's list has no live connections still on Digipoort


@pytest.fixture(autouse=True)
def pinned_clock(settings):
    settings.HTG_CLOCK_DATE = SEED_DAY
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def member_client(client):
    staff_groups_sync()
    client.force_login(team_member())
    return client


def test_the_url_name_and_who_may_open_it(client):
    staff_groups_sync()
    assert reverse("reporting:dashboard") == URL
    # anonymous: to the sign-in page
    assert client.get(URL).status_code == 302
    # the helpdesk and a plain staff account: refused
    client.force_login(helpdesk_member())
    assert client.get(URL).status_code == 403
    client.force_login(UserFactory())
    assert client.get(URL).status_code == 403
    # the core team: allowed, and the nav has the dashboard first
    client.force_login(core_team_member())
    response = client.get(URL)
    assert response.status_code == 200
    nav = response.content.decode().split('<ul class="nav">')[1]
    assert nav.strip().startswith(f'<li><a href="{URL}" aria-current="page">Dashboard</a></li>')


def test_the_page_shows_the_figures_with_a_fixed_number_of_queries(member_client, django_assert_num_queries):
    # given
    demo_seed(customers=40, seed=5, as_of=SEED_DAY)
    live = Connection.objects.filter(state__in=["live", "digipoort_closed"]).count()
    # when
    with django_assert_num_queries(PAGE_QUERIES):
        response = member_client.get(URL)
    # then
    page = response.content.decode()
    assert response.status_code == 200
    assert f'data-figure="live">{live}<' in page
    assert 'data-figure="working-days-left">30<' in page
    assert page.count('<svg xmlns="http://www.w3.org/2000/svg"') == 3  # one burn-up per plateau
    assert '<title id="burnup-1-title">Plateau 1: connections live against the plan</title>' in page
    assert 'href="/team/connections/?plateau=1&amp;flow=AGS&amp;state=live"' in page
    # and ten times the data: the same number of queries
    demo_seed(customers=400, seed=6, as_of=SEED_DAY, reset=True)
    with django_assert_num_queries(PAST_DAY_PAGE_QUERIES):
        assert member_client.get(URL, {"as_of": "2020-04-01", "added_members": "2"}).status_code == 200


def test_time_travel_and_what_if_change_the_figures(member_client):
    # given
    demo_seed(customers=40, seed=5, as_of=SEED_DAY)
    # when
    today = member_client.get(URL).context["dashboard"]
    past = member_client.get(URL, {"as_of": "2020-03-16"}).context["dashboard"]
    more = member_client.get(URL, {"added_members": "3"}).context["dashboard"]
    # then
    assert past.as_of == datetime.date(2020, 3, 16) and past.live < today.live
    assert more.capacity.members == today.capacity.members + 3
    assert more.capacity.shortfall_slots <= today.capacity.shortfall_slots
    assert all(after.rate.rate >= before.rate.rate for before, after in zip(today.plateaus, more.plateaus, strict=True))


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ({"as_of": "2020-05-16"}, "as_of", "The dashboard cannot look ahead: choose 15 May 2020 or an earlier day."),
        ({"as_of": "15 mei"}, "as_of", "Enter a date as year-month-day, for example 2020-05-15."),
        ({"added_members": "-1"}, "added_members", "Team members to add cannot be negative."),
        ({"added_members": "many"}, "added_members", "Enter a whole number of team members."),
        ({"added_members": "501"}, "added_members", "Add at most 500 team members."),
        ({"move_days": "5"}, "plateau", "Choose the plateau whose start moves."),
        ({"plateau": "9", "move_days": "5"}, "plateau", "Choose one of the plateaus."),
        ({"plateau": "1", "move_days": "999"}, "move_days", "Move the start by at most 250 working days."),
    ],
)
def test_bad_input_is_refused_with_a_message_and_changes_nothing(member_client, query, field, message):
    # given
    demo_seed(customers=20, seed=5, as_of=SEED_DAY)
    plain = member_client.get(URL).context["dashboard"]
    # when
    response = member_client.get(URL, query)
    # then: refused, the message linked to its field, and the figures are today's without a what-if
    assert response.status_code == 400
    page = response.content.decode()
    assert message in page
    assert f'href="#id_{field}"' in page
    assert 'aria-invalid="true"' in page
    dashboard = response.context["dashboard"]
    assert dashboard.as_of == SEED_DAY
    assert not dashboard.what_if.is_active
    assert dashboard.capacity == plain.capacity
    assert WeeklyReport.objects.count() == 0


def test_the_weekly_report_downloads_for_the_team_only(member_client):
    # given
    from reporting.services import weekly_report_generate

    demo_seed(customers=20, seed=5, as_of=SEED_DAY)
    report = weekly_report_generate(as_of=datetime.date(2020, 5, 10))
    # when
    page = member_client.get(URL).content.decode()
    pdf = member_client.get(reverse("reporting:weekly_report_pdf", args=[report.pk]))
    xlsx = member_client.get(reverse("reporting:weekly_report_xlsx", args=[report.pk]))
    # then
    assert f'href="/team/dashboard/reports/{report.pk}.pdf"' in page
    assert pdf["Content-Type"] == "application/pdf"
    assert b"".join(pdf.streaming_content).startswith(b"%PDF-")
    assert 'filename="htg-weekly-report-2020-W19.xlsx"' in xlsx["Content-Disposition"]
    book = openpyxl.load_workbook(io.BytesIO(b"".join(xlsx.streaming_content)))
    assert book.sheetnames[0] == "Kerncijfers"  # the report is in HTG_REPORT_LANGUAGE (Dutch): "Headline"
    assert member_client.get(reverse("reporting:weekly_report_pdf", args=[report.pk + 1])).status_code == 404
    # and nobody else
    other = Client()
    other.force_login(helpdesk_member())
    assert other.get(reverse("reporting:weekly_report_pdf", args=[report.pk])).status_code == 403


def test_the_days_of_the_figures_table_have_a_lower_case_month_in_dutch(member_client, settings):
    # given
    settings.LANGUAGE_CODE = "nl"
    demo_seed(customers=10, seed=5, as_of=SEED_DAY)

    # when
    page = member_client.get(URL, HTTP_ACCEPT_LANGUAGE="nl").content.decode()

    # then: the day rows and the chart's labels say "mei", never "Mei"
    assert '<th scope="row">vr 15 mei 2020</th>' in page
    assert "15 Mei" not in page

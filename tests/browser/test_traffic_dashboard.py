"""The traffic on the dashboard and on a connection page, in a real browser with axe: the share chart with its
numbers, the list of connections live but still on Digipoort, and the alert on such a connection's page."""

import datetime

import pytest
from playwright.sync_api import expect

from connections.services.demo import demo_seed
from connections.services.staff import staff_groups_sync
from tests.browser.conftest import assert_accessible, sign_in, staff_user
from tests.connections.factories import team_member
from traffic.services.demo import traffic_demo_seed

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
PASSWORD = "correct horse battery staple"
SEED_DAY = datetime.date(2020, 5, 15)


@pytest.fixture
def tessa(db, settings):
    settings.HTG_CLOCK_DATE = SEED_DAY
    staff_groups_sync()
    return staff_user(team_member, "tessa", first_name="Tessa", last_name="de Boer")


def test_the_traffic_share_and_a_company_still_on_digipoort(page, live_server, tessa):
    # given the demo's companies with their traffic of the last three months
    demo_seed(customers=60, seed=8, as_of=SEED_DAY)
    traffic = traffic_demo_seed(as_of=SEED_DAY, days=91)
    assert traffic.counts > 0

    # when she opens the dashboard
    sign_in(page, live_server, "tessa", PASSWORD)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Dashboard").click()

    # then the traffic section shows the share on HTG as a chart with its numbers, without accessibility violations
    section = page.locator('[data-section="traffic"]')
    expect(section.get_by_role("heading", name="Message traffic: the volume on HTG")).to_be_visible()
    expect(
        section.get_by_role("img", name="Share of the production message volume via HTG, per plateau and day")
    ).to_be_visible()
    expect(section.locator('[data-figure="traffic-share"]')).to_contain_text("of all production messages went via HTG")
    section.get_by_text("The numbers of this chart").click()
    expect(
        section.get_by_role("table", name="Production messages via HTG and via Digipoort, per plateau and day")
    ).to_be_visible()
    expect(
        section.get_by_role("table", name="Share on HTG per flow: production messages via HTG and via Digipoort")
    ).to_be_visible()
    assert_accessible(page)

    # when she opens a connection that is live but still on Digipoort
    still = section.get_by_role("region", name="Live but still on Digipoort").get_by_role("link").first
    company = still.inner_text()
    still.click()

    # then its page alerts "still sending via Digipoort" with the volume and the last day seen
    expect(page.get_by_role("heading", level=1)).to_contain_text(company)
    alert = page.locator('[data-notice="still_on_digipoort"]')
    expect(alert).to_contain_text("Still sending via Digipoort")
    expect(alert).to_contain_text("after going live")
    assert_accessible(page)

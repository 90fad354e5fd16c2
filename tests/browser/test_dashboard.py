"""The programme dashboard in a real browser: figures, a funnel count opening the list, time travel, the what-if."""

import datetime

import pytest
from playwright.sync_api import expect

from connections.models import Connection
from connections.services.demo import demo_seed
from connections.services.staff import staff_groups_sync
from tests.browser.conftest import assert_accessible, sign_in, staff_user
from tests.connections.factories import team_member

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
PASSWORD = "correct horse battery staple"
SEED_DAY = datetime.date(2020, 5, 15)


@pytest.fixture
def tessa(db, settings):
    settings.HTG_CLOCK_DATE = SEED_DAY
    staff_groups_sync()
    return staff_user(team_member, "tessa", first_name="Tessa", last_name="de Boer")


def _figure(page, name):
    return page.locator(f'[data-figure="{name}"]').inner_text()


def test_the_dashboard_answers_will_we_make_it_and_what_if(page, live_server, tessa):
    # given
    demo_seed(customers=60, seed=8, as_of=SEED_DAY)
    live = Connection.objects.filter(state__in=["live", "digipoort_closed"]).count()
    invited = Connection.objects.filter(flow__code="AGS", state="invited").count()
    assert invited > 0

    # when: she signs in and opens the dashboard from the navigation
    sign_in(page, live_server, "tessa", PASSWORD)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Dashboard").click()

    # then: the headline, three burn-up charts with their tables, and no accessibility violation
    expect(page.get_by_role("heading", name="Programme dashboard")).to_be_visible()
    assert _figure(page, "live") == str(live)
    assert _figure(page, "working-days-left") == "30"
    expect(page.get_by_role("img", name="Plateau 1: connections live against the plan")).to_be_visible()
    expect(page.locator("svg.chart")).to_have_count(3)
    page.get_by_text("The numbers of this chart").first.click()
    expect(page.get_by_role("table", name="Plateau 1: connections live per day against the plan")).to_be_visible()
    assert_accessible(page)

    # when: the what-if adds five team members
    members = int(_figure(page, "members"))
    rate = float(_figure(page, "plateau-1-rate").split()[0])
    page.get_by_label("Add team members").fill("5")
    page.get_by_role("button", name="Show").click()
    # then: the capacity, the forecast rate and the verdict follow at once, and the two shortfalls agree
    expect(page.locator('[data-figure="members"]')).to_have_text(str(members + 5))
    assert float(_figure(page, "plateau-1-rate").split()[0]) > rate
    assert (_figure(page, "shortfall-slots") == "0") == (_figure(page, "shortfall-members") == "0")
    expect(page.locator('[data-figure="verdict"]')).to_contain_text("with this what-if")
    assert "added_members=5" in page.url

    # when: she looks at the programme as it stood on 16 March 2020
    page.get_by_label("Add team members").fill("")
    page.get_by_label("Show the dashboard as of").fill("2020-03-16")
    page.get_by_role("button", name="Show").click()
    # then: fewer connections were live then
    expect(page.get_by_text("Figures as they stood at the end of Monday 16 March 2020")).to_be_visible()
    assert int(_figure(page, "live")) < live
    assert_accessible(page)

    # when: a bad what-if
    page.get_by_label("By working days (negative: earlier)").fill("10")
    page.get_by_role("button", name="Show").click()
    # then: refused with a message linked to the field
    expect(page.get_by_role("alert")).to_contain_text("Choose the plateau whose start moves.")
    assert_accessible(page)

    # when: back to today, she opens a funnel count
    page.get_by_role("link", name="Reset").click()
    page.locator('[data-funnel="AGS-invited"]').click()
    # then: the connection list with that filter
    expect(page.get_by_role("heading", name="Connections")).to_be_visible()
    assert "plateau=1" in page.url and "flow=AGS" in page.url and "state=invited" in page.url
    expect(page.get_by_text(f"{invited} connection", exact=False).first).to_be_visible()
    expect(page.get_by_label("State")).to_have_value("invited")


def _scrolls_sideways(page):
    return page.evaluate("document.scrollingElement.scrollWidth > document.scrollingElement.clientWidth")


@pytest.mark.parametrize("language", ["en", "nl"])
def test_the_dashboard_fits_a_laptop_and_a_phone_in_both_languages(page, live_server, tessa, language):
    # given: the demo programme, and the dashboard with a what-if (the longest verdict)
    demo_seed(customers=60, seed=8, as_of=SEED_DAY)
    page.set_viewport_size({"width": 1366, "height": 768})
    sign_in(page, live_server, "tessa", PASSWORD)
    if language == "nl":
        page.get_by_role("button", name="Nederlands").click()
    page.goto(f"{live_server.url}/team/dashboard/?added_members=2")
    expect(page.locator("html")).to_have_attribute("lang", language)
    for width, height in ((1366, 768), (390, 844)):
        # when: the page is shown at that width
        page.set_viewport_size({"width": width, "height": height})
        # then: it never scrolls sideways (the funnel scrolls inside its own box), and axe-core finds nothing
        assert not _scrolls_sideways(page), (width, page.evaluate("document.scrollingElement.scrollWidth"))
        funnel = page.locator("table.funnel").locator("xpath=..")
        box = funnel.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width
        expect(page.locator('[data-figure="verdict"]')).to_be_visible()
        assert_accessible(page)

"""A traffic file in a real browser: uploaded with its progress bar, its check report, a corrected file, Apply."""

import datetime

import pytest
from playwright.sync_api import expect

from connections.services.staff import staff_groups_sync
from tests.browser.conftest import assert_accessible, sign_in, staff_user
from tests.browser.journeys import PHONE, browser_page, check_page, staff_sign_in
from tests.connections.factories import team_member
from tests.traffic.files import row, traffic_csv
from traffic.models import TrafficCount, TrafficFile

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
PASSWORD = "correct horse battery staple"


@pytest.fixture
def tessa(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.HTG_CLOCK_DATE = datetime.date(2020, 5, 15)
    staff_groups_sync()
    return staff_user(team_member, "tessa", PASSWORD, first_name="Tessa", last_name="de Boer")


def _file(content: bytes) -> dict:
    return {"name": "htg-2020-03-02.csv", "mimeType": "text/csv", "buffer": content}


def test_a_traffic_file_with_an_error_then_corrected_and_applied(page, live_server, tessa):
    # given: she signs in and opens the traffic page
    sign_in(page, live_server, "tessa", PASSWORD)
    page.get_by_role("link", name="Traffic").click()
    expect(page.get_by_role("heading", name="Message traffic", level=1)).to_be_visible()
    assert_accessible(page)

    # when: she uploads a file with a negative count
    page.get_by_label("File (CSV or JSON lines)").set_input_files(
        _file(traffic_csv([row(), row(flow="NCTS", messages="-4")]))
    )
    page.get_by_role("button", name="Upload and check").click()

    # then: the report names the line, the column and the problem; nothing was counted
    expect(page.get_by_role("heading", name="Errors: nothing was applied")).to_be_visible()
    report = page.get_by_role("table", name="Errors, by line")
    expect(report.get_by_role("row").nth(1).get_by_role("cell")).to_have_text(
        ["3", "messages", "A count cannot be negative."]
    )
    assert TrafficCount.objects.count() == 0
    assert_accessible(page)

    # when: she uploads the corrected file
    page.get_by_role("link", name="Upload a corrected file").click()
    page.get_by_label("File (CSV or JSON lines)").set_input_files(
        _file(traffic_csv([row(), row(flow="NCTS", messages="4", errors="0")]))
    )
    page.get_by_role("button", name="Upload and check").click()

    # then: it is ready to apply; she applies it
    expect(page.get_by_role("heading", name="No errors: ready to apply")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Apply").click()
    expect(page.get_by_text("Applied: 2 rows counted.")).to_be_visible()
    assert sorted(TrafficCount.objects.values_list("messages", flat=True)) == [4, 10]
    assert list(TrafficFile.objects.order_by("pk").values_list("status", flat=True)) == ["rejected", "applied"]
    assert_accessible(page)


def test_a_file_past_the_limit_is_refused_before_it_is_sent(page, live_server, tessa, settings):
    # given
    settings.HTG_TRAFFIC_MAX_BYTES = 200
    sign_in(page, live_server, "tessa", PASSWORD)
    page.goto(f"{live_server.url}/team/traffic/")
    # when
    page.get_by_label("File (CSV or JSON lines)").set_input_files(_file(traffic_csv([row(), row(flow="NCTS")])))
    page.get_by_role("button", name="Upload and check").click()
    # then
    expect(page.get_by_role("alert")).to_contain_text("The file is larger than 0.0002 MB and cannot be uploaded.")
    assert TrafficFile.objects.count() == 0
    assert_accessible(page)


def test_the_report_of_a_file_with_a_long_name_fits_a_phone_in_dutch(chromium_browser, live_server, tessa):
    # given: Tessa on her phone, her browser in Dutch
    page = browser_page(chromium_browser, language="nl", viewport=PHONE)
    page.goto(f"{live_server.url}/accounts/login/")
    staff_sign_in(page, "tessa")
    page.goto(f"{live_server.url}/team/traffic/")

    # when: she uploads a file with a name of one long word and three bad rows
    bad = traffic_csv([row(flow="A" * 300), row(flow="NCTS", messages="-4"), row(flow="CID", day="2020-02-30")])
    page.locator("#traffic-file").set_input_files({"name": "htg-" + "a" * 200 + ".csv", "mimeType": "text/csv",
                                                   "buffer": bad})  # fmt: skip
    page.get_by_role("button", name="Uploaden en controleren").click()

    # then: the report, its table a region she can scroll with the keyboard, and no sideways scrolling of the page
    expect(page.get_by_role("heading", name="Fouten: er is niets verwerkt")).to_be_visible()
    check_page(page, language="nl")

    # and the list of files, with that name in it
    page.get_by_role("link", name="Terug naar berichtenverkeer").click()
    check_page(page, language="nl")
    page.context.close()

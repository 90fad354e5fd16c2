"""Slot planning in a real browser: publish availability, see the slots and the capacity, book a slot."""

import datetime

import pytest
from playwright.sync_api import expect

from connections.ical import calendar_token
from connections.models import SlotBooking, TeamAvailability
from tests.browser.conftest import assert_accessible
from tests.browser.dutch_phone import check_dutch_and_phone
from tests.connections.factories import ConnectionFactory, UserFactory, team_member, walk_to

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_a_team_member_publishes_availability_sees_the_slots_and_books_one(page, live_server, settings):
    # given: mid-May 2020, a team member and a company waiting for a slot
    settings.HTG_CLOCK_DATE = datetime.date(2020, 5, 15)
    user = team_member(username="tessa", first_name="Tessa", last_name="de Vries")
    user.set_password("correct horse battery staple")
    user.save()
    connection = walk_to(
        ConnectionFactory(customer__legal_name="Van Dam Logistiek B.V."), "slot_offered", UserFactory(is_superuser=True)
    )

    # when: she signs in and opens slot planning
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill("tessa")
    page.get_by_label("Password").fill("correct horse battery staple")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Slot planning").click()

    # then: the empty page says so, and is accessible
    expect(page.get_by_role("heading", name="Slot planning", level=1)).to_be_visible()
    expect(page.get_by_text("No slots in the coming four weeks yet")).to_be_visible()
    assert_accessible(page)

    # when: a refused publication (a Saturday)
    page.get_by_label("Date").fill("2020-05-16")
    page.get_by_label("From").fill("09:00")
    page.get_by_label("Until").fill("12:00")
    page.get_by_role("button", name="Publish", exact=True).click()

    # then: the reason, next to the field, and the page with its errors is accessible
    expect(page.get_by_role("alert")).to_contain_text("16 May 2020 is a weekend day or a Dutch public holiday")
    assert_accessible(page)

    # when: she publishes Monday 18 May, 09:00 until 12:00
    page.get_by_label("Date").fill("2020-05-18")
    page.get_by_label("From").fill("09:00")
    page.get_by_label("Until").fill("12:00")
    page.get_by_role("button", name="Publish", exact=True).click()

    # then: three one-hour slots, and the capacity of that day
    expect(page.get_by_text("One-hour slots made: 3.")).to_be_visible()
    availability = page.get_by_role("region", name="Your availability")
    for hours in ("09:00–10:00", "10:00–11:00", "11:00–12:00"):
        expect(availability.get_by_text(hours)).to_be_visible()
    capacity_row = page.get_by_role("region", name="Capacity per day").get_by_role("row", name="Monday 18 May 2020")
    expect(capacity_row.get_by_role("cell")).to_have_text(["3", "0", "3"])
    expect(page.get_by_label("Calendar address (iCalendar)")).to_have_value(
        f"{live_server.url}/team/calendar/{calendar_token(user=user)}.ics"
    )
    assert_accessible(page)

    # when: she opens the company's connection and goes to its slot page
    page.goto(f"{live_server.url}/team/connections/{connection.pk}/")
    page.get_by_role("link", name="Choose a slot for this connection").click()

    # then
    expect(page.get_by_role("heading", name="Slot for Van Dam Logistiek B.V., AGS")).to_be_visible()
    assert_accessible(page)

    # when: she books 10:00
    page.get_by_label("Monday 18 May 2020 10:00–11:00 with Tessa de Vries").check()
    page.get_by_role("button", name="Book this slot").click()

    # then
    expect(page.get_by_text("Booked: Monday 18 May 2020 10:00. The connection is now “Slot booked”.")).to_be_visible()
    expect(page.get_by_role("region", name="Current booking")).to_contain_text("Slot booked")
    assert SlotBooking.objects.get(
        connection=connection, cancelled_at__isnull=True
    ).slot.starts_at == datetime.datetime(2020, 5, 18, 8, tzinfo=datetime.UTC)
    assert_accessible(page)

    # and the planning page shows the booking and the day's capacity
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Slot planning").click()
    expect(page.get_by_role("region", name="Your booked slots")).to_contain_text("Van Dam Logistiek B.V.")
    capacity_row = page.get_by_role("region", name="Capacity per day").get_by_role("row", name="Monday 18 May 2020")
    expect(capacity_row.get_by_role("cell")).to_have_text(["3", "1", "2"])
    assert_accessible(page)


def test_a_team_member_publishes_a_weekly_pattern_with_holidays_skipped(page, live_server, settings, chromium_browser):
    # given: mid-May 2020
    settings.HTG_CLOCK_DATE = datetime.date(2020, 5, 15)
    user = team_member(username="tessa", first_name="Tessa", last_name="de Vries")
    user.set_password("correct horse battery staple")
    user.save()
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill("tessa")
    page.get_by_label("Password").fill("correct horse battery staple")
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"{live_server.url}/team/slots/")
    pattern = page.get_by_role("region", name="Publish a weekly pattern")

    # when: a range that ends before it starts
    pattern.get_by_label("Monday").check()
    pattern.get_by_label("Thursday").check()
    pattern.get_by_label("Start time").fill("09:00")
    pattern.get_by_label("End time").fill("11:00")
    pattern.get_by_label("Connections per slot").fill("2")
    pattern.get_by_label("First day").fill("2020-06-05")
    pattern.get_by_label("Last day").fill("2020-05-18")
    pattern.get_by_role("button", name="Publish the weekly pattern").click()

    # then: the reason, nothing published, and the page is accessible
    expect(page.get_by_role("alert")).to_contain_text("The last day must not be before the first day.")
    assert TeamAvailability.objects.count() == 0
    assert_accessible(page)

    # when: corrected
    pattern = page.get_by_role("region", name="Publish a weekly pattern")
    pattern.get_by_label("First day").fill("2020-05-18")
    pattern.get_by_label("Last day").fill("2020-06-05")
    pattern.get_by_role("button", name="Publish the weekly pattern").click()

    # then: four days published, Ascension Day and Whit Monday skipped, two places per slot
    expect(page.get_by_text("Published 4 days with 8 one-hour slots.")).to_be_visible()
    expect(page.get_by_text("Skipped, Dutch public holidays: 21 May 2020, 1 June 2020.")).to_be_visible()
    capacity_row = page.get_by_role("region", name="Capacity per day").get_by_role("row", name="Monday 18 May 2020")
    expect(capacity_row.get_by_role("cell")).to_have_text(["4", "0", "4"])
    expect(page.get_by_role("region", name="Your availability").get_by_text("0 of 2 booked").first).to_be_visible()
    assert_accessible(page)
    page.set_viewport_size({"width": 390, "height": 844})
    assert_accessible(page)
    check_dutch_and_phone(chromium_browser, live_server, "tessa", "/team/slots/", expect_text="weekpatroon")

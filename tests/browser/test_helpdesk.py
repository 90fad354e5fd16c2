"""The helpdesk in a real browser: a keyboard-only lookup, a misspelt name, logging a call, and a callback from the
helpdesk's request to the team's closure in another browser."""

import re

import pytest
from playwright.sync_api import expect

from connections.models import CallbackRequest, HelpdeskContact
from connections.services.htg_numbers import customer_htg_number_issue
from connections.services.staff import staff_groups_sync
from tests.browser.conftest import assert_accessible, sign_in, staff_user
from tests.connections.factories import (
    ConnectionFactory,
    ContactFactory,
    CustomerFactory,
    UserFactory,
    helpdesk_member,
    team_member,
    walk_to,
)

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
PASSWORD = "correct horse battery staple"


@pytest.fixture
def van_dam(db, programme_flows):
    staff_groups_sync()
    owner = staff_user(team_member, "tessa", first_name="Tessa", last_name="de Vries")
    customer = CustomerFactory(legal_name="Van Dam Logistiek B.V.", kvk_number="12345678", eori="NL123456789")
    ContactFactory(customer=customer, name="Anna de Boer", email="anna@vandam.example", phone="+31 10 123 45 67")
    connection = ConnectionFactory(customer=customer, flow=programme_flows["AGS"], assigned_to=owner)
    walk_to(connection, "invited", UserFactory(is_superuser=True))
    ConnectionFactory(customer=customer, flow=programme_flows["NCTS"])
    CustomerFactory(legal_name="Jansen Expeditie")
    customer_htg_number_issue(customer_id=customer.pk)
    customer.refresh_from_db()
    return customer


@pytest.fixture
def hanna(db):
    staff_groups_sync()
    return staff_user(helpdesk_member, "hanna", first_name="Hanna", last_name="Jansen")


def test_a_lookup_by_htg_number_with_the_keyboard_only(page, live_server, van_dam, hanna):
    # given: she signs in and lands on the lookup
    sign_in(page, live_server, "hanna", PASSWORD)
    expect(page.get_by_role("heading", name="Helpdesk lookup", level=1)).to_be_visible()
    search_box = page.get_by_role("searchbox")

    # then: the cursor is already in the search box
    expect(search_box).to_be_focused()
    assert_accessible(page)

    # when: she types the number as the caller reads it out, and presses Enter
    page.keyboard.type(van_dam.htg_number.lower().replace("-", " "))
    page.keyboard.press("Enter")

    # then: straight to the company, its HTG number prominent, its flows with the next step in words
    expect(page.get_by_role("heading", name="Van Dam Logistiek B.V.", level=1)).to_be_visible()
    expect(page.get_by_text(f"HTG number: {van_dam.htg_number}")).to_be_visible()
    flows = page.get_by_role("region", name="Each message flow: its state and the next step")
    expect(flows.get_by_role("row", name=re.compile("AGS"))).to_contain_text(
        "Fill in the intake form from the invitation e-mail."
    )
    expect(flows.get_by_role("row", name=re.compile("AGS"))).to_contain_text("Tessa de Vries")
    expect(page.get_by_role("region", name="Call script")).to_contain_text("You have been invited.")
    expect(page.get_by_role("button", name="Invite")).to_have_count(0)
    assert_accessible(page)


@pytest.mark.postgres  # typo tolerance is PostgreSQL's trigram similarity
def test_a_misspelt_name_finds_the_company(page, live_server, van_dam, hanna):
    # given
    CustomerFactory(legal_name="Van Dam Transport")
    sign_in(page, live_server, "hanna", PASSWORD)

    # when: a typo in the name
    page.get_by_role("searchbox").fill("Van Dma")
    page.keyboard.press("Enter")

    # then: ranked results with both Van Dams, and not Jansen
    results = page.get_by_role("region", name=re.compile("companies found"))
    expect(results.get_by_role("link", name="Van Dam Logistiek B.V.")).to_be_visible()
    expect(results.get_by_role("link", name="Van Dam Transport")).to_be_visible()
    expect(results.get_by_text("Jansen Expeditie")).to_have_count(0)
    assert_accessible(page)

    # when: the full misspelt name
    page.get_by_role("searchbox").fill("Van Dma Logistiek")
    page.keyboard.press("Enter")

    # then: one company: straight to it
    expect(page.get_by_role("heading", name="Van Dam Logistiek B.V.", level=1)).to_be_visible()

    # when: a name nobody has
    page.goto(f"{live_server.url}/helpdesk/?q=Nobody+Anywhere")

    # then
    expect(page.get_by_text("No company matches “Nobody Anywhere”.")).to_be_visible()
    assert_accessible(page)


def test_logging_a_call(page, live_server, van_dam, hanna):
    # given
    sign_in(page, live_server, "hanna", PASSWORD)
    page.goto(f"{live_server.url}/helpdesk/customers/{van_dam.pk}/")

    # when
    form = page.get_by_role("region", name="Log a call or e-mail")
    form.get_by_label("Channel").select_option(label="Phone")
    form.get_by_label("Topic").select_option(label="Slot booking")
    form.get_by_label("About").select_option(label="AGS · Invited")
    form.get_by_label("Notes").fill("Asked when the slot offer comes")
    form.get_by_role("button", name="Log contact").click()

    # then: the history, folded away below the card, has it
    expect(page.get_by_text("The contact is logged.")).to_be_visible()
    page.locator("#history-contacts > summary").click()
    history = page.get_by_role("region", name="Recent helpdesk contacts")
    expect(history).to_contain_text("Slot booking")
    expect(history).to_contain_text("Asked when the slot offer comes")
    expect(history).to_contain_text("Hanna Jansen")
    assert HelpdeskContact.objects.get().topic == "slot_booking"
    assert_accessible(page)


def test_a_callback_from_the_helpdesks_request_to_the_teams_closure(
    page, chromium_browser, live_server, van_dam, hanna
):
    # given
    sign_in(page, live_server, "hanna", PASSWORD)
    page.goto(f"{live_server.url}/helpdesk/customers/{van_dam.pk}/")

    # when: the helpdesk asks for an urgent callback about AGS
    form = page.get_by_role("region", name="Ask the team to call back")
    form.get_by_label("About").select_option(label="AGS · Invited")
    form.get_by_label("Urgency").select_option(label="Urgent")
    form.get_by_label("Contact person").fill("Anna de Boer")
    form.get_by_label("Phone number to call").fill("010 123 4567")
    form.get_by_label("Reason").fill("Cannot find the intake form")
    form.get_by_role("button", name="Request callback").click()

    # then: it goes to the connection's team member
    expect(page.get_by_text(re.compile("Callback requested: Tessa de Vries will call back before"))).to_be_visible()
    expect(page.get_by_role("region", name="Callback requests")).to_contain_text("Cannot find the intake form")
    assert_accessible(page)

    # when: Tessa, in a browser of her own, opens her callbacks
    context = chromium_browser.new_context(locale="en-GB", timezone_id="Europe/Amsterdam")
    context.set_default_timeout(15_000)
    team_page = context.new_page()
    sign_in(team_page, live_server, "tessa", PASSWORD)
    team_page.get_by_role("navigation", name="Main").get_by_role("link", name="Callbacks").click()
    team_page.get_by_role("link", name="Mine").click()

    # then
    expect(team_page.get_by_role("heading", name="Callbacks", level=1)).to_be_visible()
    expect(team_page.get_by_text("Cannot find the intake form")).to_be_visible()
    expect(team_page.get_by_text("Anna de Boer, 010 123 4567")).to_be_visible()
    assert_accessible(team_page)

    # when: she calls and closes it
    team_page.get_by_label("Outcome of the call").fill("Resent the invitation, Anna will fill it in today")
    team_page.get_by_role("button", name="Close callback").click()

    # then
    expect(team_page.get_by_text("Callback closed; the outcome is on the company's screen.")).to_be_visible()
    expect(team_page.get_by_text("No open callback requests here.")).to_be_visible()
    assert_accessible(team_page)

    # and the connection's page shows it in its helpdesk section
    connection = van_dam.connections.get(flow__code="AGS")
    team_page.goto(f"{live_server.url}/team/connections/{connection.pk}/")
    expect(team_page.get_by_role("region", name="Helpdesk contacts and callbacks")).to_contain_text(
        "Resent the invitation"
    )
    assert_accessible(team_page)
    context.close()

    # when: the helpdesk looks again
    page.reload()

    # then: the outcome is on the company's screen
    callbacks = page.get_by_role("region", name="Callback requests")
    expect(callbacks).to_contain_text("No open callback request.")
    expect(callbacks).to_contain_text("Resent the invitation, Anna will fill it in today")
    assert CallbackRequest.objects.get().status == "closed"

"""The helpdesk's customer card in Chromium (issue 14 item 9): its top fits one screen at 1366×900 in Dutch and
English, the history folds away, the callback form fills in a chosen contact, the helpdesk never reaches the admin,
and every page passes axe-core on a desktop and a phone in both languages."""

import datetime
import re

import pytest
from django.conf import settings as django_settings
from django.test import Client
from playwright.sync_api import expect

from connections.models import Escalation, HelpdeskContact
from connections.services.htg_numbers import customer_htg_number_issue
from connections.services.staff import staff_groups_sync
from tests.browser.conftest import assert_accessible
from tests.connections.factories import (
    ConnectionFactory,
    ContactFactory,
    CustomerFactory,
    helpdesk_member,
    team_member,
)

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}
LOCALES = {"en": "en-GB", "nl": "nl-NL"}
TODAY = datetime.date(2020, 5, 15)

# Every flow, in the states whose next step is longest to say (the card's worst case), two overdue, one escalated.
FLOW_STATES = {
    "AGS": "testing",
    "CID": "test_passed",
    "EMCS": "technical_data_sent",
    "NCTS": "testing",
    "SW": "slot_offered",
    "NVWA": "invited",
}


@pytest.fixture
def busy_company(db, programme_flows, settings):
    settings.HTG_CLOCK_DATE = TODAY
    staff_groups_sync()
    owner = team_member(username="tessa", first_name="Tessa", last_name="van der Vliet-Verhoeven")
    customer = CustomerFactory(legal_name="Internationale Expeditie- en Douaneagentuur Van der Meer & Zonen B.V.")
    ContactFactory(customer=customer, name="Anna de Boer", email="anna@vandermeer.example", phone="+31 10 123 45 67")
    ContactFactory(customer=customer, name="Piet Zonder Nummer", email="piet@vandermeer.example", phone="")
    connections = {}
    for code, state in FLOW_STATES.items():
        connections[code] = ConnectionFactory(
            customer=customer, flow=programme_flows[code], state=state, assigned_to=owner
        )
    for code, due in (("AGS", TODAY - datetime.timedelta(days=9)), ("SW", TODAY - datetime.timedelta(days=2))):
        type(connections[code]).objects.filter(pk=connections[code].pk).update(due_on=due)
    Escalation.objects.create(
        connection=connections["AGS"], waiting_state="testing", reason="No test messages for three weeks"
    )
    for topic in ("slot_booking", "htg_number", "other"):
        HelpdeskContact.objects.create(
            customer=customer, channel="phone", topic=topic, recorded_by=owner, notes=f"Called about {topic}"
        )
    customer_htg_number_issue(customer_id=customer.pk)
    customer.refresh_from_db()
    return customer


@pytest.fixture
def hanna(db):
    staff_groups_sync()
    return helpdesk_member(username="hanna", first_name="Hanna", last_name="Jansen")


def _signed_in_page(chromium_browser, live_server, user, *, language, viewport):
    """A page in its own browser context (the language its browser asks for, the screen size), signed in as `user`."""
    context = chromium_browser.new_context(locale=LOCALES[language], timezone_id="Europe/Amsterdam", viewport=viewport)
    context.set_default_timeout(15_000)
    client = Client()
    client.force_login(user)
    cookie = client.cookies[django_settings.SESSION_COOKIE_NAME]
    context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_server.url}])
    return context.new_page()


def _within_viewport(page, locator) -> dict:
    """The element's box and the viewport, as the browser lays them out (page scrolled to the top)."""
    box = locator.bounding_box()
    assert box is not None, "the element is not rendered"
    viewport = page.viewport_size
    return {
        "left": box["x"] >= 0,
        "top": box["y"] >= 0,
        "right": box["x"] + box["width"] <= viewport["width"],
        "bottom": box["y"] + box["height"] <= viewport["height"],
    }


INSIDE = {"left": True, "top": True, "right": True, "bottom": True}


@pytest.mark.parametrize("language", ["en", "nl"])
def test_the_top_of_the_card_fits_one_screen_at_1366_by_900(
    chromium_browser, live_server, busy_company, hanna, language
):
    # given: the helpdesk opens a company with all six flows in wordy states, overdue and escalated ones among them
    page = _signed_in_page(chromium_browser, live_server, hanna, language=language, viewport=DESKTOP)
    page.goto(f"{live_server.url}/helpdesk/customers/{busy_company.pk}/")
    assert page.locator("html").get_attribute("lang") == language
    card = page.locator("[data-customer-card]")

    # then: the company, its HTG number, plateau(s) and deadline, each flow with state, next step and overdue badge,
    # and both actions are on the screen without scrolling
    assert page.evaluate("window.scrollY") == 0
    assert _within_viewport(page, card) == INSIDE
    expect(card.get_by_role("heading", level=1)).to_have_text(busy_company.legal_name)
    expect(card).to_contain_text(busy_company.htg_number)
    expect(card).to_contain_text("30 juni 2020" if language == "nl" else "30 June 2020")
    rows = card.get_by_role("row")
    expect(rows).to_have_count(1 + len(FLOW_STATES))
    for code in FLOW_STATES:
        assert _within_viewport(page, card.get_by_role("row", name=re.compile(rf"^{code}\b"))) == INSIDE
    overdue = "over tijd" if language == "nl" else "overdue"
    expect(card.get_by_role("row", name=re.compile(r"^AGS\b"))).to_contain_text(overdue)
    expect(card.get_by_role("row", name=re.compile(r"^SW\b"))).to_contain_text(overdue)
    expect(card.get_by_role("row", name=re.compile(r"^CID\b"))).not_to_contain_text(overdue)
    log_call = card.get_by_role("link", name="Gesprek vastleggen" if language == "nl" else "Log a call")
    callback = card.get_by_role("link", name="Terugbelverzoek doen" if language == "nl" else "Request a callback")
    assert _within_viewport(page, log_call) == INSIDE
    assert _within_viewport(page, callback) == INSIDE

    # and: the history is folded away below it
    history = page.locator("details#history-contacts")
    assert history.get_attribute("open") is None
    expect(page.get_by_text("Called about slot_booking")).to_be_hidden()
    assert_accessible(page)

    # when: the action is followed, the form is there
    callback.click()
    expect(page.get_by_role("heading", name=re.compile("terug te bellen|call back"), level=2)).to_be_in_viewport()

    # when: the history is unfolded
    history.locator("summary").click()

    # then
    expect(page.get_by_text("Called about slot_booking")).to_be_visible()
    assert_accessible(page)
    page.context.close()


def test_choosing_a_contact_fills_in_the_callback_forms_name_and_phone(
    chromium_browser, live_server, busy_company, hanna
):
    # given
    page = _signed_in_page(chromium_browser, live_server, hanna, language="en", viewport=DESKTOP)
    page.goto(f"{live_server.url}/helpdesk/customers/{busy_company.pk}/")
    form = page.get_by_role("region", name="Ask the team to call back")

    # when: the helpdesk chooses the contact on record
    form.get_by_label("Contact on record").select_option(label="Anna de Boer · +31 10 123 45 67")

    # then: the name and number are filled in
    expect(form.get_by_label("Contact person")).to_have_value("Anna de Boer")
    expect(form.get_by_label("Phone number to call")).to_have_value("+31 10 123 45 67")

    # when: a contact without a phone number: the name is filled in, the cursor waits in the empty number
    form.get_by_label("Contact on record").select_option(label="Piet Zonder Nummer (no phone number)")

    # then
    expect(form.get_by_label("Contact person")).to_have_value("Piet Zonder Nummer")
    expect(form.get_by_label("Phone number to call")).to_have_value("")
    expect(form.get_by_label("Phone number to call")).to_be_focused()

    # when: back to Anna, and the request is sent
    form.get_by_label("Contact on record").select_option(label="Anna de Boer · +31 10 123 45 67")
    form.get_by_label("About").select_option(label="AGS · Testing")
    form.get_by_label("Reason").fill("Test messages rejected")
    form.get_by_role("button", name="Request callback").click()

    # then
    requested = re.compile("Callback requested: Tessa van der Vliet-Verhoeven will call back")
    expect(page.get_by_text(requested)).to_be_visible()
    # and the card's top still fits the screen below the message
    assert _within_viewport(page, page.locator("[data-customer-card]")) == INSIDE
    expect(page.get_by_role("region", name="Callback requests")).to_contain_text("(Anna de Boer, +31 10 123 45 67)")
    assert_accessible(page)
    page.context.close()


@pytest.mark.parametrize("language", ["en", "nl"])
def test_the_helpdesk_sees_no_admin_link_and_is_refused_at_the_admin(
    chromium_browser, live_server, busy_company, hanna, language
):
    # given
    page = _signed_in_page(chromium_browser, live_server, hanna, language=language, viewport=DESKTOP)

    # when: its own pages
    for path in ("/helpdesk/", f"/helpdesk/customers/{busy_company.pk}/"):
        page.goto(f"{live_server.url}{path}")

        # then: no way to the admin
        expect(page.locator("a[href^='/admin']")).to_have_count(0)

    # when: the admin's address typed by hand
    page.goto(f"{live_server.url}/admin/")

    # then: the admin's sign-in says the account may not use it; nothing of the admin is shown
    assert page.url.startswith(f"{live_server.url}/admin/login/")
    refusal = "niet bevoegd" if language == "nl" else "not authorized"
    expect(page.get_by_text(re.compile(refusal))).to_be_visible()
    expect(page.get_by_role("link", name=re.compile("Connections|Verbindingen"))).to_have_count(0)
    assert_accessible(page)
    page.context.close()


@pytest.mark.parametrize("language", ["en", "nl"])
@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_the_helpdesk_pages_pass_axe_core(chromium_browser, live_server, busy_company, hanna, language, viewport):
    # given: a second company near the first's name, so the search lists both
    CustomerFactory(legal_name="Expeditie Douane Noord B.V.")
    page = _signed_in_page(chromium_browser, live_server, hanna, language=language, viewport=viewport)

    # when / then: the lookup, its results, the card (with its history open), and a refused form
    page.goto(f"{live_server.url}/helpdesk/")
    assert_accessible(page)
    page.goto(f"{live_server.url}/helpdesk/?q=expeditie+douane")
    expect(page.get_by_role("link", name=busy_company.legal_name)).to_be_visible()
    assert_accessible(page)
    page.goto(f"{live_server.url}/helpdesk/customers/{busy_company.pk}/")
    assert_accessible(page)
    for summary in page.locator("details.history > summary").all():
        summary.click()
    assert_accessible(page)
    form = page.locator("form[action$='/callbacks/']")
    form.locator("textarea").fill("Reason without a contact")
    form.get_by_role("button").click()
    expect(page.locator("#id_callback-contact_phone_error, .errorlist").first).to_be_visible()
    assert_accessible(page)
    page.context.close()

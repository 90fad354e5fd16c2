"""Issue 14 items 6 and 7 in a real browser: a hub's client list on a phone (cards, filters, due dates), and the
problem form, the news form and the helpdesk forms sent empty, drawn by the project's form templates; axe-core on
every page, in Dutch and in English, on a desktop and on a phone (390x844)."""

import datetime

import pytest
from django.conf import settings as django_settings
from django.test import Client
from playwright.sync_api import expect

from connections.models import Connection
from plateaus.models import MessageFlow
from tests.browser.conftest import assert_accessible
from tests.connections.factories import (
    ConnectionFactory,
    CustomerFactory,
    UserFactory,
    helpdesk_member,
    team_member,
    walk_to,
)
from tests.connections.portal_factories import company_contact, hub_with_client

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

TODAY = datetime.date(2020, 5, 15)
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture(autouse=True)
def pinned(settings):
    settings.HTG_CLOCK_DATE = TODAY


def _sign_in(page, live_server, user, language):
    """A signed-in session and the language the header's switch leaves behind."""
    client = Client()
    client.force_login(user)
    cookie = client.cookies[django_settings.SESSION_COOKIE_NAME]
    page.context.add_cookies(
        [
            {"name": cookie.key, "value": cookie.value, "url": live_server.url},
            {"name": django_settings.LANGUAGE_COOKIE_NAME, "value": language, "url": live_server.url},
        ]
    )


def _nothing_sideways(page, within="main"):
    """Nothing on the page is wider than the window or hidden in a box that scrolls sideways (text for screen
    readers alone is clipped on purpose)."""
    hidden = page.evaluate(
        """within => [...document.querySelectorAll(within + ' *')]
            .filter(element => !element.classList.contains('visually-hidden')
                && element.scrollWidth > element.clientWidth + 1
                && ['auto', 'scroll', 'hidden'].includes(getComputedStyle(element).overflowX))
            .map(element => element.className || element.tagName)""",
        within,
    )
    assert hidden == [], page.url
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), page.url


CLIENTS = {
    "en": {
        "heading": "Your clients",
        "action": "Needs my action",
        "overdue": "Overdue",
        "show": "Show",
        "late_due": "Due: 14 May 2020",
        "waiting_due": "Due: 22 May 2020",
        "count": "2 clients",
    },
    "nl": {
        "heading": "Uw klanten",
        "action": "Wacht op mijn actie",
        "overdue": "Over tijd",
        "show": "Toon",
        "late_due": "Uiterlijk: 14 mei 2020",
        "waiting_due": "Uiterlijk: 22 mei 2020",
        "count": "2 klanten",
    },
}


@pytest.mark.parametrize("language", ["en", "nl"])
def test_a_hub_filters_its_clients_on_a_phone_and_sees_every_due_date(page, live_server, language):
    # given: a hub with a late client, a waiting one and a quiet one
    text = CLIENTS[language]
    walker = UserFactory(is_superuser=True)
    hub, late = hub_with_client(legal_name="Delta Late Logistics Services International B.V.")
    offered = walk_to(ConnectionFactory(customer=late), "slot_offered", walker)
    Connection.objects.filter(pk=offered.pk).update(due_on=datetime.date(2020, 5, 14))
    waiting = CustomerFactory(hub=hub.customer, legal_name="Alfa Waiting B.V.")
    testing = walk_to(ConnectionFactory(customer=waiting), "testing", walker)
    Connection.objects.filter(pk=testing.pk).update(due_on=datetime.date(2020, 5, 22))
    quiet = CustomerFactory(hub=hub.customer, legal_name="Bravo Planned B.V.")
    ConnectionFactory(customer=quiet, flow=MessageFlow.objects.get(code="CID"))
    page.set_viewport_size(PHONE)
    _sign_in(page, live_server, hub.user, language)

    # when
    page.goto(f"{live_server.url}/portal/clients/")

    # then: every client as a card, each flow's due date visible without scrolling sideways
    expect(page.get_by_role("heading", name=text["heading"], level=1)).to_be_visible()
    expect(page.get_by_role("heading", level=2)).to_have_count(3)
    expect(page.get_by_text(text["late_due"])).to_be_visible()
    expect(page.get_by_text(text["waiting_due"])).to_be_visible()
    _nothing_sideways(page)
    assert_accessible(page)

    # when: it asks for what needs its action
    page.get_by_label(text["action"]).check()
    page.get_by_role("button", name=text["show"]).click()

    # then: the two waiting clients, soonest due first, and the filter in the URL
    expect(page.get_by_role("status")).to_have_text(text["count"])
    assert page.get_by_role("heading", level=2).all_inner_texts() == [late.legal_name, waiting.legal_name]
    assert "action=on" in page.url
    expect(page.get_by_label(text["action"])).to_be_checked()
    _nothing_sideways(page)
    assert_accessible(page)

    # when: only what is overdue
    page.get_by_label(text["action"]).uncheck()
    page.get_by_label(text["overdue"]).check()
    page.get_by_role("button", name=text["show"]).click()

    # then
    assert page.get_by_role("heading", level=2).all_inner_texts() == [late.legal_name]
    _nothing_sideways(page)
    assert_accessible(page)
    page.set_viewport_size(DESKTOP)
    assert_accessible(page)


FORM_TEXT = {
    "en": {
        "description": "Fill in “What goes wrong?”.",
        "urgent": "Urgent: messages are not getting through at all",
        "news": "Fill in “Title (Dutch)”.",
        "callback": "Fill in “Reason”.",
    },
    "nl": {
        "description": "Vul “Wat gaat er mis?” in.",
        "urgent": "Spoed: er komen helemaal geen berichten door",
        "news": "Vul “Titel (Nederlands)” in.",
        "callback": "Vul “Reden” in.",
    },
}


def _checkbox_is_full_size_before_its_label(page, label):
    checkbox = page.get_by_label(label)
    box = checkbox.bounding_box()
    label_box = page.locator(f"label[for='{checkbox.get_attribute('id')}']").bounding_box()
    assert box is not None and label_box is not None
    assert box["width"] >= 20 and box["height"] >= 20  # 1.25rem, not the browser's 13px
    assert box["x"] < label_box["x"]


@pytest.mark.parametrize("language", ["en", "nl"])
@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_the_problem_news_and_helpdesk_forms_sent_empty_name_each_missing_field(page, live_server, language, viewport):
    # given: a live company connection, a team member, a helpdesk member
    text = FORM_TEXT[language]
    walker = UserFactory(is_superuser=True)
    contact = company_contact(legal_name="Kade Expeditie B.V.")
    live = walk_to(ConnectionFactory(customer=contact.customer), "live", walker)
    page.set_viewport_size(viewport)

    # when: the company sends its problem report without a description
    _sign_in(page, live_server, contact.user, language)
    page.goto(f"{live_server.url}/portal/connections/{live.pk}/problem/")
    _checkbox_is_full_size_before_its_label(page, text["urgent"])
    assert_accessible(page)
    page.locator("form.narrow button[type=submit]").click()

    # then: the message names the field, beside it, tied to it
    expect(page.locator("#id_description_error")).to_contain_text(text["description"])
    expect(page.locator("#id_description")).to_have_attribute("aria-invalid", "true")
    _nothing_sideways(page)
    assert_accessible(page)

    # when: a team member saves a news item with nothing in it
    page.context.clear_cookies()
    _sign_in(page, live_server, team_member(), language)
    page.goto(f"{live_server.url}/team/news/")
    page.locator("form[action='/team/news/'] button[type=submit]").click()

    # then
    expect(page.locator("#id_title_nl_error")).to_contain_text(text["news"])
    _nothing_sideways(page)
    assert_accessible(page)

    # when: the helpdesk asks for a callback without a reason (the card's own layout is another part's: the forms
    # are checked here)
    forms = "form[action$='/contacts/'], form[action$='/callbacks/']"
    page.context.clear_cookies()
    _sign_in(page, live_server, helpdesk_member(), language)
    page.goto(f"{live_server.url}/helpdesk/customers/{contact.customer_id}/")
    assert_accessible(page, context=forms)
    page.locator("form[action$='/callbacks/'] button[type=submit]").click()

    # then
    expect(page.locator("#id_callback-reason_error")).to_contain_text(text["callback"])
    _nothing_sideways(page, within="form[action$='/callbacks/']")
    assert_accessible(page, context=forms)

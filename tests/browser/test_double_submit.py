"""A second click on a form in Chromium: the page sends it once (app.js), the clicked button's own value still goes
with it, and the company gets its HTG number. The server's guarantee (one row per submit token, whatever arrives)
is tested per form in tests/test_double_submits.py."""

import pytest
from django.conf import settings as django_settings
from django.test import Client
from playwright.sync_api import expect

from connections.models import Customer, HtgNumberAllocation
from portal.services.intake import intake_draft_save
from tests.browser.conftest import assert_accessible
from tests.connections.factories import CustomerFactory
from tests.connections.portal_factories import company_contact
from tests.portal.services.test_intake import valid_intake

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_a_second_click_on_submit_the_intake_is_not_sent_and_the_first_still_carries_its_button(
    page, live_server, programme_flows
):
    # given: an invited company's contact, signed in, on the intake's last page
    contact = company_contact(CustomerFactory(eori="NL123456789", kvk_number="12345678"))
    data = valid_intake()
    data["contacts"][0]["email"] = contact.email
    intake_draft_save(email=contact.email, data=data, step="review")
    browser = Client()
    browser.force_login(contact.user)
    cookie = browser.cookies[django_settings.SESSION_COOKIE_NAME]
    page.context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_server.url}])
    review = f"{live_server.url}/portal/intake/review/"
    page.goto(review)
    assert_accessible(page)
    # The submits are answered "204 No Content" (the page stays as it is, as while a slow answer is on its way).
    sent = []

    def no_content(route):
        sent.append(route.request.post_data)
        route.fulfill(status=204)

    page.route(
        "**/portal/intake/review/",
        lambda route: no_content(route) if route.request.method == "POST" else route.continue_(),
    )
    button = page.get_by_role("button", name="Submit the intake")

    # when: a click, then another, and Enter in the form
    button.click()
    expect(button).to_be_disabled()
    button.click(force=True)
    page.evaluate("document.querySelector('form.intake').requestSubmit()")

    # then: sent once, with the clicked button's own value and the page's token
    expect(page.locator("form.intake")).to_have_attribute("data-submitting", "true")
    assert len(sent) == 1, sent
    assert "action=submit" in sent[0] and "submit_token=" in sent[0]

    # when: the answers come through again and the page is submitted (a new page: a new token)
    page.unroute("**/portal/intake/review/")
    page.goto(review)
    page.get_by_role("button", name="Submit the intake").click()

    # then: the HTG number, once
    expect(page.get_by_text("your intake has been received")).to_be_visible()
    number = HtgNumberAllocation.objects.get().number
    assert Customer.objects.get(pk=contact.customer_id).htg_number == number
    assert_accessible(page)

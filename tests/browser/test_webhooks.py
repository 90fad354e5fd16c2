"""The portal's webhooks page in a real browser: a contact adds an address, sees its secret once, sends a failed
delivery again and removes the address, on an accessible page without a Content-Security-Policy violation."""

import datetime

import pytest
from django.conf import settings as django_settings
from django.db import transaction
from django.test import Client
from playwright.sync_api import expect

from tests.browser.conftest import assert_accessible
from tests.browser.journeys import DESKTOP, PHONE, browser_page, check_page
from tests.browser.test_content_security_policy import PolicyWatch
from tests.connections.portal_factories import company_contact
from tests.webhooks.factories import endpoint_for
from webhooks.models import EventKind, WebhookDelivery, WebhookEndpoint
from webhooks.services import event_record

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def _sign_in(page, live_server, user):
    client = Client()
    client.force_login(user)
    cookie = client.cookies[django_settings.SESSION_COOKIE_NAME]
    page.context.add_cookies(
        [
            {"name": cookie.key, "value": cookie.value, "url": live_server.url},
            {"name": django_settings.LANGUAGE_COOKIE_NAME, "value": "en", "url": live_server.url},
        ]
    )


def test_a_contact_adds_an_address_sends_a_failed_delivery_again_and_removes_it(page, live_server):
    # given
    contact = company_contact()
    _sign_in(page, live_server, contact.user)
    watch = PolicyWatch(page)
    assert watch.visit(f"{live_server.url}/portal/webhooks/") == []
    assert_accessible(page)

    # when: an address is added for state changes
    page.get_by_label("Address", exact=True).fill("http://127.0.0.1:9/hook")
    page.get_by_label("a connection's state changed").check()
    page.get_by_role("button", name="Add the address").click()

    # then: its secret, once
    expect(page.get_by_role("heading", name="The secret of your new address")).to_be_visible()
    assert page.locator("code.token-key").inner_text() == WebhookEndpoint.objects.get().secret
    assert_accessible(page)

    # when: a delivery of it failed, and the contact sends it again
    endpoint = WebhookEndpoint.objects.get()
    with transaction.atomic():
        event_record(kind=EventKind.STATE_CHANGED, customer_id=contact.customer_id, connection_id=None, payload={},
                     occurred_at=datetime.datetime(2020, 5, 15, tzinfo=datetime.UTC))  # fmt: skip
    WebhookDelivery.objects.filter(endpoint=endpoint).update(status="failed", last_error="HTTP 503")
    page.reload()
    expect(page.locator("code.token-key")).to_have_count(0)
    assert_accessible(page)
    page.get_by_role("button", name="Send event").click()

    # then
    expect(page.get_by_text("The event is sent again.")).to_be_visible()
    assert WebhookDelivery.objects.get().status != "failed"

    # when: removed
    page.get_by_role("button", name="Remove http://127.0.0.1:9/hook").click()

    # then
    expect(page.get_by_text("Your company has no webhook addresses yet.")).to_be_visible()
    assert WebhookEndpoint.objects.count() == 0
    assert watch.violations() == []


@pytest.mark.parametrize(("language", "viewport"), [("nl", PHONE), ("en", DESKTOP)], ids=["nl-phone", "en-desktop"])
def test_a_long_address_secret_and_error_do_not_widen_the_page(chromium_browser, live_server, language, viewport):
    # given: an address of 400 characters, paused with a long error, and a failed delivery with one too
    contact = company_contact()
    page = browser_page(chromium_browser, language=language, viewport=viewport)
    _sign_in(page, live_server, contact.user)
    page.context.add_cookies(
        [{"name": django_settings.LANGUAGE_COOKIE_NAME, "value": language, "url": live_server.url}]
    )
    page.goto(f"{live_server.url}/portal/webhooks/")
    page.locator("#id_url").fill("http://127.0.0.1:9/" + "h" * 380)
    page.locator("input[name=kinds]").first.check()
    page.locator("form.narrow button[type=submit]").click()

    # then: the secret, on a page no wider than the screen
    expect(page.locator("code.token-key")).to_be_visible()
    check_page(page, language=language)

    # when: a delivery failed and the address was paused, each with an error of one long word
    endpoint = WebhookEndpoint.objects.get()
    with transaction.atomic():
        event_record(kind=EventKind.STATE_CHANGED, customer_id=contact.customer_id, connection_id=None, payload={},
                     occurred_at=datetime.datetime(2020, 5, 15, tzinfo=datetime.UTC))  # fmt: skip
    WebhookDelivery.objects.filter(endpoint=endpoint).update(status="failed", last_error="HTTP 503 " + "y" * 300)
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
        state="paused",
        paused_at=datetime.datetime(2020, 5, 15, tzinfo=datetime.UTC),
        last_error="HTTP 503 " + "z" * 400,
    )
    page.reload()

    # then
    expect(page.locator("form[action*=resume] button")).to_be_visible()
    check_page(page, language=language)
    page.context.close()


def test_a_double_click_on_remove_sends_it_once(page, live_server):
    # given: an address on the page; the removal is answered "204 No Content" (as while a slow answer is on its way)
    contact = company_contact()
    endpoint_for(contact)
    _sign_in(page, live_server, contact.user)
    page.goto(f"{live_server.url}/portal/webhooks/")
    sent = []

    def no_content(route):
        sent.append(route.request.url)
        route.fulfill(status=204)

    page.route("**/remove/", no_content)
    button = page.get_by_role("button", name="Remove http://127.0.0.1:9/hook")

    # when: a click, then another (the second used to arrive after the address was gone: "Page not found")
    button.click()
    expect(button).to_be_disabled()
    button.click(force=True)

    # then
    assert len(sent) == 1, sent

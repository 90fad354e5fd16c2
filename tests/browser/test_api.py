"""The API's pages in a real browser: Swagger UI and ReDoc, served by the app from the sidecar's files, render the
schema under the Content-Security-Policy without a single violation; the portal's API token page, in Dutch and in
English, makes, shows once and revokes a token, axe-clean."""

import datetime

import pytest
from django.conf import settings as django_settings
from django.test import Client
from playwright.sync_api import expect

from api.models import ApiToken
from tests.browser.conftest import assert_accessible
from tests.browser.test_content_security_policy import PolicyWatch
from tests.connections.portal_factories import company_contact

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
TODAY = datetime.date(2020, 5, 15)


@pytest.fixture(autouse=True)
def pinned(settings):
    settings.HTG_CLOCK_DATE = TODAY


def _sign_in(page, live_server, user, language):
    client = Client()
    client.force_login(user)
    cookie = client.cookies[django_settings.SESSION_COOKIE_NAME]
    page.context.add_cookies(
        [
            {"name": cookie.key, "value": cookie.value, "url": live_server.url},
            {"name": django_settings.LANGUAGE_COOKIE_NAME, "value": language, "url": live_server.url},
        ]
    )


def test_swagger_ui_renders_the_schema_without_a_policy_violation(page, live_server):
    # given
    watch = PolicyWatch(page)

    # when
    violations = watch.visit(f"{live_server.url}/api/docs/")
    expect(page.locator(".opblock-summary-path").first).to_be_visible()

    # then
    assert page.locator(".opblock-summary-path", has_text="/api/v1/connections/").count() >= 1
    assert violations + watch.violations() == []


def test_redoc_renders_the_schema_without_a_policy_violation(page, live_server):
    # given
    watch = PolicyWatch(page)

    # when
    violations = watch.visit(f"{live_server.url}/api/redoc/")
    expect(page.get_by_role("heading", name="HTG Migration Tracker API")).to_be_visible()

    # then: the one thing blocked is ReDoc's own "by Redocly" logo, which its bundle asks of Redocly's CDN whatever
    # the options (the policy keeps the request from leaving, and ReDoc drops the image when it fails to load)
    blocked = violations + watch.violations()
    assert blocked, "ReDoc no longer asks for its logo: drop this allowance"
    assert all("https://cdn.redoc.ly/redoc/logo-mini.svg" in violation for violation in blocked), blocked


@pytest.mark.parametrize(
    ("language", "texts"),
    [
        ("en", {"name": "Name", "make": "Make the token", "new": "Your new token", "revoke": "Revoke"}),
        ("nl", {"name": "Naam", "make": "Token aanmaken", "new": "Uw nieuwe token", "revoke": "Intrekken"}),
    ],
)
def test_a_contact_makes_and_revokes_a_token_on_an_accessible_page(page, live_server, language, texts):
    # given
    contact = company_contact()
    _sign_in(page, live_server, contact.user, language)
    watch = PolicyWatch(page)
    assert watch.visit(f"{live_server.url}/portal/api-tokens/") == []
    assert_accessible(page)

    # when: a token is made
    page.get_by_label(texts["name"], exact=True).fill("Warehouse system")
    page.get_by_role("button", name=texts["make"]).click()

    # then: shown once, on an accessible page
    expect(page.get_by_role("heading", name=texts["new"])).to_be_visible()
    key = page.locator("code.token-key").inner_text()
    assert key.startswith("htg_")
    assert_accessible(page)

    # when: revoked
    page.get_by_role("button", name=texts["revoke"]).click()

    # then
    expect(page.locator("code.token-key")).to_have_count(0)
    assert ApiToken.objects.get().revoked_at is not None
    assert_accessible(page)
    assert watch.violations() == []

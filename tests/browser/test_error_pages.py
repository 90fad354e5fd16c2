"""The error pages in a real browser, with DEBUG off as in production: styled as the app, and accessible. (Their Dutch
is tested in tests/htg_migration/test_error_pages.py.)"""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import assert_accessible

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.mark.parametrize(
    ("path", "status", "heading"),
    [
        ("/no-such-page/", 404, "Page not found"),
        ("/test-errors/500/", 500, "Something went wrong on our side"),
        ("/test-errors/403/", 403, "You are not allowed to open this page"),
        ("/team/traffic/1/apply/", 405, "This address belongs to a button"),
    ],
)
def test_an_error_page_looks_like_the_app_and_is_accessible(page, live_server, settings, path, status, heading):
    settings.DEBUG = False
    settings.ROOT_URLCONF = "tests.htg_migration.error_urls"

    response = page.goto(live_server.url + path)

    assert response is not None and response.status == status
    expect(page.get_by_role("heading", level=1, name=heading)).to_be_visible()
    expect(page.get_by_role("link", name="Go to the start page")).to_be_visible()
    # the app's stylesheet is applied (its header bar), not a browser's bare page
    assert page.locator(".site-header").evaluate("element => getComputedStyle(element).display") != "none"
    assert page.evaluate("() => document.styleSheets.length") >= 1
    assert_accessible(page)

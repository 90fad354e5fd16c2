"""A page checked once more in Dutch on a phone (a second browser context: nl-NL, 390 px wide)."""

from playwright.sync_api import expect

from tests.browser.conftest import assert_accessible


def check_dutch_and_phone(chromium_browser, live_server, username, path, *, expect_text):
    """The page in Dutch on a phone: signed in afresh in a Dutch browser, accessible, nothing wider than the screen."""
    context = chromium_browser.new_context(
        locale="nl-NL", timezone_id="Europe/Amsterdam", viewport={"width": 390, "height": 844}
    )
    context.set_default_timeout(15_000)
    dutch = context.new_page()
    try:
        dutch.goto(f"{live_server.url}/accounts/login/")
        dutch.locator("#id_username").fill(username)
        dutch.locator("#id_password").fill("correct horse battery staple")
        dutch.get_by_role("button", name="Inloggen").click()
        dutch.wait_for_url(lambda url: "/accounts/login/" not in url)
        dutch.goto(f"{live_server.url}{path}")
        expect(dutch.locator("main")).to_contain_text(expect_text)
        assert dutch.evaluate("document.documentElement.lang") == "nl"
        assert_accessible(dutch)
        assert dutch.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    finally:
        context.close()

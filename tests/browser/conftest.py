"""Pages in a real browser: Playwright driving Debian's Chromium (/usr/bin/chromium), axe-core for WCAG 2.1 AA."""

import os
import shutil

import pytest

# Playwright's sync API runs an event loop in the test thread; the ORM calls the tests make there are synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("HTG_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGUMENTS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


# One Playwright per test, started after the test database is set up and stopped before it is torn down: while
# Playwright's sync API runs, its event loop changes which database connection object Django hands this thread, and
# pytest-django's flush and serialized rollback must see the original one (`transactional_db` orders the fixtures).
@pytest.fixture
def chromium_browser(transactional_db):
    from tests.conftest import REQUIRE_SERVICES

    if not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM):
        if REQUIRE_SERVICES:
            pytest.fail(f"Chromium is not installed at {CHROMIUM} (HTG_REQUIRE_SERVICES is set)", pytrace=False)
        pytest.skip(f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGUMENTS, headless=True)
    yield browser
    browser.close()
    from django.db import connections

    connections.close_all()  # the connection objects made while Playwright ran
    playwright.stop()


@pytest.fixture
def page(chromium_browser):
    context = chromium_browser.new_context(locale="en-GB", timezone_id="Europe/Amsterdam")
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()


def assert_accessible(page, *, context=None):
    """axe-core finds no WCAG 2.1 A/AA violation on the page as it is now."""
    from axe_playwright_python.sync_playwright import Axe

    options = {"runOnly": {"type": "tag", "values": WCAG_21_AA}, "resultTypes": ["violations"]}
    results = Axe().run(page, context=context, options=options)
    violations = results.response["violations"]
    details = [
        f"{violation['id']} ({violation['impact']}): {violation['help']} -> "
        + "; ".join(
            node["target"][0] if isinstance(node["target"][0], str) else str(node["target"])
            for node in violation["nodes"][:5]
        )
        for violation in violations
    ]
    assert violations == [], f"axe-core found WCAG 2.1 AA violations on {page.url}:\n" + "\n".join(details)


def sign_in_to_admin(page, live_server, username, password):
    page.goto(f"{live_server.url}/admin/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()


def sign_in(page, live_server, username, password):
    """The staff sign-in page, as a person uses it."""
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def staff_user(factory, username, password="correct horse battery staple", **kwargs):
    user = factory(username=username, **kwargs)
    user.set_password(password)
    user.save()
    return user


@pytest.fixture
def mailbox(smtp_sink, settings, live_server):
    """Every e-mail goes through the outbox and a real SMTP conversation with a sink; the links in it point at the
    live server (the portal's and the team's)."""
    settings.EMAIL_BACKEND = "notifications.backends.SmtpEmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_USE_TLS, settings.EMAIL_TIMEOUT = (
        "127.0.0.1",
        smtp_sink.port,
        False,
        5,
    )
    settings.HTG_PORTAL_URL = f"{live_server.url}/portal/"
    settings.HTG_TEAM_URL = f"{live_server.url}/"
    return smtp_sink


def message_text(message) -> str:
    """The text part of a message the sink received, as the person reads it."""
    for part in message.walk():
        if part.get_content_type() == "text/plain":
            return part.get_payload(decode=True).decode(part.get_content_charset() or "utf-8")
    raise AssertionError("no text part")

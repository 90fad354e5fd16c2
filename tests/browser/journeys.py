"""What the journey tests share: a browser in a language and on a screen, the staff sign-in, the e-mails in the SMTP
sink opened as a mail client shows them, and the check that a page neither fails axe-core nor scrolls sideways."""

import re
from email.header import decode_header, make_header

from tests.browser.conftest import assert_accessible
from tests.conftest import wait_for

DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}
LOCALES = {"en": "en-GB", "nl": "nl-NL"}
# Each journey in Dutch and English, on a desktop and a phone.
RUNS = [("en", DESKTOP), ("nl", DESKTOP), ("en", PHONE), ("nl", PHONE)]
RUN_IDS = ["en-desktop", "nl-desktop", "en-phone", "nl-phone"]
PASSWORD = "correct horse battery staple"
SIGN_IN = re.compile("^(Sign in|Inloggen)$")


def browser_page(chromium_browser, *, language: str, viewport: dict):
    """A fresh browser (its own cookies) that asks for `language`, on a screen of `viewport`."""
    context = chromium_browser.new_context(locale=LOCALES[language], timezone_id="Europe/Amsterdam", viewport=viewport)
    context.set_default_timeout(15_000)
    return context.new_page()


# What sticks out on the right, for the failure message.
WIDER = """Array.from(document.querySelectorAll('body *')).filter(e => e.getBoundingClientRect().right >
document.scrollingElement.clientWidth + 0.5).slice(-4)
.map(e => e.tagName + ' ' + (e.textContent || '').trim().slice(0, 40))"""


def check_page(page, *, language: str) -> None:
    """The page is in the language asked for, passes axe-core, and is no wider than the screen."""
    assert page.evaluate("document.documentElement.lang") == language, page.url
    assert_accessible(page)
    assert page.evaluate("document.scrollingElement.scrollWidth <= document.scrollingElement.clientWidth"), (
        f"{page.url} scrolls sideways: {page.evaluate(WIDER)}"
    )


def staff_sign_in(page, username: str) -> None:
    """The staff sign-in form, on whichever page shows it (typed bookmark or the redirect from an e-mail's link)."""
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name=SIGN_IN).click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def part(message, content_type: str) -> str:
    for piece in message.walk():
        if piece.get_content_type() == content_type:
            return piece.get_payload(decode=True).decode(piece.get_content_charset() or "utf-8")
    raise AssertionError(f"no {content_type} part")


def subject(message) -> str:
    """The subject as a mail client shows it (encoded words decoded, folding undone)."""
    return " ".join(str(make_header(decode_header(message["Subject"]))).split())


def received(mailbox, address: str, starts: str):
    """The one e-mail to this address whose subject starts so, once it has arrived."""

    def found():
        return [m for m in mailbox.messages if m["To"] == address and subject(m).startswith(starts)]

    assert wait_for(lambda: len(found()) == 1, timeout=20), [subject(m) for m in mailbox.messages]
    return found()[0]


def open_email(page, message) -> None:
    """Show the e-mail's HTML part in the browser, as a mail client would."""
    page.set_content(part(message, "text/html"))

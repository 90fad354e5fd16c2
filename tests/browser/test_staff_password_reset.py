"""A staff member who forgot the password, in Chromium: from the sign-in page to the e-mail (through the outbox and
a real SMTP server), its link, a new password and signing in with it; axe-core checks every page."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import assert_accessible, message_text, sign_in, staff_user
from tests.conftest import wait_for
from tests.connections.factories import team_member
from tests.notifications.conftest import self_signed_certificate, smtp_server_factory, smtp_sink  # noqa: F401

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

NEW_PASSWORD = "a brand new staple for tessa 42"


def _reset_links(mailbox) -> list[str]:
    texts = [message_text(message) for message in mailbox.messages]
    return [link for text in texts for link in re.findall(r"http://\S+/accounts/reset/\S+/", text)]


def test_a_team_member_resets_the_password_from_the_e_mail_and_signs_in_with_it(page, live_server, mailbox):
    staff_user(team_member, "tessa", email="tessa@team.example")

    # when: from the sign-in page, she asks for a link
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_role("link", name="Forgot your password?").click()
    expect(page.get_by_role("heading", name="Forgot your password?", level=1)).to_be_visible()
    assert_accessible(page)
    page.get_by_label("E-mail address").fill("tessa@team.example")
    page.get_by_role("button", name="Send me a link").click()

    # then
    expect(page.get_by_role("heading", name="Check your e-mail", level=1)).to_be_visible()
    assert_accessible(page)

    # when: she opens the link from the e-mail and chooses a new password
    assert wait_for(lambda: len(_reset_links(mailbox)) == 1, timeout=20)
    page.goto(_reset_links(mailbox)[0])
    expect(page.get_by_role("heading", name="Choose a new password", level=1)).to_be_visible()
    assert_accessible(page)
    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("New password again").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Save the new password").click()

    # then: saved, and the new password signs her in
    expect(page.get_by_role("heading", name="Your password is saved", level=1)).to_be_visible()
    assert_accessible(page)
    sign_in(page, live_server, "tessa", NEW_PASSWORD)
    expect(page).not_to_have_url(re.compile(r"/accounts/login/"))

    # and the link from the e-mail no longer works
    page.goto(_reset_links(mailbox)[0])
    expect(page.get_by_role("heading", name="This link no longer works", level=1)).to_be_visible()

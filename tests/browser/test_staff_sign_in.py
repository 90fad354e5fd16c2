"""The staff sign-in in a real browser: after too many wrong passwords, a clear page that says when to try again."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import assert_accessible, sign_in, staff_user
from tests.connections.factories import team_member

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_too_many_wrong_passwords_pause_signing_in_with_a_clear_page(page, live_server):
    # given
    staff_user(team_member, "tessa")

    # when: five wrong passwords
    for attempt in range(5):
        sign_in(page, live_server, "tessa", f"wrong password {attempt}")

    # then: the pause, in words, accessible; the right password does not get through meanwhile
    expect(page.get_by_role("heading", name="Signing in is paused")).to_be_visible()
    expect(page.get_by_text("Try again in 15 minutes.")).to_be_visible()
    assert_accessible(page)
    sign_in(page, live_server, "tessa", "correct horse battery staple")
    expect(page.get_by_role("heading", name="Signing in is paused")).to_be_visible()

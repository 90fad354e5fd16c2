"""Staff sign-in is locked after too many failures, per user name and per client address (django-axes), with a
clear 429 page that says when to try again."""

import pytest
from django.contrib.auth import SESSION_KEY
from django.test import override_settings
from django.urls import reverse

from tests.connections.factories import team_member

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-staff-password-1"
LIMIT = 5


@pytest.fixture
def tessa():
    user = team_member(username="tessa")
    user.set_password(PASSWORD)
    user.save()
    return user


def _sign_in(client, username, password, *, address="192.0.2.10", url="login"):
    return client.post(reverse(url), {"username": username, "password": password}, REMOTE_ADDR=address)


def test_a_user_name_is_locked_after_too_many_failures_even_for_the_right_password(client, tessa):
    # given: the limit of wrong passwords, each from another address; the last of them already locks
    for attempt in range(LIMIT):
        refused = _sign_in(client, "tessa", f"wrong-{attempt}", address=f"198.51.100.{attempt}")
        assert refused.status_code == (429 if attempt == LIMIT - 1 else 200)  # else the form again, with its error

    # when: the right password, from yet another address
    locked = _sign_in(client, "tessa", PASSWORD, address="203.0.113.77")

    # then
    assert locked.status_code == 429
    assert int(locked["Retry-After"]) == 15 * 60
    assert "Try again in 15 minutes." in locked.content.decode()
    assert SESSION_KEY not in client.session


def test_one_address_is_locked_after_too_many_failures_whatever_the_user_names(client, tessa):
    # given: one address trying many user names
    for attempt in range(LIMIT):
        _sign_in(client, f"guess{attempt}", "wrong", address="198.51.100.99")

    # when / then: that address is refused, even for a real account; another address is not
    assert _sign_in(client, "tessa", PASSWORD, address="198.51.100.99").status_code == 429
    assert SESSION_KEY not in client.session
    assert _sign_in(client, "tessa", PASSWORD, address="203.0.113.5").status_code == 302
    assert client.session[SESSION_KEY] == str(tessa.pk)


def test_below_the_limit_the_right_password_signs_in_and_the_count_starts_again(client, tessa):
    for attempt in range(LIMIT - 1):
        _sign_in(client, "tessa", f"wrong-{attempt}")
    assert _sign_in(client, "tessa", PASSWORD).status_code == 302
    client.logout()
    for attempt in range(LIMIT - 1):
        _sign_in(client, "tessa", f"wrong-again-{attempt}")
    assert _sign_in(client, "tessa", PASSWORD).status_code == 302


def test_the_admin_sign_in_is_locked_too(client, tessa):
    for attempt in range(LIMIT):
        _sign_in(client, "tessa", f"wrong-{attempt}", url="admin:login")
    assert _sign_in(client, "tessa", PASSWORD, url="admin:login").status_code == 429


def test_the_lockout_counts_the_client_behind_a_trusted_proxy(client, tessa):
    # given: failures that all came through the trusted proxy, from one client
    with override_settings(HTG_TRUSTED_PROXIES=["10.0.0.5"]):
        for attempt in range(LIMIT):
            client.post(
                reverse("login"),
                {"username": f"guess{attempt}", "password": "wrong"},
                REMOTE_ADDR="10.0.0.5",
                HTTP_X_FORWARDED_FOR="198.51.100.99",
            )
        # when: another client behind the same proxy
        other = client.post(
            reverse("login"),
            {"username": "tessa", "password": PASSWORD},
            REMOTE_ADDR="10.0.0.5",
            HTTP_X_FORWARDED_FOR="203.0.113.5",
        )

    # then: not locked out by someone else's failures
    assert other.status_code == 302

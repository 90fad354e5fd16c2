"""The portal speaks Dutch unless the visitor chose English; staff pages follow the browser."""

import pytest
from django.conf import settings
from django.test import override_settings
from django.urls import reverse

pytestmark = pytest.mark.django_db


@override_settings(LANGUAGE_CODE="nl")
def test_a_portal_page_is_dutch_whatever_the_browser_asks(client):
    response = client.get(reverse("portal:sign_in"), HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.9")

    assert response.headers["Content-Language"] == "nl"
    assert '<html lang="nl">' in response.content.decode()


@override_settings(LANGUAGE_CODE="nl")
def test_a_portal_page_is_english_once_the_visitor_chose_english(client):
    switched = client.post(reverse("set_language"), {"language": "en", "next": reverse("portal:sign_in")})
    assert switched.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"

    response = client.get(reverse("portal:sign_in"), HTTP_ACCEPT_LANGUAGE="nl")

    assert response.headers["Content-Language"] == "en"


@override_settings(LANGUAGE_CODE="nl")
def test_the_staff_sign_in_page_still_follows_the_browser(client):
    response = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.9")

    assert response.headers["Content-Language"] == "en"

"""A button's address opened as a page (a GET on a view that takes only a form's POST) gets the app's own page, not
the browser's blank "HTTP ERROR 405"; the API keeps its own answer."""

import pytest
from django.test import Client
from django.urls import reverse

from tests.connections.factories import team_member
from tests.connections.portal_factories import company_contact
from tests.webhooks.factories import endpoint_for

pytestmark = pytest.mark.django_db


def test_a_portal_button_address_opened_as_a_page_says_what_it_is(settings):
    # given: a contact and their webhook address's Remove button
    settings.DEBUG = False
    contact = company_contact()
    endpoint, _secret = endpoint_for(contact)
    client = Client()
    client.force_login(contact.user)

    # when: its address is opened as a page
    response = client.get(reverse("webhooks:delete", args=[endpoint.pk]))

    # then: the app's page, with the methods allowed; nothing removed
    assert response.status_code == 405
    assert response["Allow"] == "POST"
    assert "<h1>This address belongs to a button</h1>" in response.content.decode()
    assert contact.customer.webhook_endpoints.count() == 1


def test_a_team_button_address_opened_as_a_page_says_what_it_is(settings):
    settings.DEBUG = False
    client = Client()
    client.force_login(team_member())
    response = client.get(reverse("traffic:traffic_apply", args=[1]))
    assert response.status_code == 405
    assert '<html lang="en">' in response.content.decode()
    assert "<h1>This address belongs to a button</h1>" in response.content.decode()


def test_the_api_keeps_its_own_answer():
    contact = company_contact()
    client = Client()
    client.force_login(contact.user)
    response = client.put(reverse("api:webhook_list"))
    assert response.status_code in (401, 403, 405)
    assert "This address belongs to a button" not in response.content.decode()

"""The portal's webhooks page (/portal/webhooks/): a contact adds an address and sees its secret once, sends a failed
delivery again, resumes and removes an address; another company's ids are 404s and change nothing; the page's
query count does not grow with the addresses."""

import datetime

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse

from tests.connections.portal_factories import company_contact, hub_with_client
from tests.submit_tokens import fresh_submit_token, page_submit_token
from tests.webhooks.factories import endpoint_for
from webhooks.models import EventKind, WebhookDelivery, WebhookEndpoint
from webhooks.services import event_record

pytestmark = pytest.mark.django_db


def _signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _failed_delivery(contact, endpoint) -> WebhookDelivery:
    with transaction.atomic():
        event_record(kind=EventKind.STATE_CHANGED, customer_id=contact.customer_id, connection_id=None, payload={},
                     occurred_at=datetime.datetime(2020, 5, 15, tzinfo=datetime.UTC))  # fmt: skip
    delivery = endpoint.deliveries.get()
    WebhookDelivery.objects.filter(pk=delivery.pk).update(status="failed", last_error="HTTP 503")
    return delivery


def test_a_contact_adds_an_address_and_sees_its_secret_once():
    # given
    contact = company_contact()
    http = _signed_in(contact.user)

    # when
    posted = http.post(
        reverse("webhooks:list"),
        {"url": "http://127.0.0.1:8999/in", "kinds": ["slot.booked"], "submit_token": fresh_submit_token()},
    )
    first = http.get(reverse("webhooks:list")).content.decode()
    second = http.get(reverse("webhooks:list")).content.decode()

    # then
    endpoint = WebhookEndpoint.objects.get()
    assert posted.status_code == 302
    assert (endpoint.customer_id, endpoint.kinds) == (contact.customer_id, ["slot.booked"])
    assert endpoint.secret in first
    assert endpoint.secret not in second
    assert "http://127.0.0.1:8999/in" in second


def test_an_address_that_is_refused_shows_the_reason_and_writes_nothing(settings):
    settings.HTG_WEBHOOK_ALLOW_PRIVATE = False
    contact = company_contact()
    response = _signed_in(contact.user).post(
        reverse("webhooks:list"),
        {"url": "http://hooks.example.com/in", "kinds": ["slot.booked"], "submit_token": fresh_submit_token()},
        follow=True,
    )
    assert "The address must start with https://." in response.content.decode()
    assert WebhookEndpoint.objects.count() == 0


@pytest.mark.parametrize(
    "url",
    [
        "https://" + "a" * 64 + ".example.com/in",
        "https://a..example.com/",
        "https://[zz]/in",
        "https://\u200f.example/",
    ],
    ids=["label-too-long", "empty-label", "bracketed-not-an-ip", "rtl-mark"],
)
def test_a_host_name_that_cannot_be_resolved_as_written_is_refused_with_the_reason(url):
    # Such a host used to raise UnicodeError or ValueError out of the check: a 500 (and the same from the API).
    contact = company_contact()
    response = _signed_in(contact.user).post(
        reverse("webhooks:list"),
        {"url": url, "kinds": ["slot.booked"], "submit_token": fresh_submit_token()},
        follow=True,
    )
    assert response.status_code == 400  # the form again, with the reason
    assert "The address&#x27;s host name is not valid." in response.content.decode()
    assert WebhookEndpoint.objects.count() == 0


def test_a_path_with_characters_beyond_ascii_is_kept_percent_encoded():
    # A request line is ASCII: http.client could not send the address as typed, and the sender crashed on it.
    contact = company_contact()
    _signed_in(contact.user).post(
        reverse("webhooks:list"),
        {
            "url": "http://127.0.0.1:8999/h\u00e9/\u202eevil?q=\u05e9",
            "kinds": ["slot.booked"],
            "submit_token": fresh_submit_token(),
        },
    )
    assert WebhookEndpoint.objects.get().url == "http://127.0.0.1:8999/h%C3%A9/%E2%80%AEevil?q=%D7%A9"


def test_a_path_that_grows_past_the_limit_when_encoded_is_refused_not_a_500():
    contact = company_contact()
    url = "http://127.0.0.1:8999/" + "\u05e9" * 80  # 102 characters as typed, 502 percent-encoded
    response = _signed_in(contact.user).post(
        reverse("webhooks:list"),
        {"url": url, "kinds": ["slot.booked"], "submit_token": fresh_submit_token()},
        follow=True,
    )
    assert response.status_code == 400  # the form again, with the reason
    assert "too long once its special characters are encoded: at most 500" in response.content.decode()
    assert WebhookEndpoint.objects.count() == 0


def test_a_double_click_on_add_makes_one_address_and_the_secret_is_still_shown_once():
    # given: the page, with its submit token
    contact = company_contact()
    http = _signed_in(contact.user)
    token = page_submit_token(http.get(reverse("webhooks:list")))
    data = {"url": "http://127.0.0.1:8999/in", "kinds": ["slot.booked"], "submit_token": token}

    # when: it is sent twice (the second used to be refused "registered already", and its page showed no secret)
    first = http.post(reverse("webhooks:list"), data)
    second = http.post(reverse("webhooks:list"), data)
    page = http.get(reverse("webhooks:list")).content.decode()

    # then
    endpoint = WebhookEndpoint.objects.get()
    assert (first.status_code, second.status_code) == (302, 302)
    assert endpoint.secret in page
    assert endpoint.secret not in http.get(reverse("webhooks:list")).content.decode()


@pytest.mark.parametrize(
    ("language", "refused"), [("en", "its submit code is missing"), ("nl", "de verzendcode ontbreekt")]
)
def test_a_missing_submit_token_is_refused_in_the_contacts_language_and_writes_nothing(language, refused):
    contact = company_contact()
    http = _signed_in(contact.user)
    http.cookies["django_language"] = language
    response = http.post(reverse("webhooks:list"), {"url": "http://127.0.0.1:8999/in", "kinds": ["slot.booked"]})
    assert response.status_code == 400
    assert refused in response.content.decode()
    assert WebhookEndpoint.objects.count() == 0


def test_the_company_sends_a_failed_delivery_again_resumes_and_removes_its_address():
    contact = company_contact()
    endpoint, _secret = endpoint_for(contact)
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(state="paused")
    delivery = _failed_delivery(contact, endpoint)
    http = _signed_in(contact.user)

    page = http.get(reverse("webhooks:list")).content.decode()
    assert "Send again" in page and "Resume" in page
    http.post(reverse("webhooks:resend", args=[endpoint.pk, delivery.pk]))
    http.post(reverse("webhooks:resume", args=[endpoint.pk]))
    assert WebhookDelivery.objects.get().status in ("pending", "delivered", "sending")
    assert WebhookEndpoint.objects.get().state == "active"
    http.post(reverse("webhooks:delete", args=[endpoint.pk]))
    assert WebhookEndpoint.objects.count() == 0


def test_send_again_on_a_paused_address_says_the_event_waits_for_its_resumption():
    # The sender takes deliveries of active addresses only: "The event is sent again." was not true while paused.
    contact = company_contact()
    endpoint, _secret = endpoint_for(contact)
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(state="paused")
    delivery = _failed_delivery(contact, endpoint)
    http = _signed_in(contact.user)

    page = http.post(reverse("webhooks:resend", args=[endpoint.pk, delivery.pk]), follow=True).content.decode()

    assert "The event waits: it is sent once you resume the address." in page
    assert "The event is sent again." not in page
    assert WebhookDelivery.objects.get().status == "pending"


@pytest.mark.parametrize("who", ["other company", "hub of the company"])
def test_another_company_or_the_hub_gets_404s_and_changes_nothing(who):
    hub, client = hub_with_client()
    contact = company_contact(client)
    endpoint, _secret = endpoint_for(contact)
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(state="paused")
    delivery = _failed_delivery(contact, endpoint)
    http = _signed_in((company_contact() if who == "other company" else hub).user)

    answers = [
        http.post(reverse("webhooks:resend", args=[endpoint.pk, delivery.pk])).status_code,
        http.post(reverse("webhooks:resume", args=[endpoint.pk])).status_code,
        http.post(reverse("webhooks:delete", args=[endpoint.pk])).status_code,
    ]
    page = http.get(reverse("webhooks:list")).content.decode()

    assert answers == [404, 404, 404]
    assert endpoint.url not in page
    assert (WebhookEndpoint.objects.get().state, WebhookDelivery.objects.get().status) == ("paused", "failed")


def test_the_page_costs_the_same_queries_for_two_addresses_and_for_four(django_assert_num_queries):
    contact = company_contact()
    http = _signed_in(contact.user)
    counts = []
    for total in (2, 4):
        while WebhookEndpoint.objects.count() < total:
            endpoint, _secret = endpoint_for(contact, url=f"http://127.0.0.1:9/{WebhookEndpoint.objects.count()}")
            _failed_delivery(contact, endpoint)
        with django_assert_num_queries(5) as captured:  # session, user, contact, endpoints, failed deliveries
            response = http.get(reverse("webhooks:list"))
        counts.append((response.status_code, response.content.decode().count("Send again"), len(captured)))
    assert counts == [(200, 2, 5), (200, 4, 5)]

"""/api/v1/webhooks/: a company registers an https endpoint (its secret shown once), lists, resumes and removes its
own endpoints, and sends a failed delivery again; a read-only token, another company and a hub are refused, and an
address that leads to a private host is refused with the reason, writing nothing."""

import json
import socket
from unittest import mock

import pytest
from django.test import Client

from api.services.tokens import api_token_create
from tests.connections.factories import ConnectionFactory
from tests.connections.portal_factories import company_contact, hub_with_client
from tests.webhooks.factories import endpoint_for
from webhooks.models import WebhookDelivery, WebhookEndpoint

pytestmark = pytest.mark.django_db


def _signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _post(client: Client, url: str, data=None):
    response = client.post(url, json.dumps(data or {}), content_type="application/json")
    return response.status_code, json.loads(response.content) if response.content else None


def test_a_company_registers_an_endpoint_and_sees_its_secret_once():
    # given
    contact = company_contact()
    http = _signed_in(contact.user)

    # when
    status, body = _post(http, "/api/v1/webhooks/", {"url": "http://127.0.0.1:8999/in", "events": ["slot.booked"]})
    listed = json.loads(http.get("/api/v1/webhooks/").content)

    # then
    endpoint = WebhookEndpoint.objects.get()
    assert status == 201
    assert body["secret"] == endpoint.secret and body["secret"].startswith("whsec_")
    assert (endpoint.customer_id, endpoint.kinds, endpoint.owner_email) == (
        contact.customer_id,
        ["slot.booked"],
        contact.email,
    )
    assert [row["id"] for row in listed["results"]] == [endpoint.pk]
    assert "secret" not in listed["results"][0]


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"url": "http://127.0.0.1/in", "events": []}, "events"),
        ({"url": "http://127.0.0.1/in", "events": ["connection.deleted"]}, "events"),
        ({"url": "http://127.0.0.1/in"}, "events"),
        ({"url": "x" * 501, "events": ["slot.booked"]}, "url"),
        ({"url": "http://127.0.0.1/in", "events": ["slot.booked"], "secret": "mine"}, None),
    ],
)
def test_bad_input_is_a_400_and_writes_nothing(data, field):
    contact = company_contact()
    status, body = _post(_signed_in(contact.user), "/api/v1/webhooks/", data)
    if field is None:  # an unknown field is ignored, never the secret
        assert status == 201 and body["secret"] != "mine"
        return
    assert status == 400
    assert {error["field"].partition(".")[0] for error in body["errors"]} == {field}
    assert WebhookEndpoint.objects.count() == 0


@pytest.mark.parametrize(
    ("url", "addresses"),
    [
        ("https://hooks.example.com/in", ["127.0.0.1"]),
        ("https://hooks.example.com/in", ["10.1.2.3"]),
        ("https://hooks.example.com/in", ["169.254.169.254"]),
        ("https://hooks.example.com/in", ["93.184.216.34", "192.168.1.1"]),
        ("https://hooks.example.com/in", ["::1"]),
        ("https://hooks.example.com/in", ["::ffff:127.0.0.1"]),
        ("https://hooks.example.com/in", ["fe80::1"]),
        ("http://hooks.example.com/in", ["93.184.216.34"]),
        ("https://user:pw@hooks.example.com/in", ["93.184.216.34"]),
        ("ftp://hooks.example.com/in", ["93.184.216.34"]),
    ],
)
def test_in_production_settings_a_private_loopback_or_link_local_address_or_plain_http_is_refused(
    settings, url, addresses
):
    # given: production's setting, and a name that resolves to these addresses
    settings.HTG_WEBHOOK_ALLOW_PRIVATE = False
    contact = company_contact()
    found = [(socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, 443)) for a in addresses]

    # when
    with mock.patch("socket.getaddrinfo", return_value=found):
        status, body = _post(_signed_in(contact.user), "/api/v1/webhooks/", {"url": url, "events": ["slot.booked"]})

    # then
    assert status == 400, body
    assert body["detail"]
    assert WebhookEndpoint.objects.count() == 0


def test_in_production_settings_a_public_https_address_is_taken(settings):
    settings.HTG_WEBHOOK_ALLOW_PRIVATE = False
    contact = company_contact()
    found = [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.216.34", 443))]
    with mock.patch("socket.getaddrinfo", return_value=found):
        status, _body = _post(
            _signed_in(contact.user),
            "/api/v1/webhooks/",
            {"url": "https://hooks.example.com/in", "events": ["slot.booked"]},
        )
    assert status == 201


def test_at_send_time_a_name_that_now_leads_to_a_private_address_is_not_called(settings):
    # given: an endpoint registered while its name was public; the name now resolves to loopback
    import datetime

    from django.db import transaction

    from webhooks.models import EventKind
    from webhooks.services import EventDraft, events_record
    from webhooks.services.sending import webhook_deliveries_send

    settings.HTG_WEBHOOK_ALLOW_PRIVATE = False
    contact = company_contact()
    public = [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.216.34", 443))]
    with mock.patch("socket.getaddrinfo", return_value=public):
        endpoint_for(contact, url="https://hooks.example.com/in")
    moment = datetime.datetime(2020, 5, 15, tzinfo=datetime.UTC)
    with transaction.atomic():
        events_record(events=[EventDraft(EventKind.STATE_CHANGED, contact.customer_id, None, {}, moment)])

    # when
    rebound = [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", 443))]
    with mock.patch("socket.getaddrinfo", return_value=rebound), mock.patch("socket.socket.connect") as connect:
        result = webhook_deliveries_send(now=moment)

    # then
    assert connect.call_count == 0
    assert result.retrying == 1
    assert "not a public address" in WebhookDelivery.objects.get().last_error


def test_a_read_only_token_reads_but_cannot_register_or_remove():
    contact = company_contact()
    endpoint, _secret = endpoint_for(contact)
    _token, key = api_token_create(contact=contact, name="read", scope="read", expires_on=None)
    http = Client(HTTP_AUTHORIZATION=f"Bearer {key}")
    assert http.get("/api/v1/webhooks/").status_code == 200
    status, _body = _post(http, "/api/v1/webhooks/", {"url": "http://127.0.0.1/x", "events": ["slot.booked"]})
    assert status == 403
    assert http.delete(f"/api/v1/webhooks/{endpoint.pk}/").status_code == 403
    assert WebhookEndpoint.objects.count() == 1


@pytest.mark.parametrize("who", ["other company", "hub of the company"])
def test_another_company_or_the_hub_cannot_see_remove_resume_or_resend_the_company_s_endpoints(who):
    # given
    hub, client = hub_with_client()
    contact = company_contact(client)
    endpoint, _secret = endpoint_for(contact)
    stranger = company_contact() if who == "other company" else hub
    http = _signed_in(stranger.user)
    import datetime

    from django.db import transaction

    from webhooks.models import EventKind
    from webhooks.services import event_record

    connection = ConnectionFactory(customer=client)
    with transaction.atomic():
        event_record(kind=EventKind.STATE_CHANGED, customer_id=client.pk, connection_id=connection.pk, payload={},
                     occurred_at=datetime.datetime(2020, 5, 15, tzinfo=datetime.UTC))  # fmt: skip
    delivery = WebhookDelivery.objects.get(endpoint=endpoint)
    WebhookDelivery.objects.filter(pk=delivery.pk).update(status="failed")
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(state="paused")

    # when
    answers = [
        http.get(f"/api/v1/webhooks/{endpoint.pk}/").status_code,
        http.get(f"/api/v1/webhooks/{endpoint.pk}/deliveries/").status_code,
        http.delete(f"/api/v1/webhooks/{endpoint.pk}/").status_code,
        _post(http, f"/api/v1/webhooks/{endpoint.pk}/resume/")[0],
        _post(http, f"/api/v1/webhooks/{endpoint.pk}/deliveries/{delivery.pk}/resend/")[0],
    ]
    listed = json.loads(http.get("/api/v1/webhooks/").content)["results"]

    # then
    assert answers == [404] * 5
    assert endpoint.pk not in [row["id"] for row in listed]
    assert WebhookEndpoint.objects.get().state == "paused"
    assert WebhookDelivery.objects.get().status == "failed"


def test_the_company_resumes_its_endpoint_resends_a_failed_delivery_and_removes_the_endpoint():
    import datetime

    from django.db import transaction

    from webhooks.models import EventKind
    from webhooks.services import event_record

    contact = company_contact()
    endpoint, _secret = endpoint_for(contact)
    with transaction.atomic():
        event_record(kind=EventKind.STATE_CHANGED, customer_id=contact.customer_id, connection_id=None, payload={},
                     occurred_at=datetime.datetime(2020, 5, 15, tzinfo=datetime.UTC))  # fmt: skip
    delivery = WebhookDelivery.objects.get()
    WebhookDelivery.objects.filter(pk=delivery.pk).update(status="failed")
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(state="paused")
    http = _signed_in(contact.user)

    failed = json.loads(http.get(f"/api/v1/webhooks/{endpoint.pk}/deliveries/", {"status": "failed"}).content)
    assert [row["id"] for row in failed["results"]] == [delivery.pk]
    assert _post(http, f"/api/v1/webhooks/{endpoint.pk}/resume/")[1]["state"] == "active"
    status, body = _post(http, f"/api/v1/webhooks/{endpoint.pk}/deliveries/{delivery.pk}/resend/")
    assert (status, body["status"]) == (200, "pending")
    assert _post(http, f"/api/v1/webhooks/{endpoint.pk}/deliveries/{delivery.pk}/resend/")[0] == 400
    assert http.delete(f"/api/v1/webhooks/{endpoint.pk}/").status_code == 204
    assert (WebhookEndpoint.objects.count(), WebhookDelivery.objects.count()) == (0, 0)

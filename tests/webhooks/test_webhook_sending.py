"""The sender against a real HTTP receiver on loopback: every request signed as documented, retried after 500s and
timeouts with doubling waits, failed after 24 hours (the endpoint paused, its owner e-mailed), in order per
connection, and a dead sender's claims put back."""

import datetime

import pytest
from django.db import transaction

from notifications.models import OutboxEmail
from tests.connections.factories import ConnectionFactory
from tests.connections.portal_factories import company_contact
from tests.webhooks.factories import endpoint_for
from tests.webhooks.receiver import running_receiver
from webhooks.models import EventKind, WebhookDelivery, WebhookEndpoint
from webhooks.services import EventDraft, events_record
from webhooks.services.endpoints import delivery_resend, endpoint_resume
from webhooks.services.sending import webhook_claims_recover, webhook_deliveries_send

pytestmark = pytest.mark.django_db
NOW = datetime.datetime(2020, 5, 15, 10, tzinfo=datetime.UTC)


@pytest.fixture
def receiver():
    with running_receiver() as running:
        yield running


@pytest.fixture
def company(receiver):
    contact = company_contact()
    endpoint, secret = endpoint_for(contact, url=receiver.url)
    receiver.secret = secret
    return contact, endpoint


def _connections(customer, count: int) -> list:
    from plateaus.models import MessageFlow

    return [ConnectionFactory(customer=customer, flow=flow) for flow in MessageFlow.objects.order_by("id")[:count]]


def _events(customer_id: int, connection_ids: list[int], count: int) -> list[int]:
    with transaction.atomic():
        return events_record(
            events=[
                EventDraft(EventKind.STATE_CHANGED, customer_id, connection_ids[number % len(connection_ids)],
                           {"number": number}, NOW)
                for number in range(count)
            ]
        )  # fmt: skip


def test_each_event_arrives_signed_with_its_id_timestamp_and_body(receiver, company):
    # given
    contact, _endpoint = company
    connection = ConnectionFactory(customer=contact.customer)
    event_ids = _events(contact.customer_id, [connection.pk], 3)

    # when
    result = webhook_deliveries_send(now=NOW)

    # then
    assert result.delivered == 3
    assert [(item.event_id, item.signature_valid) for item in receiver.received] == [(i, True) for i in event_ids]
    assert receiver.received[0].body == {
        "id": event_ids[0],
        "type": "connection.state_changed",
        "occurred_at": NOW.isoformat(),
        "data": {"number": 0},
    }
    assert set(WebhookDelivery.objects.values_list("status", "attempts", "last_status_code")) == {("delivered", 1, 200)}


def test_a_signature_made_with_another_secret_does_not_verify(receiver, company):
    # given: the receiver holds a different secret
    contact, _endpoint = company
    receiver.secret = "whsec_not-the-one"
    _events(contact.customer_id, [ConnectionFactory(customer=contact.customer).pk], 1)

    # when
    webhook_deliveries_send(now=NOW)

    # then
    assert [item.signature_valid for item in receiver.received] == [False]


def test_a_500_is_retried_after_a_doubling_wait_and_the_next_event_of_that_connection_waits(
    receiver, company, settings
):
    # given: two events of one connection, one of another; the first call answers 500
    settings.HTG_WEBHOOK_RETRY_BASE_SECONDS = 30
    contact, _endpoint = company
    first, second = _connections(contact.customer, 2)
    one, other, two = _events(contact.customer_id, [first.pk, second.pk], 3)
    receiver.statuses.extend([500])

    # when: a first run, then a run before the retry is due, then one after
    webhook_deliveries_send(now=NOW)
    seen_first = [item.event_id for item in receiver.received]
    webhook_deliveries_send(now=NOW + datetime.timedelta(seconds=29))
    seen_early = [item.event_id for item in receiver.received]
    webhook_deliveries_send(now=NOW + datetime.timedelta(seconds=30))

    # then: the other connection's event went at once; this connection's second waited for its first
    assert seen_first == [one, other]
    assert seen_early == [one, other]
    assert [(item.event_id, item.status) for item in receiver.received] == [(one, 500), (other, 200), (one, 200),
                                                                            (two, 200)]  # fmt: skip
    retried = WebhookDelivery.objects.get(event_id=one)
    assert (retried.status, retried.attempts) == ("delivered", 2)


def test_a_receiver_that_does_not_answer_in_time_is_a_failure_tried_again(receiver, company, settings):
    # given
    settings.HTG_WEBHOOK_TIMEOUT_SECONDS = 0.5
    contact, _endpoint = company
    (event_id,) = _events(contact.customer_id, [ConnectionFactory(customer=contact.customer).pk], 1)
    receiver.delays.extend([2])

    # when
    first = webhook_deliveries_send(now=NOW)
    later = webhook_deliveries_send(now=NOW + datetime.timedelta(hours=1))

    # then
    assert (first.retrying, later.delivered) == (1, 1)
    delivery = WebhookDelivery.objects.get(event_id=event_id)
    assert (delivery.status, delivery.attempts) == ("delivered", 2)


def test_after_24_hours_of_failures_the_delivery_fails_the_endpoint_pauses_and_its_owner_is_e_mailed(
    receiver, company, django_capture_on_commit_callbacks
):
    # given: a receiver that answers 503 to everything
    contact, endpoint = company
    (event_id,) = _events(contact.customer_id, [ConnectionFactory(customer=contact.customer).pk], 1)
    receiver.statuses.extend([503] * 50)

    # when: tried at once, then again each time a retry is due, until a day has passed
    moment = NOW
    while WebhookDelivery.objects.get(event_id=event_id).status == "pending":
        webhook_deliveries_send(now=moment)
        moment = WebhookDelivery.objects.get(event_id=event_id).next_attempt_at or moment

    # then
    delivery = WebhookDelivery.objects.get(event_id=event_id)
    assert (delivery.status, delivery.last_status_code, delivery.last_error) == ("failed", 503, "HTTP 503")
    assert moment >= NOW + datetime.timedelta(hours=24)
    endpoint.refresh_from_db()
    assert (endpoint.state, endpoint.last_error) == ("paused", "HTTP 503")
    email = OutboxEmail.objects.get(template_key="webhooks.endpoint_paused")
    assert (email.to_address, email.language) == (contact.email, contact.language)
    assert "webhook address at 127.0.0.1" in email.body_text or "webhookadres bij 127.0.0.1" in email.body_text

    # and when: events go on while paused, nothing is sent; resumed and sent again, both arrive in order
    (later_id,) = _events(contact.customer_id, [delivery.connection_id], 1)
    receiver.statuses.clear()
    assert webhook_deliveries_send(now=moment).delivered == 0
    endpoint_resume(customer_id=contact.customer_id, endpoint_id=endpoint.pk)
    delivery_resend(customer_id=contact.customer_id, delivery_id=delivery.pk)
    webhook_deliveries_send(now=moment)
    assert [item.event_id for item in receiver.delivered()] == [event_id, later_id]


def test_only_a_failed_delivery_of_one_s_own_company_can_be_sent_again(company):
    from htg_migration.errors import ApplicationError

    contact, _endpoint = company
    (event_id,) = _events(contact.customer_id, [ConnectionFactory(customer=contact.customer).pk], 1)
    delivery = WebhookDelivery.objects.get(event_id=event_id)
    WebhookDelivery.objects.filter(pk=delivery.pk).update(status="failed")
    with pytest.raises(ApplicationError):
        delivery_resend(customer_id=company_contact().customer_id, delivery_id=delivery.pk)
    assert WebhookDelivery.objects.get(pk=delivery.pk).status == "failed"
    WebhookDelivery.objects.filter(pk=delivery.pk).update(status="delivered")
    with pytest.raises(ApplicationError):
        delivery_resend(customer_id=contact.customer_id, delivery_id=delivery.pk)
    assert WebhookDelivery.objects.get(pk=delivery.pk).status == "delivered"


def test_a_redirect_is_not_followed_but_counts_as_a_failure(receiver, company):
    contact, _endpoint = company
    (event_id,) = _events(contact.customer_id, [ConnectionFactory(customer=contact.customer).pk], 1)
    receiver.statuses.extend([302])
    webhook_deliveries_send(now=NOW)
    delivery = WebhookDelivery.objects.get(event_id=event_id)
    assert (delivery.status, delivery.last_status_code, len(receiver.received)) == ("pending", 302, 1)


def test_the_claims_of_a_sender_that_is_gone_go_back_to_the_queue_and_a_live_one_s_stay(company):
    # given: deliveries claimed by a token whose holder is gone, and one claimed by a live holder
    from notifications.services import ClaimHolder

    contact, _endpoint = company
    ids = _events(contact.customer_id, [connection.pk for connection in _connections(contact.customer, 3)], 3)
    WebhookDelivery.objects.filter(event_id__in=ids[:2]).update(status="sending", claimed_by="gone:1")
    live = ClaimHolder("live:1")
    live.take()
    try:
        WebhookDelivery.objects.filter(event_id=ids[2]).update(status="sending", claimed_by="live:1")

        # when
        requeued = webhook_claims_recover(now=NOW)
    finally:
        live.release()

    # then
    assert requeued == 2
    assert sorted(WebhookDelivery.objects.values_list("status", "claimed_by")) == [
        ("pending", ""),
        ("pending", ""),
        ("sending", "live:1"),
    ]
    assert WebhookEndpoint.objects.get().state == "active"

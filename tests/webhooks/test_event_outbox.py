"""Events are rows written in the transaction of the change, with a delivery row for each endpoint that chose the
kind and may see it (the company's own, and its hub's), and nothing when the change is refused or rolled back."""

import datetime

import pytest
from django.db import transaction
from django.db.transaction import TransactionManagementError

from connections.models import ConnectionState, Escalation, Slot
from connections.services.events import bounce_events_record
from connections.services.slots import availability_publish, slot_book, slot_reschedule
from connections.services.transitions import connection_transition
from htg_migration.errors import ApplicationError, ConflictError
from notifications.models import InboundBounce, OutboxEmail
from tests.connections.factories import (
    ConnectionFactory,
    ContactFactory,
    SlotFactory,
    UserFactory,
    team_member,
    walk_to,
)
from tests.connections.portal_factories import company_contact, hub_with_client
from tests.webhooks.factories import endpoint_for
from webhooks.models import Event, EventKind, WebhookDelivery
from webhooks.services import EventDraft, events_record

pytestmark = pytest.mark.django_db
MOMENT = datetime.datetime(2020, 5, 15, 10, tzinfo=datetime.UTC)


def test_a_transition_writes_its_event_and_a_delivery_for_the_company_and_its_hub_and_nobody_else():
    # given: a hub's client with an endpoint, the hub with one, another company with one, and the client's endpoint
    # that chose only bounces
    hub, client = hub_with_client()
    own = company_contact(client)
    own_endpoint, _secret = endpoint_for(own)
    hub_endpoint, _secret = endpoint_for(hub)
    endpoint_for(company_contact())
    endpoint_for(own, url="http://127.0.0.1:9/bounces", kinds=[EventKind.EMAIL_BOUNCED])
    connection = walk_to(ConnectionFactory(customer=client), ConnectionState.INVITED, team_member())
    Event.objects.all().delete()

    # when
    connection_transition(connection_id=connection.pk, transition="hold", actor=None, at=MOMENT)

    # then
    event = Event.objects.get()
    assert (event.kind, event.customer_id, event.connection_id, event.occurred_at) == (
        EventKind.STATE_CHANGED,
        client.pk,
        connection.pk,
        MOMENT,
    )
    assert event.payload == {
        "connection": connection.pk,
        "customer": client.pk,
        "flow": "AGS",
        "transition": "hold",
        "from_state": "invited",
        "to_state": "on_hold",
        "due_on": event.payload["due_on"],
    }
    assert sorted(WebhookDelivery.objects.values_list("endpoint_id", "connection_id", "status")) == sorted(
        [(own_endpoint.pk, connection.pk, "pending"), (hub_endpoint.pk, connection.pk, "pending")]
    )


def test_a_refused_transition_writes_no_event():
    # given
    contact = company_contact()
    endpoint_for(contact)
    connection = ConnectionFactory(customer=contact.customer)

    # when: a step not possible from "planned"
    with pytest.raises(ConflictError):
        connection_transition(connection_id=connection.pk, transition="go_live", actor=None)

    # then
    assert Event.objects.count() == 0
    assert WebhookDelivery.objects.count() == 0


def test_a_change_rolled_back_takes_its_event_and_deliveries_with_it():
    # given
    contact = company_contact()
    endpoint_for(contact)
    connection = walk_to(ConnectionFactory(customer=contact.customer), ConnectionState.INVITED, team_member())
    before = (Event.objects.count(), WebhookDelivery.objects.count())

    # when
    with pytest.raises(RuntimeError), transaction.atomic():
        connection_transition(connection_id=connection.pk, transition="hold", actor=None)
        raise RuntimeError("the caller's transaction fails after the transition")

    # then
    assert (Event.objects.count(), WebhookDelivery.objects.count()) == before


def test_booking_a_slot_and_moving_it_write_their_events_after_the_state_changes(settings):
    # given
    settings.HTG_CLOCK_DATE = datetime.date(2020, 5, 15)
    member = UserFactory(is_superuser=True)
    contact = company_contact()
    connection = walk_to(ConnectionFactory(customer=contact.customer), ConnectionState.SLOT_OFFERED, member)
    availability = availability_publish(
        team_member=team_member(), date=datetime.date(2020, 5, 18), start_time=datetime.time(10),
        end_time=datetime.time(12),
    )  # fmt: skip
    first, second = Slot.objects.filter(availability=availability).order_by("starts_at")
    Event.objects.all().delete()

    # when
    slot_book(slot_id=first.pk, connection_id=connection.pk, actor=member)
    slot_reschedule(connection_id=connection.pk, new_slot_id=second.pk, actor=member)

    # then
    kinds = list(Event.objects.order_by("id").values_list("kind", "payload__to_state"))
    assert kinds == [
        (EventKind.STATE_CHANGED, "slot_booked"),
        (EventKind.SLOT_BOOKED, None),
        (EventKind.STATE_CHANGED, "slot_offered"),
        (EventKind.STATE_CHANGED, "slot_booked"),
        (EventKind.SLOT_MOVED, None),
    ]
    moved = Event.objects.get(kind=EventKind.SLOT_MOVED)
    assert moved.payload["slot"] == {"starts_at": second.starts_at.isoformat(), "ends_at": second.ends_at.isoformat()}


def test_a_refused_booking_writes_no_event():
    # given: a connection not offered a slot
    contact = company_contact()
    connection = ConnectionFactory(customer=contact.customer)

    # when
    with pytest.raises(ApplicationError):
        slot_book(slot_id=SlotFactory().pk, connection_id=connection.pk, actor=team_member())

    # then
    assert Event.objects.count() == 0


def test_events_are_written_only_inside_the_change_s_transaction_and_only_of_known_kinds(django_db_blocker):
    # given
    contact = company_contact()
    draft = EventDraft("connection.state_changed", contact.customer_id, None, {}, MOMENT)

    # when / then: an unknown kind is a caller's bug, found at once
    with pytest.raises(ValueError, match="Unknown event kind"), transaction.atomic():
        events_record(events=[EventDraft("connection.deleted", contact.customer_id, None, {}, MOMENT)])
    assert Event.objects.count() == 0
    with transaction.atomic():
        assert len(events_record(events=[draft, draft])) == 2


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_outside_a_transaction_writing_an_event_is_refused():
    contact = company_contact()
    with pytest.raises(TransactionManagementError):
        events_record(events=[EventDraft("connection.state_changed", contact.customer_id, None, {}, MOMENT)])
    assert Event.objects.count() == 0


def test_a_hard_bounce_of_a_contact_s_address_becomes_one_event_for_its_company_once():
    # given: an e-mail to a contact of a company that bounced hard (as notifications.bounce_intake records it)
    contact = company_contact()
    other = ContactFactory(email=contact.email.upper())  # the same address at another company
    endpoint_for(contact)
    email = OutboxEmail.objects.create(
        dedupe_key="x", template_key="connection.invited", language="nl", to_address=contact.email.lower(),
        subject="s", body_text="b", queued_at=MOMENT, status=OutboxEmail.Status.BOUNCED,
    )  # fmt: skip
    bounce = InboundBounce.objects.create(
        raw_message=b"x",
        raw_size=1,
        raw_sha256="0" * 64,
        received_at=MOMENT,
        email=email,
        outcome=InboundBounce.Outcome.HARD_BOUNCE,
        processed_at=MOMENT,
    )

    # when: the sweep runs twice
    first = bounce_events_record(now=MOMENT + datetime.timedelta(minutes=1))
    second = bounce_events_record(now=MOMENT + datetime.timedelta(minutes=2))

    # then
    assert (first, second) == (2, 0)
    assert sorted(Event.objects.values_list("customer_id", "kind", "payload")) == sorted(
        [
            (
                company.customer_id,
                EventKind.EMAIL_BOUNCED,
                {"customer": company.customer_id, "contact": company.pk, "bounce": bounce.pk,
                 "email": "connection.invited"},
            )
            for company in (contact, other)
        ]
    )  # fmt: skip
    assert WebhookDelivery.objects.count() == 1


def test_an_escalation_opened_by_the_ladder_is_an_event(settings):
    # given: an escalation as the ladder writes it, through the service that records its event
    from connections.services.events import escalations_opened_record

    contact = company_contact()
    connection = ConnectionFactory(customer=contact.customer)
    escalation = Escalation.objects.create(connection=connection, waiting_state="invited", reason="team only")

    # when
    with transaction.atomic():
        escalations_opened_record(escalations=[(escalation, contact.customer_id)])

    # then
    event = Event.objects.get()
    assert event.kind == EventKind.ESCALATION_OPENED
    assert event.payload == {
        "connection": connection.pk,
        "customer": contact.customer_id,
        "escalation": escalation.pk,
        "waiting_state": "invited",
        "due_on": None,
    }

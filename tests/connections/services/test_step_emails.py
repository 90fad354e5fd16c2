"""Each step the company hears about queues one e-mail, in the contact's language, in the step's transaction."""

import pytest
from django.db import transaction

from connections.services.transitions import connection_transition
from notifications.models import OutboxEmail
from tests.connections.factories import ConnectionFactory, ContactFactory, CustomerFactory, UserFactory, walk_to

pytestmark = pytest.mark.django_db


@pytest.fixture
def walker():
    return UserFactory(is_superuser=True)


def test_an_invitation_is_queued_in_dutch_for_a_dutch_contact(walker):
    # given
    customer = CustomerFactory(legal_name="Van Dam Logistiek B.V.")
    ContactFactory(customer=customer, name="Anna de Vries", email="anna@vandam.example", language="nl")
    connection = ConnectionFactory(customer=customer)

    # when
    connection_transition(connection_id=connection.pk, transition="invite", actor=walker)

    # then
    email = OutboxEmail.objects.get()
    assert (email.to_address, email.template_key, email.language) == ("anna@vandam.example", "connection.invited", "nl")
    assert email.subject.startswith("Uitnodiging")
    assert "Beste Anna de Vries" in email.body_text
    assert "Van Dam Logistiek B.V." in email.body_text
    assert "intake/" in email.body_text
    event_id = connection.events.get().pk
    assert email.dedupe_key == f"connection:{connection.pk}:invited:{event_id}"


def test_an_english_contact_gets_english_and_the_primary_contact_is_chosen(walker):
    customer = CustomerFactory()
    ContactFactory(customer=customer, email="second@company.example", is_primary=False, language="nl")
    ContactFactory(customer=customer, email="primary@company.example", is_primary=True, language="en")
    connection = ConnectionFactory(customer=customer)
    connection_transition(connection_id=connection.pk, transition="invite", actor=walker)
    email = OutboxEmail.objects.get()
    assert (email.to_address, email.language) == ("primary@company.example", "en")
    assert email.subject.startswith("Invitation")


def test_technical_data_names_the_channel_and_tls_requirement(walker):
    customer = CustomerFactory()
    ContactFactory(customer=customer, language="en")
    connection = walk_to(ConnectionFactory(customer=customer), "technical_data_sent", walker)
    email = OutboxEmail.objects.get(template_key="connection.technical_data_sent")
    assert "TLS 1.2 or later" in email.body_text
    assert connection.state == "technical_data_sent"


def test_a_rolled_back_step_queues_nothing(walker):
    customer = CustomerFactory()
    ContactFactory(customer=customer)
    connection = ConnectionFactory(customer=customer)

    with pytest.raises(RuntimeError), transaction.atomic():
        connection_transition(connection_id=connection.pk, transition="invite", actor=walker)
        raise RuntimeError("the surrounding work failed")

    assert not OutboxEmail.objects.exists()
    connection.refresh_from_db()
    assert connection.state == "planned"


def test_steps_without_an_email_and_companies_without_contacts_queue_nothing(walker):
    # given: no contact at all
    connection = ConnectionFactory()
    connection_transition(connection_id=connection.pk, transition="invite", actor=walker)
    assert not OutboxEmail.objects.exists()

    # given: a contact, and steps that are not told (intake received, hold, and resume back to invited)
    ContactFactory(customer=connection.customer)
    connection_transition(connection_id=connection.pk, transition="hold", actor=walker)
    connection_transition(connection_id=connection.pk, transition="resume", actor=walker)
    connection_transition(connection_id=connection.pk, transition="receive_intake", actor=walker)
    assert not OutboxEmail.objects.exists()

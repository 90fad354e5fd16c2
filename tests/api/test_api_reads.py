"""The first read endpoints (issue 17 item 3): the companies a caller acts for, their connections with state, next
step in words (in the request's language), due date and booked slot, and a connection's timeline; each seen only by
its own company and, for a hub, by the hub; query counts pinned with two and more rows."""

import datetime
import json

import pytest
from django.test import Client
from django.utils import translation

from connections.helpdesk_scripts import step_guide
from connections.models import ConnectionState, Customer
from plateaus.models import MessageFlow
from tests.connections.factories import ConnectionFactory, CustomerFactory, UserFactory, walk_to
from tests.connections.portal_factories import company_contact, hub_with_client

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2020, 5, 15)


@pytest.fixture(autouse=True)
def _pinned_clock(settings):
    settings.HTG_CLOCK_DATE = TODAY


def _signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _get(client: Client, url: str, language: str = "en", **data):
    response = client.get(url, data, HTTP_ACCEPT_LANGUAGE=language)
    return response.status_code, json.loads(response.content)


def test_a_hub_sees_itself_and_its_clients_and_no_one_else():
    # given
    hub, served = hub_with_client()
    CustomerFactory()  # someone else's client

    # when
    status, body = _get(_signed_in(hub.user), "/api/v1/companies/")

    # then
    assert status == 200
    assert [row["id"] for row in body["results"]] == [hub.customer_id, served.pk]
    assert body["results"][1]["hub"] == hub.customer_id


def test_a_direct_company_sees_only_itself():
    # given
    contact = company_contact()
    hub_with_client()

    # when
    _, body = _get(_signed_in(contact.user), "/api/v1/companies/")

    # then
    assert [row["id"] for row in body["results"]] == [contact.customer_id]


@pytest.mark.parametrize("language", ["en", "nl"])
def test_a_connection_shows_its_state_next_step_due_date_and_booked_slot_in_the_readers_language(language):
    # given: a connection with a booked slot
    contact = company_contact()
    walker = UserFactory(is_superuser=True)
    connection = walk_to(ConnectionFactory(customer=contact.customer), "slot_booked", walker)
    booking = connection.bookings.get(cancelled_at__isnull=True)

    # when
    status, body = _get(_signed_in(contact.user), f"/api/v1/connections/{connection.pk}/", language)

    # then
    assert status == 200
    with translation.override(language):
        assert body["state_label"] == str(ConnectionState.SLOT_BOOKED.label)
        assert body["next_step"] == str(step_guide("slot_booked").company_next)
    assert body["state"] == "slot_booked"
    assert body["due_on"] == (connection.due_on.isoformat() if connection.due_on else None)
    assert set(body["booked_slot"]) == {"starts_at", "ends_at"}
    assert datetime.datetime.fromisoformat(body["booked_slot"]["starts_at"]) == booking.slot.starts_at
    assert datetime.datetime.fromisoformat(body["booked_slot"]["ends_at"]) == booking.slot.ends_at


def test_the_next_step_follows_the_language_of_the_request():
    # given
    contact = company_contact()
    connection = ConnectionFactory(customer=contact.customer)
    client = _signed_in(contact.user)

    # when
    _, english = _get(client, f"/api/v1/connections/{connection.pk}/", "en")
    _, dutch = _get(client, f"/api/v1/connections/{connection.pk}/", "nl")

    # then
    assert english["next_step"] == "Nothing yet: wait for the invitation e-mail."
    assert dutch["next_step"] != english["next_step"]
    assert english["booked_slot"] is None


def test_the_list_narrows_to_one_client_and_refuses_a_bad_filter_with_a_field_error():
    # given
    hub, served = hub_with_client()
    own = ConnectionFactory(customer=hub.customer)
    theirs = ConnectionFactory(customer=served)
    client = _signed_in(hub.user)

    # when
    _, everything = _get(client, "/api/v1/connections/")
    _, narrowed = _get(client, "/api/v1/connections/", customer=served.pk)
    status, refused = _get(client, "/api/v1/connections/", customer="x")

    # then
    assert [row["id"] for row in everything["results"]] == [own.pk, theirs.pk]
    assert [row["id"] for row in narrowed["results"]] == [theirs.pk]
    assert status == 400
    assert refused["errors"] == [{"field": "customer", "message": "A valid integer is required.", "code": "invalid"}]


def test_a_client_does_not_see_its_hubs_own_connections():
    # given
    hub, served = hub_with_client()
    ConnectionFactory(customer=hub.customer)
    client_contact = company_contact(served)

    # when
    _, body = _get(_signed_in(client_contact.user), "/api/v1/connections/")

    # then
    assert body["results"] == []


def test_the_timeline_shows_the_steps_without_the_teams_notes_and_another_companys_is_a_404():
    # given
    contact = company_contact()
    walker = UserFactory(is_superuser=True)
    connection = walk_to(ConnectionFactory(customer=contact.customer), "intake_received", walker)
    stranger = company_contact()
    client = _signed_in(contact.user)

    # when
    status, body = _get(client, f"/api/v1/connections/{connection.pk}/timeline/")
    refused, _ = _get(_signed_in(stranger.user), f"/api/v1/connections/{connection.pk}/timeline/")

    # then
    assert status == 200
    expected = list(connection.events.order_by("created_at").values_list("from_state", "to_state"))
    assert [(row["from_state"], row["to_state"]) for row in body["results"]] == expected
    assert expected[-1][1] == "intake_received"
    assert set(body["results"][0]) == {
        "id",
        "transition",
        "from_state",
        "from_state_label",
        "to_state",
        "to_state_label",
        "created_at",
    }
    assert refused == 404


# ------------------------------------------------------------------------------------------------- query counts
def _rows(hub, served, count: int) -> None:
    flows = list(MessageFlow.objects.order_by("code"))
    walker = UserFactory(is_superuser=True)
    for index in range(count):
        customer = hub.customer if index % 2 == 0 else served
        connection = ConnectionFactory(customer=customer, flow=flows[index // 2])
        if index == 0:
            walk_to(connection, "slot_booked", walker)


@pytest.mark.parametrize("rows", [2, 4])
def test_the_connection_list_pins_its_query_count(django_assert_num_queries, rows):
    # given
    hub, served = hub_with_client()
    _rows(hub, served, rows)
    client = _signed_in(hub.user)
    client.get("/api/v1/connections/")

    # when / then: session, user, contact, connections, their bookings, their confirmations
    with django_assert_num_queries(6):
        response = client.get("/api/v1/connections/")
    assert len(json.loads(response.content)["results"]) == rows


@pytest.mark.parametrize("clients", [2, 4])
def test_the_company_list_pins_its_query_count(django_assert_num_queries, clients):
    # given
    hub, _served = hub_with_client()
    for _ in range(clients - 1):
        CustomerFactory(hub=hub.customer)
    client = _signed_in(hub.user)
    client.get("/api/v1/companies/")

    # when / then: session, user, contact, companies
    with django_assert_num_queries(4):
        response = client.get("/api/v1/companies/")
    assert len(json.loads(response.content)["results"]) == clients + 1
    assert Customer.objects.filter(hub=hub.customer).count() == clients


@pytest.mark.parametrize("state", ["slot_offered", "testing"])
def test_the_timeline_pins_its_query_count(django_assert_num_queries, state):
    # given: two events, and more
    contact = company_contact()
    connection = walk_to(ConnectionFactory(customer=contact.customer), state, UserFactory(is_superuser=True))
    client = _signed_in(contact.user)
    client.get(f"/api/v1/connections/{connection.pk}/timeline/")

    # when / then: session, user, contact, the connection, its events
    with django_assert_num_queries(5):
        response = client.get(f"/api/v1/connections/{connection.pk}/timeline/")
    assert len(json.loads(response.content)["results"]) >= 2


def test_once_the_company_confirmed_its_test_messages_the_next_step_is_the_teams_as_on_the_portal():
    # given: a connection in testing, its test messages confirmed by the company
    from connections.services.company_actions import connection_company_confirm

    contact = company_contact()
    connection = walk_to(ConnectionFactory(customer=contact.customer), "testing", UserFactory(is_superuser=True))
    client = _signed_in(contact.user)
    _, before = _get(client, f"/api/v1/connections/{connection.pk}/")
    connection_company_confirm(connection_id=connection.pk, kind="confirm_test_messages_sent", actor=contact.user)

    # when
    _, after = _get(client, f"/api/v1/connections/{connection.pk}/")
    _, listed = _get(client, "/api/v1/connections/")

    # then: the portal's words, and no due date from the company any more
    assert before["next_step"] == str(step_guide("testing").company_next)
    assert before["due_on"] is not None
    assert after["next_step"] == (
        "Nothing for now: the connection team checks your test messages and tells you the result."
    )
    assert after["due_on"] is None
    assert listed["results"][0]["next_step"] == after["next_step"]

"""The team's connection endpoints (issue 17 item 4): the connection list with the team list's filters, customers,
a connection's available steps, a step taken with the state the caller saw (409 when someone moved it first, 403 when
the role may not, 400 when the step's conditions are not met: nothing written on any refusal), and assignment."""

import datetime
import json

import pytest
from django.core.cache import cache
from django.test import Client

from api.services.tokens import api_token_create, api_token_staff_create
from connections.models import ASSIGN_EVENT, Connection, ConnectionEvent
from connections.services.transitions import connection_transition
from tests.connections.factories import (
    ConnectionFactory,
    CustomerFactory,
    UserFactory,
    core_team_member,
    team_member,
    walk_to,
)
from tests.connections.portal_factories import company_contact, hub_with_client

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2020, 5, 15)
LIST = "/api/v1/connections/"


@pytest.fixture(autouse=True)
def _pinned(settings):
    settings.HTG_CLOCK_DATE = TODAY
    cache.clear()


def _staff_client(user, scope: str = "read_write") -> Client:
    _, key = api_token_staff_create(user=user, name="script", scope=scope, expires_on=None)
    return Client(HTTP_AUTHORIZATION=f"Bearer {key}", HTTP_ACCEPT_LANGUAGE="en")


def _post(client: Client, url: str, body: dict) -> tuple[int, dict]:
    response = client.post(url, json.dumps(body), content_type="application/json")
    return response.status_code, json.loads(response.content) if response.content else {}


def _walker():
    return UserFactory(is_superuser=True)


def _snapshot(connection_id: int) -> tuple:
    connection = Connection.objects.get(pk=connection_id)
    events = ConnectionEvent.objects.filter(connection_id=connection_id).count()
    return connection.state, connection.assigned_to_id, connection.due_on, events


# ------------------------------------------------------------------------------------------------------ the lists
def test_the_team_gets_the_team_list_with_its_filters_and_a_company_its_own_connections():
    # given
    contact = company_contact()
    mine = ConnectionFactory(customer=contact.customer)
    invited = walk_to(ConnectionFactory(), "invited", _walker())
    team = _staff_client(team_member())
    company = Client()
    company.force_login(contact.user)

    # when
    everything = team.get(LIST).json()["results"]
    only_invited = team.get(LIST, {"state": "invited"}).json()["results"]
    by_kvk = team.get(LIST, {"q": invited.customer.kvk_number}).json()["results"]
    own = company.get(LIST).json()["results"]

    # then
    assert {row["id"] for row in everything} == {mine.pk, invited.pk}
    assert [row["id"] for row in only_invited] == [invited.pk]
    assert [row["id"] for row in by_kvk] == [invited.pk]
    assert only_invited[0]["customer"]["kvk_number"] == invited.customer.kvk_number  # the team's representation
    assert [row["id"] for row in own] == [mine.pk]
    assert "kvk_number" not in own[0]["customer"]  # the company's, as before


def test_a_search_the_list_page_refuses_is_a_400_with_its_reason():
    # given
    team = _staff_client(team_member())

    # when
    response = team.get(LIST, {"q": "a\x00b"})

    # then
    assert response.status_code == 400
    assert [error["field"] for error in response.json()["errors"]] == ["q"]


def test_the_customers_are_those_of_the_filtered_list_each_once():
    # given
    hub, served = hub_with_client()
    ConnectionFactory(customer=served)
    walk_to(ConnectionFactory(customer=served, flow=_flow("CID")), "invited", _walker())
    other = ConnectionFactory()
    team = _staff_client(team_member())

    # when
    of_hub = team.get("/api/v1/team/customers/", {"hub": hub.customer_id}).json()["results"]
    everyone = team.get("/api/v1/team/customers/").json()["results"]

    # then
    assert [row["id"] for row in of_hub] == [served.pk]
    assert [row["id"] for row in everyone] == sorted([served.pk, other.customer_id])


def _flow(code: str):
    from plateaus.models import MessageFlow

    return MessageFlow.objects.get(code=code)


@pytest.mark.parametrize("rows", [3, 30])
def test_the_team_connection_list_pins_its_query_count(django_assert_num_queries, rows):
    # given
    member = team_member()
    for _ in range(rows):
        connection = ConnectionFactory(assigned_to=member)
    walk_to(connection, "slot_booked", _walker())
    client = _staff_client(member)
    client.get(LIST)

    # when / then: token, groups, connections, their bookings
    with django_assert_num_queries(4):
        response = client.get(LIST, {"assignee": member.pk})
    assert len(response.json()["results"]) == rows


@pytest.mark.parametrize("rows", [3, 30])
def test_the_team_customer_list_pins_its_query_count(django_assert_num_queries, rows):
    # given
    for _ in range(rows):
        ConnectionFactory(customer=CustomerFactory())
    client = _staff_client(team_member())
    client.get("/api/v1/team/customers/")

    # when / then: token, groups, customers
    with django_assert_num_queries(3):
        response = client.get("/api/v1/team/customers/")
    assert len(response.json()["results"]) == rows


# ------------------------------------------------------------------------------------------------ the transitions
def test_the_available_steps_are_those_the_callers_role_may_take():
    # given
    connection = walk_to(ConnectionFactory(), "invited", _walker())

    # when
    team = {row["name"] for row in _staff_client(team_member()).get(f"{LIST}{connection.pk}/transitions/").json()}
    core = {row["name"] for row in _staff_client(core_team_member()).get(f"{LIST}{connection.pk}/transitions/").json()}

    # then: recording as missed is the core team's
    assert "hold" in team and "mark_missed" not in team
    assert core - team == {"mark_missed"}


def test_a_step_with_the_expected_state_moves_the_connection_and_is_in_its_timeline():
    # given
    member = team_member()
    connection = walk_to(ConnectionFactory(), "invited", _walker())

    # when
    status, body = _post(
        _staff_client(member),
        f"{LIST}{connection.pk}/transitions/hold/",
        {"note": "Waiting for the supplier", "expected_state": "invited"},
    )

    # then
    assert status == 200
    assert (body["id"], body["state"]) == (connection.pk, "on_hold")
    event = ConnectionEvent.objects.filter(connection=connection).latest("id")
    assert (event.transition, event.actor, event.note) == ("hold", member, "Waiting for the supplier")


def test_a_connection_moved_by_someone_else_first_is_a_409_with_its_current_state_and_nothing_changes():
    # given: the caller saw it "invited"; someone put it on hold since
    connection = walk_to(ConnectionFactory(), "invited", _walker())
    connection_transition(connection_id=connection.pk, transition="hold", actor=_walker())
    before = _snapshot(connection.pk)

    # when
    status, body = _post(
        _staff_client(team_member()), f"{LIST}{connection.pk}/transitions/withdraw/", {"expected_state": "invited"}
    )

    # then
    assert status == 409
    assert body["type"] == "/api/docs/problems/conflict"
    assert body["state"] == "on_hold"
    assert "Nothing was changed" in body["detail"]
    assert _snapshot(connection.pk) == before


def test_a_step_the_role_may_not_take_is_a_403_and_nothing_changes():
    # given
    connection = walk_to(ConnectionFactory(), "invited", _walker())
    before = _snapshot(connection.pk)

    # when: recording as missed is the core team's
    status, body = _post(
        _staff_client(team_member()), f"{LIST}{connection.pk}/transitions/mark_missed/", {"expected_state": "invited"}
    )

    # then
    assert status == 403
    assert body["detail"] == "You are not allowed to do “Record as missed”."
    assert _snapshot(connection.pk) == before


def test_a_step_whose_conditions_fail_is_a_400_with_the_reason_and_nothing_changes():
    # given: booked, but its channel is not recorded
    connection = walk_to(ConnectionFactory(), "slot_booked", _walker())
    Connection.objects.filter(pk=connection.pk).update(channel="", tls_version="")
    before = _snapshot(connection.pk)

    # when
    status, body = _post(
        _staff_client(team_member()),
        f"{LIST}{connection.pk}/transitions/send_technical_data/",
        {"expected_state": "slot_booked"},
    )

    # then
    assert status == 400
    assert body["detail"].startswith("Record the channel")
    assert body["conditions"] == ["channel_is_configured"]
    assert _snapshot(connection.pk) == before


@pytest.mark.parametrize(
    ("name", "body", "status"),
    [
        ("fly", {"expected_state": "invited"}, 400),  # no such step
        ("hold", {}, 400),  # the expected state is required
        ("hold", {"expected_state": "flying"}, 400),
        ("hold", {"expected_state": "invited", "note": "x" * 2001}, 400),
        ("hold", {"expected_state": "invited", "state": "live"}, 200),  # the state is never writable: ignored
    ],
)
def test_bad_bodies_are_refused_and_the_state_is_never_written_directly(name, body, status):
    # given
    connection = walk_to(ConnectionFactory(), "invited", _walker())
    before = _snapshot(connection.pk)

    # when
    found, _answer = _post(_staff_client(team_member()), f"{LIST}{connection.pk}/transitions/{name}/", body)

    # then
    assert found == status
    assert _snapshot(connection.pk)[0] == ("on_hold" if status == 200 else before[0])
    if status != 200:
        assert _snapshot(connection.pk) == before


def test_a_read_only_staff_token_and_company_tokens_may_not_take_a_step():
    # given
    hub, served = hub_with_client()
    connection = walk_to(ConnectionFactory(customer=served), "invited", _walker())
    _, hub_key = api_token_create(contact=hub, name="hub", scope="read_write", expires_on=None)
    before = _snapshot(connection.pk)
    url = f"{LIST}{connection.pk}/transitions/hold/"

    # when
    read_only, _ = _post(_staff_client(team_member(), scope="read"), url, {"expected_state": "invited"})
    hub_token, _ = _post(Client(HTTP_AUTHORIZATION=f"Bearer {hub_key}"), url, {"expected_state": "invited"})

    # then
    assert (read_only, hub_token) == (403, 403)
    assert _snapshot(connection.pk) == before


# ------------------------------------------------------------------------------------------------------ assignment
def test_a_connection_is_given_to_a_team_member_and_back_to_nobody():
    # given
    member, colleague = team_member(), team_member()
    connection = ConnectionFactory()
    client = _staff_client(member)
    url = f"{LIST}{connection.pk}/assignment/"

    # when
    given, body = _post(client, url, {"assignee": colleague.pk, "note": "Yours"})
    taken_back, back = _post(client, url, {"assignee": None})

    # then
    assert (given, body["assigned_to"]["id"]) == (200, colleague.pk)
    assert (taken_back, back["assigned_to"]) == (200, None)
    events = ConnectionEvent.objects.filter(connection=connection, transition=ASSIGN_EVENT).order_by("id")
    assert [(event.assignee_id, event.note) for event in events] == [(colleague.pk, "Yours"), (None, "")]


def test_a_connection_cannot_be_given_to_someone_outside_the_team():
    # given
    connection = ConnectionFactory()
    outsider = company_contact().user
    before = _snapshot(connection.pk)

    # when
    status, body = _post(_staff_client(team_member()), f"{LIST}{connection.pk}/assignment/", {"assignee": outsider.pk})

    # then
    assert status == 400
    assert body["errors"] == [
        {"field": "assignee", "message": "Choose a member of the connection team.", "code": "invalid"}
    ]
    assert _snapshot(connection.pk) == before

"""The connection team books and moves a company's session through the API, as on a connection's page (issue 17 item
4, "slots"): the same endpoints as the company's (/api/v1/connections/<id>/slots/ and booking/), for any connection.
The helpdesk may not; a read-only staff token may read the slots but not book; a refusal writes nothing."""

import datetime
import json

import pytest
from django.core.cache import cache
from django.test import Client

from api.services.tokens import api_token_staff_create
from connections.models import ConnectionEvent, Slot, SlotBooking
from connections.services.slots import availability_publish
from tests.connections.factories import AMSTERDAM, ConnectionFactory, UserFactory, helpdesk_member, team_member, walk_to

pytestmark = pytest.mark.django_db

FRIDAY = datetime.date(2020, 5, 15)
MONDAY = datetime.date(2020, 5, 18)


@pytest.fixture(autouse=True)
def _pinned(settings):
    settings.HTG_CLOCK_DATE = FRIDAY
    cache.clear()


@pytest.fixture
def slots():
    member = team_member()
    availability_publish(team_member=member, date=MONDAY, start_time=datetime.time(9), end_time=datetime.time(11))
    return [
        Slot.objects.get(
            team_member=member, starts_at=datetime.datetime.combine(MONDAY, datetime.time(hour), AMSTERDAM)
        )
        for hour in (9, 10)
    ]


@pytest.fixture
def offered():
    return walk_to(ConnectionFactory(), "slot_offered", UserFactory(is_superuser=True))


def _client(user, scope: str = "read_write") -> Client:
    _, key = api_token_staff_create(user=user, name="script", scope=scope, expires_on=None)
    return Client(HTTP_AUTHORIZATION=f"Bearer {key}", HTTP_ACCEPT_LANGUAGE="en")


def _send(client: Client, method: str, url: str, body: dict) -> tuple[int, dict]:
    response = getattr(client, method)(url, json.dumps(body), content_type="application/json")
    return response.status_code, json.loads(response.content)


def _written(connection) -> tuple:
    connection.refresh_from_db()
    return (
        connection.state,
        list(SlotBooking.objects.filter(connection=connection).values_list("slot_id", "cancelled_at")),
        ConnectionEvent.objects.filter(connection=connection).count(),
    )


def test_a_team_member_sees_the_free_slots_books_one_and_moves_it(slots, offered):
    # given
    member = team_member()
    client = _client(member)
    url = f"/api/v1/connections/{offered.pk}/"

    # when
    listed = client.get(url + "slots/")
    booked, booking = _send(client, "post", url + "booking/", {"slot": slots[0].pk})
    moved, move = _send(client, "put", url + "booking/", {"slot": slots[1].pk})

    # then
    assert listed.status_code == 200
    assert [row["id"] for row in listed.json()["free_slots"]] == [slot.pk for slot in slots]
    assert (booked, booking["state"], booking["slot"]["id"]) == (201, "slot_booked", slots[0].pk)
    assert (moved, move["rescheduled"], move["slot"]["id"]) == (200, True, slots[1].pk)
    event = ConnectionEvent.objects.filter(connection=offered, transition="book_slot").latest("id")
    assert event.actor == member
    assert list(SlotBooking.objects.filter(connection=offered, cancelled_at__isnull=True).values_list("slot_id")) == [
        (slots[1].pk,)
    ]


@pytest.mark.parametrize(
    ("caller", "scope", "status"),
    [("helpdesk", "read_write", 403), ("team", "read", 403)],
)
def test_the_helpdesk_and_a_read_only_token_do_not_book_and_nothing_changes(slots, offered, caller, scope, status):
    # given
    user = helpdesk_member() if caller == "helpdesk" else team_member()
    before = _written(offered)

    # when
    code, body = _send(
        _client(user, scope), "post", f"/api/v1/connections/{offered.pk}/booking/", {"slot": slots[0].pk}
    )

    # then
    assert code == status
    assert body["status"] == status
    assert _written(offered) == before


def test_a_connection_that_does_not_exist_is_a_404_for_the_team(slots):
    # when
    code, _ = _send(_client(team_member()), "post", "/api/v1/connections/999999/booking/", {"slot": slots[0].pk})

    # then
    assert code == 404
    assert not SlotBooking.objects.exists()

"""GET /api/v1/events/: every change a caller may see (its company's and, for a hub, its clients'), in commit order,
from a cursor; a bad cursor is a 400 problem; the query count is pinned."""

import datetime
import json

import pytest
from django.db import transaction
from django.test import Client

from tests.connections.factories import ConnectionFactory
from tests.connections.portal_factories import company_contact, hub_with_client
from webhooks.models import Event, EventKind
from webhooks.services import EventDraft, events_record
from webhooks.services.events import events_publish

pytestmark = pytest.mark.django_db
MOMENT = datetime.datetime(2020, 5, 15, 10, tzinfo=datetime.UTC)


def _signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _record(customer_id: int, count: int = 1, connection_id: int | None = None) -> list[int]:
    """Events written in a transaction of their own, then published (as their task does after the commit)."""
    with transaction.atomic():
        ids = events_record(
            events=[
                EventDraft(EventKind.STATE_CHANGED, customer_id, connection_id, {"n": n}, MOMENT) for n in range(count)
            ]
        )
    events_publish()
    return ids


def _feed(client: Client, **query):
    response = client.get("/api/v1/events/", query)
    return response.status_code, json.loads(response.content)


def test_a_hub_reads_its_own_and_its_clients_events_page_by_page_and_nobody_else_s():
    # given
    hub, client = hub_with_client()
    own = _record(hub.customer_id)
    served = _record(client.pk, 3, ConnectionFactory(customer=client).pk)
    _record(company_contact().customer_id)  # another company's

    # when: two pages of two, then a third from the last cursor
    http = _signed_in(hub.user)
    _, first = _feed(http, page_size=2)
    _, second = _feed(http, page_size=2, after=first["cursor"])
    _, third = _feed(http, page_size=2, after=second["cursor"])

    # then
    assert [row["id"] for row in first["results"] + second["results"]] == own + served
    assert third == {"results": [], "cursor": second["cursor"]}
    row = first["results"][1]
    assert row == {
        "cursor": row["cursor"],
        "id": served[0],
        "type": "connection.state_changed",
        "occurred_at": "2020-05-15T12:00:00+02:00",
        "customer": client.pk,
        "connection": row["connection"],
        "data": {"n": 0},
    }


def test_a_client_does_not_see_its_hub_s_events():
    hub, client = hub_with_client()
    _record(hub.customer_id)
    mine = _record(client.pk)
    contact = company_contact(client)
    _, body = _feed(_signed_in(contact.user))
    assert [row["id"] for row in body["results"]] == mine


@pytest.mark.parametrize("cursor", ["abc", "-1", "1-2", "1.5", "9" * 30, "٣", "1\x00", " 1"])
def test_a_bad_cursor_is_a_400_problem_and_nothing_else(cursor):
    contact = company_contact()
    _record(contact.customer_id)
    response = _signed_in(contact.user).get("/api/v1/events/", {"after": cursor})
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert json.loads(response.content)["errors"][0]["field"] == "after"


def test_the_feed_costs_the_same_queries_for_two_events_and_for_twenty(django_assert_num_queries):
    contact = company_contact()
    http = _signed_in(contact.user)
    _record(contact.customer_id, 2)
    http.get("/api/v1/events/")  # the session's first use is cached from here on
    counts = []
    for total in (2, 20):
        _record(contact.customer_id, total - Event.objects.count())
        with django_assert_num_queries(4) as captured:  # session, user, contact, events
            status, body = _feed(http)
        counts.append((status, len(body["results"]), len(captured.captured_queries)))
    assert counts == [(200, 2, 4), (200, 20, 4)]

"""The feed's order is the order in which the events' transactions committed: an event written earlier but
committed later comes later, after the cursor a reader already holds, and is never passed."""

import json

import pytest
from django.db import connections
from django.test import Client

from tests.connections.portal_factories import company_contact
from tests.webhooks.test_events_feed import _record
from webhooks.models import EventKind
from webhooks.services.events import events_publish

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def _feed(client: Client, **query):
    response = client.get("/api/v1/events/", query)
    return response.status_code, json.loads(response.content)


def test_an_event_whose_transaction_commits_later_comes_later_and_is_never_passed():
    # given: a transaction on a second connection writes an event and stays open; then another event commits
    contact = company_contact()
    http = Client()
    http.force_login(contact.user)
    other = connections.create_connection("default")
    try:
        other.set_autocommit(False)
        with other.cursor() as cursor:
            cursor.execute(
                "INSERT INTO webhooks_event (kind, customer_id, payload, occurred_at) VALUES (%s, %s, '{}', now())"
                " RETURNING id",
                [EventKind.STATE_CHANGED.value, contact.customer_id],
            )
            early_id = cursor.fetchone()[0]
        later_id = _record(contact.customer_id)[0]

        # when: a reader reads while the first is still open, then that one commits and is published
        _, during = _feed(http)
        other.commit()
    finally:
        other.close()
    events_publish()
    _, after = _feed(http, after=during["cursor"])

    # then: the reader got the committed one first, and the earlier-written one after it, from its cursor
    assert [row["id"] for row in during["results"]] == [later_id]
    assert [row["id"] for row in after["results"]] == [early_id]
    assert int(after["cursor"]) > int(during["cursor"])

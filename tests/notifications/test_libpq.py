"""A query sent on the session's socket now and its result read later (libpq's PQsendQuery and PQgetResult)."""

import pytest
from django.db import DatabaseError, connection

from notifications import libpq
from notifications.models import OutboxEmail
from tests.notifications.factories import OutboxEmailFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_a_query_sent_is_carried_out_and_its_result_read_later_on_the_same_session():
    # given: a row, and the session's own psycopg2 connection (autocommit, outside a transaction)
    email = OutboxEmailFactory(status="sending")
    connection.ensure_connection()
    raw = connection.connection
    assert libpq.available(raw)

    # when
    sql = f"UPDATE notifications_outboxemail SET status = 'sent' WHERE id = {int(email.pk)}"  # noqa: S608 - an int
    libpq.query_send(raw, sql.encode())
    libpq.query_finish(raw)

    # then: done, and the session goes on as usual
    assert OutboxEmail.objects.get(pk=email.pk).status == "sent"


def test_a_failing_query_raises_with_the_servers_message_changes_nothing_and_leaves_the_session_usable():
    # given
    email = OutboxEmailFactory(status="sending")
    connection.ensure_connection()
    raw = connection.connection

    # when: the second statement fails (the first, in the same implicit transaction, is undone with it)
    sql = f"UPDATE notifications_outboxemail SET status = 'sent' WHERE id = {int(email.pk)}; SELECT 1 / 0"  # noqa: S608
    libpq.query_send(raw, sql.encode())
    with pytest.raises(DatabaseError, match="division by zero"):
        libpq.query_finish(raw)

    # then
    assert OutboxEmail.objects.get(pk=email.pk).status == "sending"
    with connection.cursor() as cursor:
        cursor.execute("SELECT 2")
        assert cursor.fetchone() == (2,)

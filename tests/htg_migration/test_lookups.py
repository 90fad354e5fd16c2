"""`field__any=values`: the same rows as `field__in`, with the list sent as one array parameter on PostgreSQL."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from notifications.models import OutboxEmail, SuppressedAddress
from tests.notifications.factories import OutboxEmailFactory

pytestmark = pytest.mark.django_db


def test_any_finds_what_in_finds_by_id_by_text_and_across_a_foreign_key():
    from connections.models import Contact
    from tests.connections.factories import ContactFactory

    # given
    emails = [OutboxEmailFactory(dedupe_key=f"any:{number}") for number in range(5)]
    SuppressedAddress.objects.create(address="a@example.nl", reason=SuppressedAddress.Reason.MANUAL, detail="")
    contacts = [ContactFactory() for _number in range(3)]
    wanted = [emails[1].pk, emails[3].pk, 10**9]

    # when
    with CaptureQueriesContext(connection) as queries:
        by_id = sorted(email.pk for email in OutboxEmail.objects.filter(pk__any=wanted))

    # then: the same rows; one parameter for the whole list
    assert by_id == sorted(email.pk for email in OutboxEmail.objects.filter(pk__in=wanted)) == wanted[:2]
    assert "= ANY(" in queries[0]["sql"] and " IN (" not in queries[0]["sql"]
    assert list(SuppressedAddress.objects.filter(address__any=["a@example.nl", "b@example.nl"])) == list(
        SuppressedAddress.objects.filter(address="a@example.nl")
    )
    customers = [contacts[0].customer_id, contacts[2].customer_id]
    assert set(Contact.objects.filter(customer_id__any=customers)) == {contacts[0], contacts[2]}
    assert set(Contact.objects.filter(customer__any=customers)) == {contacts[0], contacts[2]}


def test_any_of_an_empty_list_finds_nothing():
    OutboxEmailFactory()
    assert list(OutboxEmail.objects.filter(pk__any=[])) == []


def test_any_refuses_a_query_rather_than_running_it_as_an_extra_query():
    with pytest.raises(TypeError, match="__in"):
        OutboxEmail.objects.filter(pk__any=OutboxEmail.objects.values("pk"))

"""`first_of_each`: the first row of each group, by DISTINCT ON where the database has it, else by a subquery."""

import pytest
from django.db import connection
from django.db.models.functions import Lower

from connections.models import CONTACT_ORDER, Contact
from htg_migration.queries import first_of_each
from tests.connections.factories import ContactFactory, CustomerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def contacts():
    first, second, third = CustomerFactory(), CustomerFactory(), CustomerFactory()
    ContactFactory(customer=first, name="Zoe", email="zoe@one.example", is_primary=False)
    ContactFactory(customer=first, name="Anna", email="anna@one.example", is_primary=False)
    ContactFactory(customer=second, name="Bram", email="Shared@Example.NL", is_primary=False)
    ContactFactory(customer=second, name="Cees", email="cees@two.example", is_primary=True)
    ContactFactory(customer=third, name="Dirk", email="shared@example.nl", is_primary=True)
    return Contact.objects.all()


def _both_ways(monkeypatch, build):
    with_distinct_on = list(build())
    monkeypatch.setattr(connection.features, "can_distinct_on_fields", False)
    without = list(build())
    return with_distinct_on, without


def test_each_customers_first_contact_is_the_same_with_and_without_distinct_on(contacts, monkeypatch):
    # when
    fast, portable = _both_ways(
        monkeypatch,
        lambda: first_of_each(contacts, by="customer_id", order=CONTACT_ORDER).values_list("name", flat=True),
    )

    # then: the primary one, else the first by name; one per customer, in customer order
    assert fast == portable == ["Anna", "Cees", "Dirk"]


def test_groups_by_an_annotation_pick_the_lowest_id_of_each_address(contacts, monkeypatch):
    # given: two contacts share an address in different case
    addresses = contacts.annotate(address=Lower("email"))

    # when
    fast, portable = _both_ways(
        monkeypatch,
        lambda: first_of_each(addresses, by="address", order=("id",)).values_list("address", "name"),
    )

    # then: ordered by address; the shared address once, with its earliest contact
    assert fast == portable
    assert [name for _address, name in fast] == ["Anna", "Cees", "Bram", "Zoe"]

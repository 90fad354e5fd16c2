"""`first_of_each`: the first row of each group, by PostgreSQL's DISTINCT ON."""

import pytest
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


def test_each_customers_first_contact_is_the_primary_one_else_the_first_by_name(contacts):
    # when
    names = list(first_of_each(contacts, by="customer_id", order=CONTACT_ORDER).values_list("name", flat=True))

    # then: the primary one, else the first by name; one per customer, in customer order
    assert names == ["Anna", "Cees", "Dirk"]


def test_groups_by_an_annotation_pick_the_lowest_id_of_each_address(contacts):
    # given: two contacts share an address in different case
    addresses = contacts.annotate(address=Lower("email"))

    # when
    rows = list(first_of_each(addresses, by="address", order=("id",)).values_list("address", "name"))

    # then: ordered by address; the shared address once, with its earliest contact
    assert [name for _address, name in rows] == ["Anna", "Cees", "Bram", "Zoe"]

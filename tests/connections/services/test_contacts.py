"""The team keeps a company's contacts in its workspace; a contact's account is never chosen, only closed."""

import pytest
from django.core.exceptions import ValidationError

from connections.models import Contact
from connections.services.contacts import contact_delete, contact_save
from htg_migration.errors import ApplicationError
from tests.connections.factories import ContactFactory, CustomerFactory
from tests.connections.portal_factories import company_contact

pytestmark = pytest.mark.django_db


def _values(customer_id: int) -> list[tuple]:
    return list(
        Contact.objects.filter(customer_id=customer_id)
        .order_by("id")
        .values_list("name", "email", "phone", "language", "is_primary", "user_id")
    )


def test_a_new_contact_is_added_and_marking_it_primary_makes_the_others_not():
    # given
    first = ContactFactory(is_primary=True)

    # when
    added = contact_save(
        customer_id=first.customer_id,
        contact_id=None,
        name=" Bram Jansen ",
        email=" Bram@Example.NL ",
        phone="+31 6 1234 5678",
        language="en",
        is_primary=True,
    )

    # then
    assert (added.name, added.email, added.language, added.user_id) == ("Bram Jansen", "bram@example.nl", "en", None)
    first.refresh_from_db()
    assert (first.is_primary, added.is_primary) == (False, True)


def test_a_companys_first_contact_is_primary():
    customer = CustomerFactory()
    contact = contact_save(customer_id=customer.pk, contact_id=None, name="Anna", email="anna@example.nl")
    assert contact.is_primary is True


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"name": "  "}, "name"),
        ({"email": "not-an-address"}, "email"),
        ({"email": "ANNA@example.nl"}, "email"),  # already listed for this company
        ({"phone": "1" * 31}, "phone"),
        ({"language": "de"}, "language"),
        ({"name": "x" * 201}, "name"),
    ],
)
def test_bad_contact_details_are_refused_and_nothing_changes(fields, field):
    # given
    anna = ContactFactory(name="Anna", email="anna@example.nl")
    before = _values(anna.customer_id)

    # when
    with pytest.raises(ValidationError) as refusal:
        contact_save(
            customer_id=anna.customer_id,
            contact_id=None,
            **{"name": "Bram", "email": "bram@example.nl", "language": "nl", **fields},
        )

    # then
    assert field in refusal.value.message_dict
    assert _values(anna.customer_id) == before


def test_another_companys_contact_cannot_be_changed_through_this_company():
    # given
    ours = ContactFactory()
    theirs = ContactFactory(name="Theirs")

    # when / then
    with pytest.raises(ApplicationError):
        contact_save(customer_id=ours.customer_id, contact_id=theirs.pk, name="Hacked", email="hacked@example.nl")
    theirs.refresh_from_db()
    assert theirs.name == "Theirs"


def test_a_changed_address_closes_the_account_the_old_address_verified():
    # given: a contact who signed in before
    contact = company_contact()
    old_account = contact.user

    # when
    contact_save(
        customer_id=contact.customer_id,
        contact_id=contact.pk,
        name=contact.name,
        email="someone.else@example.nl",
        language="nl",
    )

    # then: the new address gets an account of its own on its first sign-in
    contact.refresh_from_db()
    old_account.refresh_from_db()
    assert contact.user is None
    assert old_account.is_active is False


def test_a_changed_phone_keeps_the_account():
    contact = company_contact()
    contact_save(
        customer_id=contact.customer_id,
        contact_id=contact.pk,
        name=contact.name,
        email=contact.email.upper(),
        phone="010 999 8877",
        language="nl",
    )
    contact.refresh_from_db()
    assert contact.user is not None and contact.user.is_active
    assert contact.phone == "010 999 8877"


def test_removing_a_contact_closes_its_account_and_the_next_becomes_primary():
    # given
    primary = company_contact()
    account = primary.user
    other = ContactFactory(customer=primary.customer, name="Zoe", is_primary=False)

    # when
    contact_delete(customer_id=primary.customer_id, contact_id=primary.pk)

    # then
    assert list(Contact.objects.filter(customer=primary.customer)) == [other]
    other.refresh_from_db()
    account.refresh_from_db()
    assert other.is_primary is True
    assert account.is_active is False


def test_a_companys_only_contact_is_not_removed():
    contact = ContactFactory()
    with pytest.raises(ApplicationError, match="only contact"):
        contact_delete(customer_id=contact.customer_id, contact_id=contact.pk)
    assert Contact.objects.filter(pk=contact.pk).exists()

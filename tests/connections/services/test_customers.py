import pytest
from django.core.exceptions import ValidationError

from connections.models import Contact, Customer
from connections.services.customers import ContactInput, customer_create
from tests.connections.factories import CustomerFactory

pytestmark = pytest.mark.django_db

GOOD = {"legal_name": "Van Dam Logistiek B.V.", "eori": "NL123456789", "kvk_number": "12345678"}


def test_a_customer_is_created_with_its_contacts_and_normalised_identifiers():
    customer = customer_create(
        legal_name=" Van Dam Logistiek B.V. ",
        eori="nl 123.456.789",
        kvk_number="1234 5678",
        contacts=[ContactInput(name="Anna de Vries", email="anna@vandam.example", language="nl")],
    )
    assert (customer.legal_name, customer.eori, customer.kvk_number) == (
        "Van Dam Logistiek B.V.",
        "NL123456789",
        "12345678",
    )
    assert list(customer.contacts.values_list("email", "is_primary")) == [("anna@vandam.example", True)]
    assert customer.htg_number is None


def test_a_foreign_company_needs_no_kvk_number():
    customer = customer_create(legal_name="Spedition Müller GmbH", eori="DE1234567890123")
    assert customer.kvk_number == ""


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("kvk_number", "1234567", "A KvK number has exactly 8 digits"),
        ("kvk_number", "123456789", "A KvK number has exactly 8 digits"),
        ("kvk_number", "1234567a", "A KvK number has exactly 8 digits"),
        ("eori", "NL12345678", "A Dutch EORI number is NL followed by 9 digits"),
        ("eori", "NL1234567890", "A Dutch EORI number is NL followed by 9 digits"),
        ("eori", "NLABCDEFGHI", "A Dutch EORI number is NL followed by 9 digits"),
        ("eori", "DE", "two-letter country code followed by up to 15"),
        ("eori", "DE1234567890123456", "two-letter country code followed by up to 15"),
        ("eori", "1234567890", "two-letter country code followed by up to 15"),
        ("legal_name", "  ", "Enter the company's legal name."),
    ],
)
def test_bad_identifiers_are_refused_with_a_clear_message_and_nothing_is_written(field, value, message):
    # given
    data = {**GOOD, field: value}

    # when
    with pytest.raises(ValidationError) as error:
        customer_create(**data, contacts=[ContactInput(name="Anna", email="anna@vandam.example")])

    # then
    assert any(message in text for text in error.value.message_dict[field])
    assert Customer.objects.count() == 0
    assert Contact.objects.count() == 0


def test_a_dutch_company_without_kvk_number_is_refused():
    with pytest.raises(ValidationError) as error:
        customer_create(legal_name="Zonder KvK B.V.", eori="NL123456789")
    assert error.value.message_dict["kvk_number"] == ["A Dutch company needs its KvK number (8 digits)."]
    assert not Customer.objects.exists()


def test_the_messages_exist_in_dutch(settings):
    from django.utils import translation

    with translation.override("nl"), pytest.raises(ValidationError) as error:
        customer_create(legal_name="Van Dam", eori="NL1", kvk_number="12")
    assert error.value.message_dict["kvk_number"] == ["Een KvK-nummer heeft precies 8 cijfers, bijvoorbeeld 12345678."]
    assert error.value.message_dict["eori"] == [
        "Een Nederlands EORI-nummer is NL gevolgd door 9 cijfers, bijvoorbeeld NL123456789."
    ]


def test_duplicate_eori_and_kvk_are_refused():
    CustomerFactory(eori="NL123456789", kvk_number="12345678")
    with pytest.raises(ValidationError) as error:
        customer_create(**GOOD)
    assert "already registered" in error.value.message_dict["eori"][0]
    assert "already registered" in error.value.message_dict["kvk_number"][0]
    assert Customer.objects.count() == 1


def test_only_a_direct_user_is_served_through_a_registered_hub():
    hub = CustomerFactory(role="hub")
    not_a_hub = CustomerFactory()
    with pytest.raises(ValidationError) as error:
        customer_create(**GOOD, hub_id=not_a_hub.pk)
    assert error.value.message_dict["hub"] == ["The chosen hub is not a registered hub."]
    with pytest.raises(ValidationError) as error:
        customer_create(**GOOD, role="software_supplier", hub_id=hub.pk)
    assert error.value.message_dict["hub"] == ["Only a direct user can be served through a hub."]
    assert Customer.objects.count() == 2

    client = customer_create(**GOOD, hub_id=hub.pk)
    assert client.hub == hub


def test_bad_contacts_are_refused():
    with pytest.raises(ValidationError) as error:
        customer_create(
            **GOOD,
            contacts=[
                ContactInput(name="Anna", email="not-an-address"),
                ContactInput(name="", email="b@vandam.example", language="de"),
            ],
        )
    assert error.value.message_dict["contacts[0]"] == ["Enter a valid e-mail address."]
    assert error.value.message_dict["contacts[1]"] == [
        "Enter the contact's name.",
        "Choose Dutch or English as the preferred language.",
    ]
    assert not Customer.objects.exists()


def test_the_database_refuses_the_same_contact_address_in_another_case():
    from django.db import IntegrityError, transaction

    customer = CustomerFactory()
    Contact.objects.create(customer=customer, name="Anna", email="anna@vandam.example")
    with pytest.raises(IntegrityError), transaction.atomic():
        Contact.objects.create(customer=customer, name="Anna", email="Anna@VanDam.example")
    assert customer.contacts.count() == 1

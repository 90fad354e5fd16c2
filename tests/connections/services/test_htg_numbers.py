import pytest

from connections.models import Customer, HtgNumberAllocation
from connections.services.htg_numbers import (
    customer_htg_number_issue,
    htg_number_format,
    htg_number_normalise,
    luhn_check_digit,
)
from tests.connections.factories import CustomerFactory


def test_the_format_is_prefix_serial_and_luhn_check_digit():
    assert luhn_check_digit("7992739871") == 3  # the textbook Luhn example
    assert htg_number_format(42) == "HTG-0000042-2"
    assert htg_number_format(9_999_999) == "HTG-9999999-" + str(luhn_check_digit("9999999"))
    with pytest.raises(ValueError):
        htg_number_format(0)
    with pytest.raises(ValueError):
        htg_number_format(10_000_000)


@pytest.mark.parametrize("typed", ["HTG-0000042-2", "htg 0000042 2", "00000422", "HTG00000422", " htg-0000042-2 "])
def test_what_people_type_is_normalised(typed):
    assert htg_number_normalise(typed) == "HTG-0000042-2"


@pytest.mark.parametrize("typed", ["HTG-0000042-2", "htg 0000042 2", "HTG00000422", " htg-0000042-2 "])
def test_a_number_typed_with_its_prefix_is_one_when_the_prefix_is_required(typed):
    assert htg_number_normalise(typed, prefix_required=True) == "HTG-0000042-2"


def test_eight_bare_digits_are_no_htg_number_when_the_prefix_is_required():
    # "00000422" passes the check digit, but could as well be a KvK number
    assert htg_number_normalise("00000422", prefix_required=True) is None
    assert htg_number_normalise("HTG-0000042-5", prefix_required=True) is None


@pytest.mark.parametrize("typed", ["HTG-0000042-5", "HTG-000042-6", "", "HTG", "NL123456789", "HTG-00000042-2"])
def test_a_wrong_check_digit_or_shape_is_not_an_htg_number(typed):
    assert htg_number_normalise(typed) is None


@pytest.mark.django_db
def test_a_customer_gets_one_number_however_often_it_is_asked():
    customer = CustomerFactory()
    first = customer_htg_number_issue(customer_id=customer.pk)
    second = customer_htg_number_issue(customer_id=customer.pk)
    assert first == second
    assert htg_number_normalise(first) == first
    assert HtgNumberAllocation.objects.filter(customer=customer).count() == 1


@pytest.mark.django_db
def test_a_number_is_never_reused_after_its_customer_is_deleted():
    # given
    gone = CustomerFactory()
    gone_number = customer_htg_number_issue(customer_id=gone.pk)
    Customer.objects.filter(pk=gone.pk).delete()

    # when
    new_number = customer_htg_number_issue(customer_id=CustomerFactory().pk)

    # then
    assert new_number != gone_number
    assert HtgNumberAllocation.objects.get(number=gone_number).customer is None

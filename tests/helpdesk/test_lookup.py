"""The helpdesk lookup: exact identifiers first, then partial matches and names by trigram similarity, which forgives
a typo."""

import pytest

from connections.models import Contact
from connections.services.htg_numbers import customer_htg_number_issue
from helpdesk.selectors import customer_lookup
from tests.connections.factories import ConnectionFactory, ContactFactory, CustomerFactory

pytestmark = pytest.mark.django_db


def _names(customers) -> list[str]:
    return [customer.legal_name for customer in customers]


@pytest.fixture
def register():
    van_dam = CustomerFactory(legal_name="Van Dam Logistiek B.V.", kvk_number="12345678", eori="NL123456789")
    van_dam_transport = CustomerFactory(legal_name="Van Dam Transport", kvk_number="87654321", eori="NL987654321")
    jansen = CustomerFactory(legal_name="Jansen Expeditie", kvk_number="11223344", eori="NL555666777")
    ContactFactory(customer=van_dam, email="info@vandam.example", phone="+31 10 123 45 67")
    ContactFactory(customer=van_dam_transport, email="planning@vandam.example.org", phone="")
    ContactFactory(customer=jansen, email="info@jansen.example", phone="+31 20 765 43 21")
    for customer in (van_dam, van_dam_transport, jansen):
        customer_htg_number_issue(customer_id=customer.pk)
        customer.refresh_from_db()
    return {"van_dam": van_dam, "van_dam_transport": van_dam_transport, "jansen": jansen}


def test_an_htg_number_typed_in_any_shape_finds_exactly_that_company(register):
    # given: the number without prefix or dashes, in lower case with spaces
    number = register["jansen"].htg_number
    typed = " " + number.lower().replace("-", " ") + " "

    # when
    results = customer_lookup(text=typed)

    # then
    assert _names(results) == ["Jansen Expeditie"]
    assert results[0].is_exact is True


def test_an_htg_number_with_a_wrong_check_digit_finds_nothing(register):
    number = register["jansen"].htg_number
    wrong = number[:-1] + str((int(number[-1]) + 1) % 10)
    assert customer_lookup(text=wrong) == []


def test_kvk_and_eori_match_exactly_and_in_part(register):
    assert _names(customer_lookup(text="1234 5678")) == ["Van Dam Logistiek B.V."]
    assert _names(customer_lookup(text="nl 987.654.321")) == ["Van Dam Transport"]
    assert _names(customer_lookup(text="55566")) == ["Jansen Expeditie"]


def test_an_exact_contact_email_ranks_before_a_partial_one(register):
    # given: "info@vandam.example" is Van Dam Logistiek's address, and part of no other; "vandam.example" is in two
    # when / then
    assert _names(customer_lookup(text="INFO@vandam.example")) == ["Van Dam Logistiek B.V."]
    assert sorted(_names(customer_lookup(text="vandam.example"))) == ["Van Dam Logistiek B.V.", "Van Dam Transport"]


def test_an_exact_identifier_ranks_before_a_name_that_matches_the_text_better(register):
    # given: a company whose name is nearly Jansen's EORI number
    CustomerFactory(legal_name="NL555666777 Trading")

    # when
    results = customer_lookup(text="NL555666777")

    # then: the EORI hit first, though the other name is the closer text
    assert _names(results) == ["Jansen Expeditie", "NL555666777 Trading"]
    assert [customer.is_exact for customer in results] == [True, False]


def test_a_phone_number_matches_however_it_is_written(register):
    assert _names(customer_lookup(text="010-1234567")) == ["Van Dam Logistiek B.V."]
    assert _names(customer_lookup(text="020 765 4321")) == ["Jansen Expeditie"]


@pytest.mark.parametrize(
    "typed",
    ["123 45 67", "1234567", "10-1234567", "+31 10 123 4567", "+31 (0)10 123 45 67", "0031 10 1234567", "010.123.4567"],
)
def test_part_of_a_phone_number_finds_the_company_however_either_is_written(register, typed):
    # given: Van Dam's contact has "+31 10 123 45 67"; a second company's contact wrote hers with dashes and dots
    other = CustomerFactory(legal_name="Kade Opslag", kvk_number="99887766", eori="NL111222333")
    ContactFactory(customer=other, email="info@kade.example", phone="(010)-765.43.21")

    # when / then
    assert _names(customer_lookup(text=typed)) == ["Van Dam Logistiek B.V."]
    assert _names(customer_lookup(text="+31 10 765 4321")) == ["Kade Opslag"]


def test_fewer_than_six_digits_are_not_looked_up_as_a_phone_number(register):
    # "20 765" is in Jansen's phone number (+31 20 765 43 21), and in no KvK number, EORI or name
    assert customer_lookup(text="20 765") == []
    assert _names(customer_lookup(text="20 765 4")) == ["Jansen Expeditie"]


def test_the_stored_phone_digits_follow_every_write_of_the_phone_number(register):
    # given: a contact created through the ORM (as the intake and the factories do)
    contact = ContactFactory(customer=register["jansen"], email="piet@jansen.example", phone="+31 (0)20-765 43 21")
    assert Contact.objects.get(pk=contact.pk).phone_digits == "310207654321"

    # when / then: saved, updated in bulk (as the import does) and updated in place: the database keeps it in step
    contact.phone = "020 111 22 33"
    contact.save(update_fields=["phone"])
    assert Contact.objects.get(pk=contact.pk).phone_digits == "0201112233"
    Contact.objects.bulk_update([Contact(pk=contact.pk, phone="+32 2/555.66.77")], ["phone"])
    assert Contact.objects.get(pk=contact.pk).phone_digits == "3225556677"
    Contact.objects.filter(pk=contact.pk).update(phone="")
    assert Contact.objects.get(pk=contact.pk).phone_digits == ""
    assert _names(customer_lookup(text="555 66 77")) == []


def test_a_kvk_number_that_passes_the_htg_check_digit_still_finds_its_company(register):
    # given: eight digits whose last is the Luhn check digit of the first seven, as one KvK number in ten is
    customer = CustomerFactory(legal_name="Luhn Logistiek", kvk_number="12345674", eori="NL444444444")

    # when: typed bare, they could be an HTG number without its prefix as well
    results = customer_lookup(text="1234 5674")

    # then: the company with that KvK number
    assert [result.pk for result in results] == [customer.pk]
    assert results[0].is_exact is True


def test_a_name_matches_in_part_and_with_a_typo(register):
    assert _names(customer_lookup(text="dam log"))[0] == "Van Dam Logistiek B.V."
    assert _names(customer_lookup(text="Van Dma Logistiek"))[0] == "Van Dam Logistiek B.V."
    assert customer_lookup(text="Qwxz Zyxw") == []


def test_the_lookup_takes_two_queries_however_many_companies_and_connections_match(
    register, programme_flows, django_assert_num_queries
):
    # given: several connections per company, and a hub
    hub = CustomerFactory(legal_name="Van Dam Hub", role="hub")
    for customer in register.values():
        customer.hub = hub
        customer.save(update_fields=["hub"])
        for code in ("AGS", "NCTS"):
            ConnectionFactory(customer=customer, flow=programme_flows[code])

    # when / then: the companies (with their hub), then their connections with their flows
    with django_assert_num_queries(2):
        results = customer_lookup(text="van dam")
        summary = [
            (customer.hub.legal_name if customer.hub else None, [c.flow.code for c in customer.connections.all()])
            for customer in results
        ]
    assert len(results) >= 3
    assert ("Van Dam Hub", ["AGS", "NCTS"]) in summary


@pytest.fixture
def hauliers():
    """A register where the right company is not the only near name: rivals that share a word or most letters."""
    names = [
        "Bakker Forwarding Groningen B.V.",
        "Baker Transport B.V.",
        "Smits Forwarding Almere N.V.",
        "Müller Spedition Duisburg GmbH & Co. KG",
        "Meyer Spedition GmbH",
        "Mulder & Co. B.V.",
        "Holgate Logistics Liège BV",
        "Liebherr Logistics B.V.",
        "Moerdijk Agri Coöperatie U.A.",
        "Moerdijk Trading B.V.",
        "Nedship Chemie Veghel B.V.",
        "Nedship Logistiek B.V.",
        "Veghel Transport B.V.",
    ]
    return {name: CustomerFactory(legal_name=name) for name in names}


@pytest.mark.parametrize(
    ("typed", "first"),
    [
        # a typo
        ("Bakkr Forwarding", "Bakker Forwarding Groningen B.V."),
        # an accent left out, in one word and beside another
        ("Muller", "Müller Spedition Duisburg GmbH & Co. KG"),
        ("Muller Spedition", "Müller Spedition Duisburg GmbH & Co. KG"),
        ("holgate liege", "Holgate Logistics Liège BV"),
        ("Liege", "Holgate Logistics Liège BV"),
        ("moerdijk cooperatie", "Moerdijk Agri Coöperatie U.A."),
        # an accent typed where the name has none
        ("Bäkker Fórwarding", "Bakker Forwarding Groningen B.V."),
        # words missing, and in another order
        ("nedship veghel", "Nedship Chemie Veghel B.V."),
        ("veghel nedship", "Nedship Chemie Veghel B.V."),
        ("Groningen Bakker", "Bakker Forwarding Groningen B.V."),
        # a typo and an accent left out at once, words missing
        ("Mulller Duisburg", "Müller Spedition Duisburg GmbH & Co. KG"),
    ],
)
def test_a_name_with_a_typo_an_accent_or_words_missing_or_reordered_finds_the_company_first(hauliers, typed, first):
    # when
    results = customer_lookup(text=typed)

    # then: the company is the best-ranked result, ahead of the rivals that share a word with it
    assert _names(results)[:1] == [first]


def test_results_are_ranked_by_how_near_the_name_is_and_unrelated_names_are_left_out(hauliers):
    # when
    results = customer_lookup(text="Muller Spedition")

    # then: Müller (accent aside, both words) before Meyer (one word), and nothing that shares neither word
    names = _names(results)
    assert names[:2] == ["Müller Spedition Duisburg GmbH & Co. KG", "Meyer Spedition GmbH"]
    assert results[0].score > results[1].score
    assert "Nedship Logistiek B.V." not in names
    assert "Holgate Logistics Liège BV" not in names


def test_an_accent_is_no_handicap_against_the_same_name_without_one(hauliers):
    # given: the same name twice, once with its accent
    CustomerFactory(legal_name="Muller Cargo Bettembourg S.A.")

    # when
    plain = {customer.legal_name: customer.score for customer in customer_lookup(text="Muller")}
    accented = {customer.legal_name: customer.score for customer in customer_lookup(text="Müller")}

    # then: typed with or without the accent, "Müller" scores as "Muller" does
    muller = "Müller Spedition Duisburg GmbH & Co. KG"
    assert plain[muller] == pytest.approx(accented[muller])
    assert set(plain) == set(accented)

"""The portal intake: every field checked with a clear message and nothing written when one is wrong; the draft
resumes; one submission creates the company, contacts and connections, and the HTG number is issued once."""

import copy

import pytest
from django.core.exceptions import ValidationError

from connections.models import Connection, ConnectionEvent, ConnectionState, Contact, Customer, HtgNumberAllocation
from notifications.models import OutboxEmail
from plateaus.models import GovernmentParty
from portal.models import IntakeDraft
from portal.selectors.intake import intake_context, intake_draft_get
from portal.services.intake import customer_intake_submit, intake_draft_save, intake_errors
from tests.connections.factories import ConnectionFactory, ContactFactory, CustomerFactory, walk_to

pytestmark = pytest.mark.django_db
EMAIL = "anna@vandam.example"


def _flow(channel="smtp_msa_pop3", tls_version="1.2", vpn_peer_address="", vpn_details="", used=True):
    return {
        "used": used,
        "channel": channel,
        "tls_version": tls_version,
        "vpn_peer_address": vpn_peer_address,
        "vpn_details": vpn_details,
    }


def valid_intake():
    return {
        "legal_name": "Van Dam Logistiek B.V.",
        "kvk_number": "1234 5678",
        "eori": "nl 123456789",
        "role": "direct",
        "clients": [],
        "contacts": [
            {"name": "Anna de Boer", "email": EMAIL, "phone": "+31 10 123 45 67", "language": "en"},
            {"name": "Piet Bakker", "email": "piet@vandam.example", "phone": "", "language": "nl"},
            {"name": "", "email": "", "phone": "", "language": "nl"},  # an empty row is ignored
        ],
        "flows": {
            "AGS": _flow(),
            "NCTS": _flow(channel="smtp_mta_ipsec", tls_version="", vpn_peer_address="192.0.2.10", vpn_details="IKEv2"),
            "EMCS": _flow(used=False, channel="", tls_version=""),
        },
    }


def _nothing_written():
    assert Customer.objects.count() == 0
    assert Contact.objects.count() == 0
    assert Connection.objects.count() == 0
    assert HtgNumberAllocation.objects.count() == 0
    assert OutboxEmail.objects.count() == 0


def test_a_new_companys_intake_creates_company_contacts_connections_and_issues_and_mails_the_htg_number(
    programme_flows,
):
    # given: a draft saved on the way
    intake_draft_save(email=EMAIL, data=valid_intake(), step="review")

    # when
    result = customer_intake_submit(email=EMAIL, data=valid_intake())

    # then: the company
    customer = Customer.objects.get()
    assert (customer.legal_name, customer.kvk_number, customer.eori, customer.role) == (
        "Van Dam Logistiek B.V.",
        "12345678",
        "NL123456789",
        "direct",
    )
    assert customer.htg_number == result.htg_number
    assert HtgNumberAllocation.objects.get().number == result.htg_number
    # its contacts, the signed-in person first, with an account
    contacts = list(customer.contacts.order_by("-is_primary", "id"))
    assert [(c.name, c.email, c.is_primary) for c in contacts] == [
        ("Anna de Boer", EMAIL, True),
        ("Piet Bakker", "piet@vandam.example", False),
    ]
    assert contacts[0].user == result.user and not result.user.has_usable_password()
    # a connection per chosen flow, with its channel, moved to "intake received" by the company itself
    connections = {c.flow.code: c for c in customer.connections.select_related("flow")}
    assert set(connections) == {"AGS", "NCTS"}
    assert (connections["AGS"].channel, connections["AGS"].tls_version) == ("smtp_msa_pop3", "1.2")
    assert (connections["NCTS"].channel, connections["NCTS"].vpn_peer_address, connections["NCTS"].vpn_details) == (
        "smtp_mta_ipsec",
        "192.0.2.10",
        "IKEv2",
    )
    assert {c.state for c in connections.values()} == {ConnectionState.INTAKE_RECEIVED}
    assert set(ConnectionEvent.objects.values_list("transition", "actor")) == {("receive_intake", result.user.pk)}
    # the e-mail with the number, in the contact's language
    email = OutboxEmail.objects.get(template_key="customer.htg_number_issued")
    assert (email.to_address, email.language) == (EMAIL, "en")
    assert result.htg_number in email.subject and "State this number when you contact the helpdesk." in email.body_text
    # and the draft is gone
    assert IntakeDraft.objects.count() == 0


INVALID = [
    # (what the person typed wrong, the field it is shown at, the message)
    (lambda d: d.update(legal_name="  "), "legal_name", "Enter the company's legal name"),
    (lambda d: d.update(kvk_number="1234567"), "kvk_number", "A KvK number has exactly 8 digits"),
    (lambda d: d.update(kvk_number=""), "kvk_number", "A Dutch company needs its KvK number"),
    (lambda d: d.update(eori="NL12345"), "eori", "A Dutch EORI number is NL followed by 9 digits"),
    (lambda d: d.update(eori="1234"), "eori", "An EORI number is a two-letter country code"),
    (lambda d: d.update(eori=""), "eori", "Enter the EORI number"),
    (lambda d: d.update(role="boss"), "role", "direct user, hub or software supplier"),
    (lambda d: d["contacts"][0].update(name=""), "contacts-0-name", "Enter the contact's name"),
    (lambda d: d["contacts"][0].update(phone=""), "contacts-0-phone", "Enter a phone number on which"),
    (lambda d: d["contacts"][0].update(phone="call me"), "contacts-0-phone", "Enter a phone number of digits only"),
    (lambda d: d["contacts"][0].update(language="de"), "contacts-0-language", "Choose Dutch or English"),
    (lambda d: d["contacts"][1].update(email="piet at vandam"), "contacts-1-email", "Enter a valid e-mail address"),
    (lambda d: d["contacts"][1].update(email=EMAIL.upper()), "contacts-1-email", "already listed above"),
    (lambda d: d["contacts"][1].update(name=""), "contacts-1-name", "Enter the contact's name"),
    (lambda d: d.update(flows={}), "flows", "Choose at least one message flow"),
    (lambda d: d["flows"]["AGS"].update(channel=""), "flow-AGS-channel", "Choose the channel for AGS: SMTP-MSA/POP3"),
    (
        lambda d: d["flows"]["AGS"].update(tls_version=""),
        "flow-AGS-tls_version",
        "Choose the TLS version your mail software uses for AGS",
    ),
    (lambda d: d["flows"]["AGS"].update(tls_version="1.1"), "flow-AGS-tls_version", "TLS 1.1 is no longer allowed"),
    (lambda d: d["flows"]["AGS"].update(tls_version="1.0"), "flow-AGS-tls_version", "TLS 1.0 is no longer allowed"),
    (
        lambda d: d["flows"]["NCTS"].update(vpn_peer_address="vpn.example"),
        "flow-NCTS-vpn_peer_address",
        "IPsec VPN peer for NCTS",
    ),
    (
        lambda d: d["flows"]["NCTS"].update(vpn_details="x" * 2001),
        "flow-NCTS-vpn_details",
        "IPsec VPN details for NCTS under 2,000",
    ),
    (
        lambda d: d.update(role="hub", clients=[{"legal_name": "Client", "kvk_number": "22222222", "eori": "NL1"}]),
        "clients-0-eori",
        "A Dutch EORI number is NL followed by 9 digits",
    ),
    (
        lambda d: d.update(role="hub", clients=[{"legal_name": "", "kvk_number": "87654321", "eori": "NL987654321"}]),
        "clients-0-legal_name",
        "Enter the client's legal name",
    ),
    (
        lambda d: d.update(role="hub", clients=[{"legal_name": "Me", "kvk_number": "87654321", "eori": "NL123456789"}]),
        "clients-0-eori",
        "already listed above",
    ),
]


@pytest.mark.parametrize(("mistake", "field", "message"), INVALID)
def test_each_invalid_field_is_refused_with_its_message_at_its_field_and_nothing_is_written(
    programme_flows, mistake, field, message
):
    # given
    data = copy.deepcopy(valid_intake())
    mistake(data)

    # when
    with pytest.raises(ValidationError) as refused:
        customer_intake_submit(email=EMAIL, data=data)

    # then
    errors = refused.value.message_dict
    assert list(errors) == [field]
    assert message in errors[field][0]
    _nothing_written()


def test_tls_below_1_2_is_refused_with_an_explanation_and_nothing_is_written(programme_flows):
    # given
    data = valid_intake()
    data["flows"]["AGS"]["tls_version"] = "1.1"

    # when
    with pytest.raises(ValidationError) as refused:
        customer_intake_submit(email=EMAIL, data=data)

    # then
    assert refused.value.message_dict == {
        "flow-AGS-tls_version": [
            "TLS 1.1 is no longer allowed for AGS: HTG accepts SMTP-MSA/POP3 only over TLS 1.2 or later. "
            "Choose TLS 1.2 or 1.3, or, if you are upgrading, enter the date by which AGS will use TLS 1.2."
        ]
    }
    _nothing_written()


def test_an_eori_or_kvk_number_another_company_has_is_refused(programme_flows):
    # given
    CustomerFactory(eori="NL123456789", kvk_number="11111111")
    CustomerFactory(eori="NL999999999", kvk_number="12345678")

    # when
    with pytest.raises(ValidationError) as refused:
        customer_intake_submit(email=EMAIL, data=valid_intake())

    # then
    assert set(refused.value.message_dict) == {"eori", "kvk_number"}
    assert Customer.objects.count() == 2
    assert Connection.objects.count() == 0


@pytest.mark.parametrize("client_count", [1, 10])
def test_the_company_step_looks_up_every_number_on_the_page_in_one_query(
    programme_flows, django_assert_num_queries, client_count
):
    # given: a registered hub (its own numbers are no conflict) listing clients, the first of them registered too
    hub = CustomerFactory(eori="NL123456789", kvk_number="12345678", role="hub")
    CustomerFactory(eori="NL200000000", kvk_number="20000000")
    data = valid_intake()
    data.update(
        role="hub",
        clients=[
            {"legal_name": f"Klant {index} B.V.", "kvk_number": f"{20000000 + index}", "eori": f"NL{200000000 + index}"}
            for index in range(client_count)
        ],
    )
    context = intake_context(email=EMAIL, customer=hub)

    # when: the same number of queries for one client as for ten
    with django_assert_num_queries(1):
        errors = intake_errors(data=data, context=context, step="company")

    # then
    assert errors == {
        "clients-0-eori": [
            "A company with this EORI number is already registered. Please contact the National Customs Helpdesk."
        ],
        "clients-0-kvk_number": [
            "A company with this KvK number is already registered. Please contact the National Customs Helpdesk."
        ],
    }


def test_a_hub_registers_its_clients(programme_flows):
    # given
    data = valid_intake()
    data.update(
        role="hub",
        clients=[
            {"legal_name": "Klant Een B.V.", "kvk_number": "22222222", "eori": "NL222222222"},
            {"legal_name": "Kunde GmbH", "kvk_number": "", "eori": "DE12345678901"},
        ],
    )

    # when
    result = customer_intake_submit(email=EMAIL, data=data)

    # then
    assert result.customer.role == "hub"
    assert sorted(result.customer.clients.values_list("legal_name", "eori", "role")) == [
        ("Klant Een B.V.", "NL222222222", "direct"),
        ("Kunde GmbH", "DE12345678901", "direct"),
    ]


def test_client_rows_are_ignored_unless_the_company_is_a_hub(programme_flows):
    data = valid_intake()
    data["clients"] = [{"legal_name": "Klant B.V.", "kvk_number": "", "eori": "bad"}]
    result = customer_intake_submit(email=EMAIL, data=data)
    assert result.customer.clients.count() == 0


def test_a_half_filled_intake_is_saved_and_resumed_as_typed():
    # given: a first step with a mistake in it, saved for later
    data = {"legal_name": "Van Dam", "kvk_number": "123", "eori": "", "role": "direct"}
    intake_draft_save(email="Anna@VanDam.example", data=data, step="company")

    # when: later, after signing in again
    draft = intake_draft_get(email=EMAIL)

    # then
    assert (draft.data, draft.step) == (data, "company")

    # when: saved again further on
    intake_draft_save(email=EMAIL, data={**data, "kvk_number": "12345678"}, step="contacts")

    # then: still one draft
    assert IntakeDraft.objects.get().step == "contacts"
    assert IntakeDraft.objects.get().data["kvk_number"] == "12345678"


def test_the_htg_number_is_issued_once_even_when_the_company_comes_back_to_add_a_flow(programme_flows):
    # given
    first = customer_intake_submit(email=EMAIL, data=valid_intake())
    data = valid_intake()
    data["flows"]["EMCS"] = _flow()

    # when
    second = customer_intake_submit(email=EMAIL, data=data)

    # then
    assert second.customer.pk == first.customer.pk
    assert second.htg_number == first.htg_number
    assert HtgNumberAllocation.objects.count() == 1
    assert OutboxEmail.objects.filter(template_key="customer.htg_number_issued").count() == 1
    assert set(second.customer.connections.values_list("flow__code", "state")) == {
        ("AGS", "intake_received"),
        ("NCTS", "intake_received"),
        ("EMCS", "intake_received"),
    }
    assert Customer.objects.count() == 1 and Contact.objects.count() == 2


def test_an_invited_company_completes_its_intake_and_its_invitation_is_answered(programme_flows):
    # given: the team registered and invited the company
    customer = CustomerFactory(legal_name="Van Dam", eori="NL123456789", kvk_number="12345678")
    contact = ContactFactory(customer=customer, email=EMAIL, name="Anna", language="nl")
    connection = walk_to(ConnectionFactory(customer=customer, flow=programme_flows["AGS"]), "invited", None)
    assert connection.due_on is not None
    data = valid_intake()
    data["flows"] = {"AGS": _flow(tls_version="1.3")}

    # when
    result = customer_intake_submit(email=EMAIL, data=data)

    # then
    connection.refresh_from_db()
    contact.refresh_from_db()
    assert result.customer.pk == customer.pk
    assert (connection.state, connection.tls_version, connection.due_on) == ("intake_received", "1.3", None)
    assert contact.user == result.user and contact.name == "Anna de Boer" and contact.language == "en"
    assert Customer.objects.get().legal_name == "Van Dam Logistiek B.V."
    assert result.customer.htg_number


def test_a_planned_flow_cannot_be_dropped_by_the_intake_and_one_in_progress_is_left_alone(programme_flows):
    # given: AGS invited, NCTS already booked with the team
    customer = CustomerFactory(eori="NL123456789", kvk_number="12345678")
    ContactFactory(customer=customer, email=EMAIL)
    ags = walk_to(ConnectionFactory(customer=customer, flow=programme_flows["AGS"]), "invited", None)
    ncts = walk_to(ConnectionFactory(customer=customer, flow=programme_flows["NCTS"]), "slot_booked", None)
    data = valid_intake()
    data["flows"] = {"AGS": _flow(used=False), "NCTS": _flow(tls_version="1.3")}

    # when
    customer_intake_submit(email=EMAIL, data=data)

    # then
    ags.refresh_from_db()
    ncts.refresh_from_db()
    assert ags.state == "intake_received"
    assert (ncts.state, ncts.tls_version) == ("slot_booked", "1.2")


def test_a_flow_not_yet_open_for_migration_is_recorded_and_stays_planned(programme_flows):
    # given
    GovernmentParty.objects.filter(flows__code="NVWA").update(htg_status="connecting")
    data = valid_intake()
    data["flows"] = {"NVWA": _flow()}

    # when
    result = customer_intake_submit(email=EMAIL, data=data)

    # then
    connection = result.customer.connections.get()
    assert (connection.flow.code, connection.state, connection.channel) == ("NVWA", "planned", "smtp_msa_pop3")
    assert result.htg_number


def test_a_hub_with_clients_cannot_give_up_the_hub_role_in_the_intake_and_nothing_changes(programme_flows):
    # given: a registered hub that serves a client
    hub = CustomerFactory(eori="NL123456789", kvk_number="12345678", role="hub")
    client = CustomerFactory(hub=hub)
    ContactFactory(customer=hub, email=EMAIL)

    for role in ("direct", "software_supplier"):
        data = valid_intake()
        data["role"] = role

        # when
        errors = intake_errors(data=data, context=intake_context(email=EMAIL, customer=hub), step="company")
        with pytest.raises(ValidationError) as refused:
            customer_intake_submit(email=EMAIL, data=data)

        # then: the same message on the step and at the submit, and the hub and its client are as they were
        assert errors["role"] == [
            "Your company is the hub of other companies in the migration, so it stays a hub. To change this, ask the "
            "connection team to move your clients to another hub first."
        ]
        assert "role" in refused.value.message_dict
        hub.refresh_from_db()
        client.refresh_from_db()
        assert (hub.role, client.hub_id) == ("hub", hub.pk)


def test_a_hub_without_clients_may_become_a_direct_user(programme_flows):
    hub = CustomerFactory(eori="NL123456789", kvk_number="12345678", role="hub")
    data = valid_intake()

    errors = intake_errors(data=data, context=intake_context(email=EMAIL, customer=hub), step="company")

    assert "role" not in errors


def _largest_draft() -> dict:
    """Every field of every step full, in characters of four bytes each, as the intake's forms let it through."""
    from portal.services.intake import MAX_CLIENTS, MAX_CONTACTS
    from portal.views.intake_forms import EMAIL_LENGTH, IDENTIFIER_LENGTH, NAME_LENGTH, PHONE_LENGTH, VPN_DETAILS_LENGTH

    wide = "😀"
    return {
        "legal_name": wide * NAME_LENGTH,
        "kvk_number": wide * IDENTIFIER_LENGTH,
        "eori": wide * IDENTIFIER_LENGTH,
        "role": wide * 20,
        "clients": [
            {"legal_name": wide * NAME_LENGTH, "kvk_number": wide * IDENTIFIER_LENGTH, "eori": wide * IDENTIFIER_LENGTH}
        ]
        * MAX_CLIENTS,
        "contacts": [
            {"name": wide * NAME_LENGTH, "email": wide * EMAIL_LENGTH, "phone": wide * PHONE_LENGTH, "language": "nl"}
        ]
        * MAX_CONTACTS,
        "flows": {
            code: _flow(channel=wide * 20, tls_version=wide * 10, vpn_peer_address=wide * 45)
            | {"vpn_details": wide * VPN_DETAILS_LENGTH}
            for code in ("AGS", "CID", "EMCS", "NCTS", "SW", "NVWA")
        },
    }


def test_the_largest_draft_the_forms_let_through_is_saved():
    # when
    intake_draft_save(email=EMAIL, data=_largest_draft(), step="flows")

    # then
    assert IntakeDraft.objects.get().data == _largest_draft()


def test_an_oversized_draft_is_refused_with_a_clear_message_and_nothing_is_saved():
    # given: a draft saved, and one far larger than the forms allow (as a caller that skips them might send)
    intake_draft_save(email=EMAIL, data={"legal_name": "Van Dam", "role": "direct"}, step="company")
    before = list(IntakeDraft.objects.values_list("email", "step", "data", "updated_at"))
    oversized = _largest_draft() | {"flows": {"AGS": _flow(vpn_details="x" * 300_000)}}

    # when / then: neither the saved draft nor a new one changes
    for email in (EMAIL, "someone@else.example"):
        with pytest.raises(ValidationError) as refused:
            intake_draft_save(email=email, data=oversized, step="flows")
        assert refused.value.message_dict == {
            "intake": ["The intake is too large to save: at most 256 kB. Shorten the longest texts."]
        }
    assert list(IntakeDraft.objects.values_list("email", "step", "data", "updated_at")) == before

"""The team's pages for a company's contacts and a connection's technical details (what it used to do in the admin)."""

import pytest
from django.urls import reverse

from connections.models import Connection, Contact
from tests.connections.factories import (
    ConnectionFactory,
    ContactFactory,
    UserFactory,
    helpdesk_member,
    team_member,
)
from tests.connections.portal_factories import company_contact

pytestmark = pytest.mark.django_db


def _contact_post(**fields) -> dict[str, str]:
    return {"name": "Bram Jansen", "email": "bram@example.nl", "phone": "", "language": "en", **fields}


def test_a_team_member_adds_a_contact_and_a_forged_account_field_is_ignored(client):
    # given
    administrator = UserFactory(is_superuser=True)
    anna = ContactFactory(name="Anna")
    client.force_login(team_member())
    url = reverse("connections:customer_contacts", args=[anna.customer_id])

    # when
    response = client.post(url, _contact_post(user=str(administrator.pk), is_primary="on"), follow=True)

    # then
    assert response.status_code == 200
    assert "Bram Jansen has been added as a contact." in response.content.decode()
    bram = Contact.objects.get(email="bram@example.nl")
    assert (bram.customer_id, bram.user_id, bram.is_primary, bram.language) == (anna.customer_id, None, True, "en")


@pytest.mark.parametrize(
    "fields",
    [
        {"name": "Bram\x00"},
        {"email": "bram\x00@example.nl"},
        {"phone": "٠١٢" * 20},
        {"language": "xx"},
        {"name": "x" * 100_000},
        {"email": "anna@example.nl"},
    ],
    ids=["NUL in name", "NUL in address", "too long phone", "unknown language", "huge name", "address taken"],
)
def test_hostile_contact_input_is_a_400_with_the_form_and_writes_nothing(client, fields):
    # given
    anna = ContactFactory(name="Anna", email="anna@example.nl")
    client.force_login(team_member())

    # when
    response = client.post(reverse("connections:customer_contacts", args=[anna.customer_id]), _contact_post(**fields))

    # then
    assert response.status_code == 400
    assert "The contact was not added" in response.content.decode()
    assert Contact.objects.count() == 1


@pytest.mark.parametrize("who", ["helpdesk", "company"])
def test_only_the_team_keeps_contacts(client, who):
    anna = ContactFactory(name="Anna")
    user = helpdesk_member() if who == "helpdesk" else company_contact(customer=anna.customer).user
    client.force_login(user)
    url = reverse("connections:customer_contacts", args=[anna.customer_id])
    assert client.get(url).status_code == 403
    assert client.post(url, _contact_post()).status_code == 403
    assert not Contact.objects.filter(email="bram@example.nl").exists()


def test_a_contact_of_another_company_is_a_404_on_this_companys_pages(client):
    ours = ContactFactory()
    theirs = ContactFactory(name="Theirs")
    client.force_login(team_member())
    change = reverse("connections:contact_change", args=[ours.customer_id, theirs.pk])
    remove = reverse("connections:contact_remove", args=[ours.customer_id, theirs.pk])
    assert client.get(change).status_code == 404
    assert client.post(change, _contact_post(name="Hacked")).status_code == 404
    assert client.post(remove).status_code == 404
    theirs.refresh_from_db()
    assert theirs.name == "Theirs"


def test_changing_and_removing_a_contact_asks_then_confirms(client):
    # given
    anna = ContactFactory(name="Anna", email="anna@example.nl")
    bram = ContactFactory(customer=anna.customer, name="Bram", email="bram@example.nl", is_primary=False)
    client.force_login(team_member())

    # when: a change
    change = client.post(
        reverse("connections:contact_change", args=[anna.customer_id, anna.pk]),
        _contact_post(name="Anna de Boer", email="anna@example.nl", phone="010 123"),
        follow=True,
    )
    # and a removal: first the question, then the answer
    remove_url = reverse("connections:contact_remove", args=[anna.customer_id, bram.pk])
    question = client.get(remove_url)
    removal = client.post(remove_url, follow=True)

    # then
    assert "The contact details have been saved." in change.content.decode()
    anna.refresh_from_db()
    assert (anna.name, anna.phone) == ("Anna de Boer", "010 123")
    assert "Remove Bram as a contact of" in question.content.decode()
    assert Contact.objects.filter(pk=bram.pk).exists() is False
    assert "Bram is no longer a contact of this company." in removal.content.decode()


def test_the_contacts_page_makes_the_same_queries_for_two_or_five_contacts(client, django_assert_num_queries):
    # given
    anna = ContactFactory()
    ConnectionFactory(customer=anna.customer)
    ContactFactory(customer=anna.customer, is_primary=False)
    client.force_login(team_member())
    url = reverse("connections:customer_contacts", args=[anna.customer_id])
    client.get(url)

    # when / then: session, user, groups, the customer, contacts, suppressions, connections
    with django_assert_num_queries(7):
        assert client.get(url).status_code == 200
    for _ in range(3):
        ContactFactory(customer=anna.customer, is_primary=False)
    with django_assert_num_queries(7):
        assert client.get(url).status_code == 200


def _details_post(**fields) -> dict[str, str]:
    data = {"channel": "", "tls_version": "", "vpn_peer_address": "", "vpn_details": "", **fields}
    return {f"details-{name}": value for name, value in data.items()}


def test_the_connection_page_records_the_channel(client):
    # given
    member = team_member(first_name="Tessa")
    connection = ConnectionFactory()
    client.force_login(member)

    # when
    response = client.post(
        reverse("connections:connection_details", args=[connection.pk]),
        _details_post(channel="smtp_msa_pop3", tls_version="1.3"),
        follow=True,
    )

    # then
    assert "technical details have been saved" in response.content.decode()
    connection.refresh_from_db()
    assert (connection.channel, connection.tls_version, connection.assigned_to_id) == ("smtp_msa_pop3", "1.3", None)


@pytest.mark.parametrize(
    "fields",
    [
        {"channel": "smtp_msa_pop3"},  # no TLS version
        {"channel": "smtp_mta_ipsec", "vpn_peer_address": "not an address"},
        {"channel": "carrier pigeon"},
        {"vpn_details": "\x00"},
    ],
    ids=["MSA without TLS", "bad VPN peer", "unknown channel", "NUL"],
)
def test_bad_connection_details_are_refused_with_a_message_and_change_nothing(client, fields):
    # given
    connection = ConnectionFactory()
    client.force_login(team_member())

    # when
    response = client.post(
        reverse("connections:connection_details", args=[connection.pk]), _details_post(**fields), follow=True
    )

    # then
    assert response.status_code == 200
    assert 'class="message message--error"' in response.content.decode()
    assert "have been saved" not in response.content.decode()
    stored = Connection.objects.values("channel", "tls_version", "vpn_peer_address", "assigned_to").get()
    assert stored == {"channel": "", "tls_version": "", "vpn_peer_address": None, "assigned_to": None}


@pytest.mark.parametrize("assignee", ["helpdesk", "company", "administrator"])
def test_a_connection_is_given_only_to_a_team_member(client, assignee):
    # given
    connection = ConnectionFactory()
    others = {
        "helpdesk": helpdesk_member,
        "company": lambda: company_contact().user,
        "administrator": lambda: UserFactory(is_superuser=True),
    }
    user = others[assignee]()
    client.force_login(team_member())

    # when
    response = client.post(reverse("connections:connection_assign", args=[connection.pk]), {"assignee": user.pk})

    # then
    assert response.status_code == 302
    connection.refresh_from_db()
    assert connection.assigned_to_id is None
    assert not connection.events.exists()

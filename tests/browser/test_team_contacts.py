"""The team keeps a company's contacts and a connection's channel and team member in its workspace, in a real
browser, in English and Dutch (what it used to do in the admin)."""

import pytest
from playwright.sync_api import expect

from connections.models import Connection, Contact
from connections.services.staff import staff_groups_sync
from tests.browser.conftest import assert_accessible, sign_in, staff_user
from tests.connections.factories import ConnectionFactory, ContactFactory, team_member

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_a_team_member_adds_changes_and_removes_a_contact_and_sets_the_channel(page, live_server):
    # given
    staff_groups_sync()
    tessa = staff_user(team_member, "tessa", first_name="Tessa")
    anna = ContactFactory(name="Anna de Boer", email="anna@vandam.example", customer__legal_name="Van Dam B.V.")
    connection = ConnectionFactory(customer=anna.customer)

    # when: from the connection's page to its contacts
    sign_in(page, live_server, "tessa", "correct horse battery staple")
    page.goto(f"{live_server.url}/team/connections/{connection.pk}/")
    expect(page.get_by_role("link", name="Administration")).to_have_count(0)
    page.get_by_role("link", name="Add or change contacts").click()
    assert_accessible(page)
    page.get_by_label("Name", exact=True).fill("Bram Jansen")
    page.get_by_label("E-mail address").fill("bram@vandam.example")
    page.get_by_label("Preferred language").select_option("en")
    page.get_by_role("button", name="Add contact").click()

    # then
    expect(page.get_by_text("Bram Jansen has been added as a contact.")).to_be_visible()
    assert Contact.objects.filter(customer=anna.customer, email="bram@vandam.example", user=None).exists()

    # when: an address that is taken
    page.get_by_label("Name", exact=True).fill("Someone")
    page.get_by_label("E-mail address").fill("ANNA@vandam.example")
    page.get_by_role("button", name="Add contact").click()

    # then
    expect(page.get_by_text("This e-mail address is already listed for this company.")).to_be_visible()
    assert_accessible(page)
    assert Contact.objects.filter(customer=anna.customer).count() == 2

    # when: Anna is removed, after the question
    page.get_by_role("link", name="Remove Anna de Boer").click()
    expect(page.get_by_role("heading", name="Remove Anna de Boer as a contact of Van Dam B.V.?")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Yes, remove this contact").click()

    # then: Bram is the primary contact now
    expect(page.get_by_text("Anna de Boer is no longer a contact of this company.")).to_be_visible()
    assert list(Contact.objects.filter(customer=anna.customer).values_list("name", "is_primary")) == [
        ("Bram Jansen", True)
    ]

    # when: back on the connection page, in Dutch, the channel
    page.get_by_role("link", name="Back to Van Dam B.V.").click()
    page.get_by_role("button", name="Nederlands").click()
    page.get_by_label("Kanaal", exact=True).select_option("smtp_msa_pop3")
    page.get_by_label("TLS-versie (SMTP-MSA/POP3)").select_option("1.2")
    page.get_by_role("button", name="Gegevens opslaan").click()

    # then
    expect(page.get_by_text("De technische gegevens van de aansluiting zijn opgeslagen.")).to_be_visible()
    assert_accessible(page)

    # when: and the team member, in the form of its own (a timeline event)
    page.get_by_label("Toewijzen aan", exact=True).select_option(str(tessa.pk))
    page.get_by_role("button", name="Toewijzen", exact=True).click()

    # then
    expect(page.get_by_text("Tessa werkt nu aan deze aansluiting.")).to_be_visible()
    expect(page.get_by_role("region", name="Tijdlijn").get_by_text("Toegewezen aan Tessa")).to_be_visible()
    assert_accessible(page)
    connection = Connection.objects.get(pk=connection.pk)
    assert (connection.channel, connection.tls_version, connection.assigned_to_id) == ("smtp_msa_pop3", "1.2", tessa.pk)

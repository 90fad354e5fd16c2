"""The companies' portal in Chromium: a new company signs in with the link from a real e-mail (through the outbox
and an SMTP server), does its intake with mistakes corrected on the way and sees its HTG number; an invited
company signs in, finds its intake prefilled and reads its status on a phone. axe-core checks every page."""

import re

import pytest
from playwright.sync_api import expect

from connections.models import Customer
from notifications.models import OutboxEmail
from tests.browser.conftest import assert_accessible, message_text
from tests.conftest import wait_for
from tests.connections.factories import ConnectionFactory, ContactFactory, CustomerFactory, walk_to
from tests.notifications.conftest import self_signed_certificate, smtp_server_factory, smtp_sink  # noqa: F401

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def _sign_in_links(mailbox, address: str) -> list[str]:
    texts = [message_text(message) for message in mailbox.messages if message["To"] == address]
    return [match.group(0) for text in texts for match in re.finditer(r"http://\S+/portal/sign-in/\S+/", text)]


def _sign_in_link(mailbox, address: str, count: int) -> str:
    """The count-th sign-in link sent to the address, as the person reads it in the e-mail."""
    assert wait_for(lambda: len(_sign_in_links(mailbox, address)) >= count, timeout=20)
    return _sign_in_links(mailbox, address)[count - 1]


def _no_sideways_scrolling(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_a_new_company_signs_in_by_link_does_its_intake_with_mistakes_corrected_and_gets_its_htg_number(
    page, live_server, mailbox, programme_flows
):
    # given: the public start page
    page.goto(f"{live_server.url}/portal/")
    expect(page.get_by_role("heading", name="Move your messages from Digipoort to HTG", level=1)).to_be_visible()
    assert_accessible(page)

    # when: she asks for a link
    page.get_by_label("Your e-mail address").fill("nina@nieuw.example")
    page.get_by_role("button", name="Send me a link").click()

    # then
    expect(page.get_by_role("heading", name="Check your e-mail", level=1)).to_be_visible()
    expect(page.get_by_text("We have sent a sign-in link to nina@nieuw.example.")).to_be_visible()
    assert_accessible(page)

    # when: she opens the link from the e-mail: a button, not yet signed in
    link = _sign_in_link(mailbox, "nina@nieuw.example", 1)
    page.goto(link)
    expect(page.get_by_text("You are signing in as nina@nieuw.example.")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Sign in").click()

    # then: the intake, first step
    expect(page.get_by_role("heading", name="Intake: Company", level=1)).to_be_visible()
    assert_accessible(page)

    # when: a KvK number one digit short
    page.get_by_label("Legal name").first.fill("Nieuw Transport B.V.")
    page.get_by_label("KvK number").first.fill("1234567")
    page.get_by_label("EORI number").first.fill("NL 123456789")
    clients = page.get_by_role("group", name="Your clients (hubs and intermediaries only)")
    page.get_by_label("Hub (intermediary)").check()
    expect(clients).to_be_visible()
    page.get_by_label("Direct user").check()
    expect(clients).to_be_hidden()
    page.get_by_role("button", name="Save and continue", exact=True).click()

    # then: the summary links to the field, which says what is wrong
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("There is a problem")
    expect(page.locator("#kvk_number-error")).to_contain_text("A KvK number has exactly 8 digits")
    expect(page.get_by_label("Legal name").first).to_have_value("Nieuw Transport B.V.")
    assert_accessible(page)
    summary.get_by_role("link", name=re.compile("A KvK number has exactly 8 digits")).click()
    expect(page.locator("#kvk_number")).to_be_focused()

    # when: corrected
    page.locator("#kvk_number").fill("12345678")
    page.get_by_role("button", name="Save and continue", exact=True).click()

    # then: contacts, her address already there
    expect(page.get_by_role("heading", name="Intake: Contacts", level=1)).to_be_visible()
    expect(page.locator("#contacts-0-email")).to_have_value("nina@nieuw.example")
    assert_accessible(page)
    page.locator("#contacts-0-name").fill("Nina Jansen")
    page.locator("#contacts-0-phone").fill("+31 10 765 43 21")
    page.locator("#contacts-0-language").select_option("en")
    page.get_by_role("button", name="Save and continue", exact=True).click()

    # when: AGS over SMTP-MSA/POP3, but with TLS 1.1
    expect(page.get_by_role("heading", name="Intake: Message flows and channels", level=1)).to_be_visible()
    assert_accessible(page)
    ags = page.locator("#flow-AGS")
    ags.get_by_label("We use AGS").check()
    ags.get_by_label("SMTP-MSA/POP3 over TLS").check()
    ags.get_by_label("TLS version for AGS").select_option("1.1")
    page.get_by_role("button", name="Save and continue", exact=True).click()

    # then: refused, with the reason
    expect(page.locator("#flow-AGS-tls_version-error")).to_contain_text(
        "TLS 1.1 is no longer allowed for AGS: HTG accepts SMTP-MSA/POP3 only over TLS 1.2 or later."
    )
    assert Customer.objects.count() == 0
    assert_accessible(page)

    # when: TLS 1.2
    page.locator("#flow-AGS").get_by_label("TLS version for AGS").select_option("1.2")
    page.get_by_role("button", name="Save and continue", exact=True).click()

    # then: the review
    expect(page.get_by_role("heading", name="Intake: Check and submit", level=1)).to_be_visible()
    expect(page.get_by_text("SMTP-MSA/POP3 over TLS 1.2")).to_be_visible()
    assert_accessible(page)

    # when
    page.get_by_role("button", name="Submit the intake").click()

    # then: the status page with the HTG number, prominent
    customer = Customer.objects.get()
    expect(page.get_by_role("heading", name="Nieuw Transport B.V.", level=1)).to_be_visible()
    panel = page.get_by_role("region", name="Your HTG number")
    expect(panel).to_contain_text(customer.htg_number)
    expect(panel).to_contain_text("State this number when you contact the helpdesk.")
    expect(page.get_by_role("heading", name=re.compile("^AGS"))).to_be_visible()
    expect(page.get_by_text("Nothing: wait for the offer of a time slot.")).to_be_visible()
    assert_accessible(page)

    # and the number arrives by e-mail, through the outbox
    assert wait_for(lambda: any(customer.htg_number in (m["Subject"] or "") for m in mailbox.messages), timeout=20)
    assert OutboxEmail.objects.get(template_key="customer.htg_number_issued").status == "sent"

    # when: the used link is opened again
    page.goto(link)

    # then: a clear page with a way to a new link
    expect(page.get_by_text("This sign-in link has already been used")).to_be_visible()
    expect(page.get_by_role("button", name="Send me a new link")).to_be_visible()
    assert_accessible(page)


def test_an_invited_company_signs_in_finds_its_intake_prefilled_and_reads_its_status_on_a_phone(
    page, live_server, mailbox, programme_flows
):
    # given: a company the team registered and invited, with its HTG number
    customer = CustomerFactory(legal_name="Van Dam Logistiek B.V.", eori="NL123456789", kvk_number="12345678")
    ContactFactory(
        customer=customer, name="Anna de Boer", email="anna@vandam.example", phone="010 1234567", language="en"
    )  # she reads English: the portal opens in her language once she signs in
    walk_to(ConnectionFactory(customer=customer, flow=programme_flows["AGS"]), "invited", None)
    page.set_viewport_size({"width": 375, "height": 740})

    # when: she asks for a link on the sign-in page
    page.goto(f"{live_server.url}/portal/status/")
    expect(page.get_by_role("heading", name="Sign in to the HTG migration portal", level=1)).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Your e-mail address").fill("anna@vandam.example")
    page.get_by_role("button", name="Send me a sign-in link").click()
    expect(page.get_by_role("heading", name="Check your e-mail", level=1)).to_be_visible()
    page.goto(_sign_in_link(mailbox, "anna@vandam.example", 1))
    page.get_by_role("button", name="Sign in").click()

    # then: back where she was going: the status, on a phone, without sideways scrolling
    expect(page.get_by_role("heading", name="Van Dam Logistiek B.V.", level=1)).to_be_visible()
    expect(page.get_by_role("link", name="Fill in the intake form from the invitation e-mail.")).to_be_visible()
    expect(page.get_by_text("You receive your HTG number when your intake is complete.")).to_be_visible()
    assert _no_sideways_scrolling(page)
    assert_accessible(page)

    # when: she opens the intake from there
    page.get_by_role("link", name="Fill in the intake form from the invitation e-mail.").click()

    # then: prefilled with what Customs has
    expect(page.get_by_role("heading", name="Intake: Company", level=1)).to_be_visible()
    expect(page.get_by_label("Legal name").first).to_have_value("Van Dam Logistiek B.V.")
    expect(page.get_by_label("EORI number").first).to_have_value("NL123456789")
    assert _no_sideways_scrolling(page)
    assert_accessible(page)

    # when: she saves it for later
    page.get_by_role("button", name="Save and continue later").click()

    # then
    expect(page.get_by_text("Your intake is saved.")).to_be_visible()
    assert_accessible(page)

    # when: she switches to Dutch and signs out
    page.get_by_role("button", name="Nederlands").click()
    expect(page.locator("html")).to_have_attribute("lang", "nl")
    page.get_by_role("button", name=re.compile("Sign out|Uitloggen")).click()

    # then: signed out, on the sign-in page
    expect(page).to_have_url(re.compile(r"/portal/sign-in/$"))

"""Issue 14 items 4 and 5 in Chromium: the intake shows only the questions its answers call for, its error summary
follows the form and takes focus, check-your-answers with change links, a company on TLS 1.1 submits with its
upgrade date and later confirms TLS 1.2; the connection page states the truth. axe-core on every page, in English
and Dutch, on a desktop and a phone."""

import datetime
import re

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.utils import translation
from django.utils.translation import gettext
from playwright.sync_api import expect

from connections.models import Connection, Customer
from connections.services.transitions import connection_transition
from notifications.models import OutboxEmail
from tests.browser.conftest import assert_accessible
from tests.connections.factories import AMSTERDAM, ConnectionFactory, SlotFactory, UserFactory, reserve_slot, walk_to
from tests.connections.portal_factories import company_contact

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 740}


@pytest.fixture(autouse=True)
def pinned_clock(settings):
    settings.HTG_CLOCK_DATE = datetime.date(2020, 5, 15)


def dutch(text: str) -> str:
    with translation.override("nl"):
        return gettext(text)


def _sign_in_link(live_server, email: str) -> str:
    Client().post("/portal/sign-in/", {"email": email})
    body = OutboxEmail.objects.filter(template_key="portal.sign_in_link", to_address=email).latest("id").body_text
    return live_server.url + re.search(r"/portal/sign-in/[A-Za-z0-9_\-]+/", body).group(0)


def _sign_in_company(page, live_server, user):
    client = Client()
    client.force_login(user)
    cookie = client.cookies[django_settings.SESSION_COOKIE_NAME]
    page.context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_server.url}])


def _no_sideways_scrolling(page):
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), page.url


def test_an_intake_on_tls_1_1_with_check_your_answers_then_tls_1_2_confirmed(page, live_server, programme_flows):
    # given: a new company opens its sign-in link, on a desktop
    page.set_viewport_size(DESKTOP)
    page.goto(_sign_in_link(live_server, "nina@nieuw.example"))
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Intake: Company", level=1)).to_be_visible()
    page.get_by_label("Legal name").first.fill("Nieuw Transport B.V.")
    page.get_by_label("KvK number").first.fill("12345678")
    page.get_by_label("EORI number").first.fill("NL123456789")
    page.get_by_label("Direct user").check()
    page.get_by_role("button", name="Save and continue", exact=True).click()
    page.locator("#contacts-0-name").fill("Nina Jansen")
    page.locator("#contacts-0-phone").fill("+31 10 765 43 21")
    page.locator("#contacts-0-language").select_option("en")
    page.get_by_role("button", name="Save and continue", exact=True).click()

    # then: the flows, with no channel questions before a flow is ticked, and no "show the questions" button
    expect(page.get_by_role("heading", name="Intake: Message flows and channels", level=1)).to_be_visible()
    ags, ncts = page.locator("#flow-AGS"), page.locator("#flow-NCTS")
    expect(ags.get_by_role("group", name="Channel for AGS")).to_be_hidden()
    expect(page.get_by_role("button", name="Show the questions for my answers")).to_be_hidden()
    assert_accessible(page)

    # when: AGS over SMTP-MSA/POP3 on TLS 1.1, NCTS over SMTP-MTA
    ags.get_by_label("We use AGS").check()
    expect(ags.get_by_role("group", name="Channel for AGS")).to_be_visible()
    expect(ags.get_by_label("TLS version for AGS")).to_be_hidden()
    ags.get_by_label("SMTP-MSA/POP3 over TLS").check()
    expect(ags.get_by_label("IPsec VPN peer address for AGS")).to_be_hidden()
    expect(ags.get_by_label("Upgrading: date by which AGS will use TLS 1.2")).to_be_hidden()
    ags.get_by_label("TLS version for AGS").select_option("1.1")
    expect(ags.get_by_label("Upgrading: date by which AGS will use TLS 1.2")).to_be_visible()
    ncts.get_by_label("We use NCTS").check()
    ncts.get_by_label("SMTP-MTA over an IPsec VPN").check()
    expect(ncts.get_by_label("IPsec VPN peer address for NCTS")).to_be_visible()
    expect(ncts.get_by_label("TLS version for NCTS")).to_be_hidden()
    assert_accessible(page)
    page.get_by_role("button", name="Save and continue", exact=True).click()

    # then: the summary has the focus, in the order of the form, each error naming its flow
    summary = page.get_by_role("alert")
    expect(summary).to_be_focused()
    expect(summary.get_by_role("listitem")).to_have_text(
        [
            re.compile(r"^TLS 1\.1 is no longer allowed for AGS"),
            "Enter the public IP address of your IPsec VPN peer for NCTS, for example 192.0.2.10.",
        ]
    )
    assert_accessible(page)

    # when: the upgrade date and the VPN peer
    ags.get_by_label("Upgrading: date by which AGS will use TLS 1.2").fill("2020-06-01")
    ncts.get_by_label("IPsec VPN peer address for NCTS").fill("192.0.2.10")
    page.get_by_role("button", name="Save and continue", exact=True).click()

    # then: check your answers, a change link per answer
    expect(page.get_by_role("heading", name="Intake: Check and submit", level=1)).to_be_visible()
    expect(
        page.get_by_text("SMTP-MSA/POP3, now over TLS 1.1; upgrading: TLS 1.2 expected by 1 June 2020")
    ).to_be_visible()
    _no_sideways_scrolling(page)
    assert_accessible(page)

    # when: the legal name changed from there
    page.get_by_role("link", name="Change Legal name").click()
    expect(page.locator("#legal_name")).to_be_focused()
    page.locator("#legal_name").fill("Nieuw Transport Nederland B.V.")
    page.get_by_role("button", name="Save and go back to check your answers").click()

    # then: back on the check page, with the change
    expect(page.get_by_role("heading", name="Intake: Check and submit", level=1)).to_be_visible()
    expect(page.get_by_text("Nieuw Transport Nederland B.V.")).to_be_visible()

    # when: in Dutch, on a phone
    page.set_viewport_size(PHONE)
    page.get_by_role("button", name="Nederlands").click()
    expect(page.locator("html")).to_have_attribute("lang", "nl")
    _no_sideways_scrolling(page)
    assert_accessible(page)
    page.get_by_role("button", name=dutch("Submit the intake")).click()

    # then: the HTG number, and AGS visibly waiting for TLS 1.2 with the deadline and plateau on the page
    customer = Customer.objects.get()
    expect(page.get_by_role("region", name=dutch("Your HTG number"))).to_contain_text(customer.htg_number)
    expect(page.get_by_text(dutch("Intake received, waiting for TLS 1.2"))).to_be_visible()
    expect(page.get_by_role("region", name=dutch("Deadline and plateau"))).to_contain_text("30 juni 2020")
    _no_sideways_scrolling(page)
    assert_accessible(page)

    # when: the Intake menu item
    page.get_by_role("navigation", name="Portaal").get_by_role("link", name="Intake").click()

    # then: the submitted answers
    expect(page.get_by_role("heading", name=dutch("Your intake"), level=1)).to_be_visible()
    expect(page.get_by_text("Nieuw Transport Nederland B.V.")).to_be_visible()
    assert_accessible(page)

    # when: the AGS connection's page, back in English on a desktop; TLS 1.2 is confirmed there
    page.get_by_role("button", name="English").click()
    page.set_viewport_size(DESKTOP)
    ags_connection = Connection.objects.get(flow__code="AGS")
    page.goto(f"{live_server.url}/portal/connections/{ags_connection.pk}/")
    tls = page.get_by_role("region", name="TLS 1.2 for this connection")
    expect(tls).to_contain_text("You expected to use TLS 1.2 by 1 June 2020.")
    assert_accessible(page)
    tls.get_by_label("TLS version your mail software now uses").select_option("1.2")
    tls.get_by_role("button", name="Confirm: we now use TLS 1.2 or later").click()

    # then
    expect(page.get_by_text("Thank you: we have recorded that AGS now uses TLS 1.2.")).to_be_visible()
    expect(page.get_by_role("region", name="Where this connection stands")).to_contain_text("Intake received")
    assert_accessible(page)


def test_the_connection_page_states_the_truth_in_english_and_dutch_on_a_desktop_and_a_phone(
    page, live_server, programme_flows
):
    # given: a session booked for Wednesday 20 May, the technical data already sent; today is 15 May
    walker = UserFactory(is_superuser=True)
    contact = company_contact(legal_name="Kade Expeditie B.V.")
    connection = walk_to(
        ConnectionFactory(customer=contact.customer, flow=programme_flows["AGS"]), "slot_offered", walker
    )
    starts_at = datetime.datetime(2020, 5, 20, 10, tzinfo=AMSTERDAM)
    reserve_slot(connection, SlotFactory(starts_at=starts_at, ends_at=starts_at + datetime.timedelta(hours=1)))
    for step in ("book_slot", "send_technical_data", "start_testing"):
        connection_transition(connection_id=connection.pk, transition=step, actor=walker)
    _sign_in_company(page, live_server, contact.user)
    page.set_viewport_size(DESKTOP)

    # when
    page.goto(f"{live_server.url}/portal/connections/{connection.pk}/")

    # then: the session is still to come, the deadline and plateau 1 are there
    slot = page.get_by_role("region", name="Your slot with the connection team")
    expect(slot).to_contain_text("Your session with the connection team is on Wednesday 20 May 2020, 10:00–11:00.")
    expect(slot).not_to_contain_text("has taken place")
    facts = page.get_by_role("region", name="Deadline and plateau")
    expect(facts).to_contain_text("Every connection must be live on HTG by 30 June 2020.")
    expect(facts).to_contain_text("Plateau 1: Customs messages (AGS, CID, EMCS, NCTS): started on 3 February 2020")
    state = page.get_by_role("region", name="Where this connection stands")
    expect(state).to_contain_text("Send test messages in the Business Test Environment")
    assert_accessible(page)

    # when: test messages confirmed
    page.get_by_role("button", name="Confirm: test messages sent").click()

    # then: the confirmation page says what happened and what happens next; back on the connection's page the next
    # step is the team's
    expect(page.get_by_role("heading", name="Thank you: your confirmation is recorded", level=1)).to_be_visible()
    expect(page.get_by_role("heading", name="What happens next")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Back to the connection").click()
    state = page.get_by_role("region", name="Where this connection stands")
    expect(state).to_contain_text("Nothing for now: the connection team checks your test messages")
    expect(state).not_to_contain_text("Send test messages in the Business Test Environment")
    assert_accessible(page)

    # when: in Dutch on a phone
    page.set_viewport_size(PHONE)
    page.get_by_role("button", name="Nederlands").click()

    # then
    expect(page.locator("html")).to_have_attribute("lang", "nl")
    expect(page.get_by_text("Uw gesprek met het aansluitteam is op woensdag 20 mei 2020, 10:00–11:00.")).to_be_visible()
    expect(page.get_by_text("Elke aansluiting moet uiterlijk 30 juni 2020 live zijn op HTG.")).to_be_visible()
    _no_sideways_scrolling(page)
    assert_accessible(page)

    # and the start page, signed out, in Dutch: the deadline and the plateaus
    page.context.clear_cookies()
    page.goto(f"{live_server.url}/portal/")
    page.get_by_role("button", name="Nederlands").click()
    expect(page.get_by_text("Elke aansluiting moet uiterlijk 30 juni 2020 live zijn op HTG.")).to_be_visible()
    _no_sideways_scrolling(page)
    assert_accessible(page)

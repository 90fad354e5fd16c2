"""Journey 2 (issue 14): the helpdesk, end to end in Chromium. A helpdesk user signs in at the staff sign-in page (the
one address typed: her bookmark), finds a company by a misspelt name, logs the call, asks for a callback with a
contact on record, and sees it confirmed; the team member gets it in the team's daily digest e-mail (the real
service, through the outbox and an SMTP sink), follows its link to the callback queue, signs in and handles it.
axe-core on every page; Dutch and English, a desktop and a phone (which must not scroll sideways)."""

import datetime
import re

import pytest
from playwright.sync_api import expect

from connections.models import CallbackRequest, HelpdeskContact
from connections.services.digest import team_digest_send
from connections.services.staff import staff_groups_sync
from tests.browser.conftest import message_text, staff_user
from tests.browser.journeys import (
    RUN_IDS,
    RUNS,
    browser_page,
    check_page,
    open_email,
    received,
    staff_sign_in,
)
from tests.connections.factories import (
    AMSTERDAM,
    ConnectionFactory,
    ContactFactory,
    CustomerFactory,
    UserFactory,
    helpdesk_member,
    team_member,
    walk_to,
)
from tests.notifications.conftest import self_signed_certificate, smtp_server_factory, smtp_sink  # noqa: F401

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

WORDS = {
    "en": {
        "log_call": "Log a call",
        "log_form": "Log a call or e-mail",
        "channel": "Channel",
        "phone": "Phone",
        "topic": "Topic",
        "slot_booking": "Slot booking",
        "about": "About",
        "ags_invited": "AGS · Invited",
        "notes": "Notes",
        "log_contact": "Log contact",
        "logged": "The contact is logged.",
        "request_callback": "Request a callback",
        "callback_form": "Ask the team to call back",
        "contact_on_record": "Contact on record",
        "reason": "Reason",
        "send_callback": "Request callback",
        "requested": "Callback requested: Tessa de Vries will call back before",
        "digest_subject": "Your list for Monday 18 May 2020",
        "outcome": "Outcome of the call",
        "close": "Close callback",
        "closed": "Callback closed; the outcome is on the company's screen.",
        "empty": "No open callback requests here.",
    },
    "nl": {
        "log_call": "Gesprek vastleggen",
        "log_form": "Telefoongesprek of e-mail vastleggen",
        "channel": "Kanaal",
        "phone": "Telefoon",
        "topic": "Onderwerp",
        "slot_booking": "Tijdslot boeken",
        "about": "Over",
        "ags_invited": "AGS · Uitgenodigd",
        "notes": "Notities",
        "log_contact": "Contact vastleggen",
        "logged": "Het contact is vastgelegd.",
        "request_callback": "Terugbelverzoek doen",
        "callback_form": "Het team vragen terug te bellen",
        "contact_on_record": "Bekende contactpersoon",
        "reason": "Reden",
        "send_callback": "Terugbelverzoek doen",
        "requested": "Terugbelverzoek gedaan: Tessa de Vries belt terug vóór",
        "digest_subject": "Werklijst maandag 18 mei 2020",
        "outcome": "Uitkomst van het gesprek",
        "close": "Terugbelverzoek sluiten",
        "closed": "Terugbelverzoek gesloten; de uitkomst staat op het scherm van het bedrijf.",
        "empty": "Hier zijn geen open terugbelverzoeken.",
    },
}


@pytest.fixture(autouse=True)
def pinned(settings):
    settings.HTG_CLOCK_DATE = datetime.date(2020, 5, 15)


@pytest.fixture
def bakker(db, programme_flows):
    """A company whose AGS connection Tessa works on, a near namesake, and an unrelated one."""
    staff_groups_sync()
    tessa = staff_user(team_member, "tessa", first_name="Tessa", last_name="de Vries", email="tessa@htg.example")
    customer = CustomerFactory(legal_name="Bakker Forwarding B.V.")
    ContactFactory(customer=customer, name="Anna de Boer", email="anna@bakker.example", phone="+31 10 123 45 67")
    connection = ConnectionFactory(customer=customer, flow=programme_flows["AGS"], assigned_to=tessa)
    walk_to(connection, "invited", UserFactory(is_superuser=True))
    CustomerFactory(legal_name="Jansen Expeditie")
    return customer


@pytest.mark.postgres  # the misspelt name is found by PostgreSQL's trigram similarity
@pytest.mark.parametrize(("language", "viewport"), RUNS, ids=RUN_IDS)
def test_a_call_to_the_helpdesk_becomes_a_callback_the_team_handles_from_its_digest(
    chromium_browser, live_server, mailbox, settings, bakker, language, viewport
):
    words = WORDS[language]
    settings.HTG_TEAM_LANGUAGE = language
    staff_user(helpdesk_member, "hanna", first_name="Hanna", last_name="Jansen")
    page = browser_page(chromium_browser, language=language, viewport=viewport)

    # when: Hanna opens her bookmark, the staff sign-in, and signs in
    page.goto(f"{live_server.url}/accounts/login/")
    check_page(page, language=language)
    staff_sign_in(page, "hanna")

    # then: she is on the lookup; she types the company's name as she heard it
    search = page.get_by_role("searchbox")
    expect(search).to_be_focused()
    check_page(page, language=language)
    search.fill("Bakkr Forwarding")
    page.keyboard.press("Enter")

    # then: the company's card (the one match)
    expect(page.get_by_role("heading", name="Bakker Forwarding B.V.", level=1)).to_be_visible()
    check_page(page, language=language)

    # when: she logs the call
    page.get_by_role("link", name=words["log_call"]).click()
    log = page.get_by_role("region", name=words["log_form"])
    log.get_by_label(words["channel"]).select_option(label=words["phone"])
    log.get_by_label(words["topic"]).select_option(label=words["slot_booking"])
    log.get_by_label(words["about"]).select_option(label=words["ags_invited"])
    log.get_by_label(words["notes"]).fill("Anna cannot find the intake form")
    log.get_by_role("button", name=words["log_contact"]).click()

    # then
    expect(page.get_by_text(words["logged"])).to_be_visible()
    check_page(page, language=language)

    # when: she asks the team to call Anna back, choosing her from the contacts on record
    page.get_by_role("link", name=words["request_callback"]).click()
    callback = page.get_by_role("region", name=words["callback_form"])
    callback.get_by_label(words["contact_on_record"]).select_option(label="Anna de Boer · +31 10 123 45 67")
    callback.get_by_label(words["about"]).select_option(label=words["ags_invited"])
    callback.get_by_label(words["reason"]).fill("Cannot find the intake form")
    callback.get_by_role("button", name=words["send_callback"]).click()

    # then: it is confirmed with who calls back, and the request has the contact she chose
    expect(page.get_by_text(re.compile(re.escape(words["requested"])))).to_be_visible()
    check_page(page, language=language)
    request = CallbackRequest.objects.get()
    assert (request.contact_name, request.contact_phone, request.assigned_to.username) == (
        "Anna de Boer",
        "+31 10 123 45 67",
        "tessa",
    )
    assert HelpdeskContact.objects.filter(customer=bakker, notes="Anna cannot find the intake form").count() == 1
    page.context.close()

    # when: the next working morning's digest goes out (the real service, through the outbox and the SMTP sink)
    result = team_digest_send(now=datetime.datetime(2020, 5, 18, 8, tzinfo=AMSTERDAM))
    assert result.emails == 1
    digest = received(mailbox, "tessa@htg.example", words["digest_subject"])
    queue_url = f"{live_server.url}/team/callbacks/"
    assert queue_url in message_text(digest)

    # and Tessa follows its link to the callback queue (the sign-in first)
    team_page = browser_page(chromium_browser, language=language, viewport=viewport)
    open_email(team_page, digest)
    team_page.locator(f"a[href='{queue_url}']").click()
    check_page(team_page, language=language)
    staff_sign_in(team_page, "tessa")

    # then: the queue, with Anna's request
    expect(team_page).to_have_url(queue_url)
    expect(team_page.get_by_text("Cannot find the intake form")).to_be_visible()
    expect(team_page.get_by_text("Anna de Boer, +31 10 123 45 67")).to_be_visible()
    check_page(team_page, language=language)

    # when: she calls and closes it
    team_page.get_by_label(words["outcome"]).fill("Resent the invitation")
    team_page.get_by_role("button", name=words["close"]).click()

    # then
    expect(team_page.get_by_text(words["closed"])).to_be_visible()
    expect(team_page.get_by_text(words["empty"])).to_be_visible()
    check_page(team_page, language=language)
    request.refresh_from_db()
    assert (request.status, request.outcome) == ("closed", "Resent the invitation")
    team_page.context.close()

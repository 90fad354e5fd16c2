"""A company's session with the connection team, in Chromium, driven only by the real e-mails in an SMTP sink: the
"book your session" e-mail, its link, signing in by the e-mailed link, booking, the confirmation page, the
confirmation e-mail with its calendar invitation; then moving the session from that e-mail's link, and the update of
the same calendar entry. axe-core on every page; Dutch and English, each on a desktop and a phone (issue 14's journey
1), the phone never scrolling sideways."""

import datetime
import re

import pytest
from playwright.sync_api import expect

from connections.services.slots import availability_publish
from connections.services.transitions import connection_transition
from tests.browser.conftest import message_text
from tests.browser.journeys import RUN_IDS, RUNS, check_page, open_email, part, received
from tests.conftest import wait_for
from tests.connections.factories import ConnectionFactory, UserFactory, team_member, walk_to
from tests.connections.portal_factories import company_contact
from tests.notifications.conftest import self_signed_certificate, smtp_server_factory, smtp_sink  # noqa: F401

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

WORDS = {
    "en": {
        "locale": "en-GB",
        "book_subject": "Book your connection session",
        "email_label": "Your e-mail address",
        "send_link": "Send me a sign-in link",
        "sign_in": "Sign in",
        "ten": "Monday 18 May 2020 10:00–11:00",
        "eleven": "Monday 18 May 2020 11:00–12:00",
        "book": "Book this slot",
        "move": "Move to this slot",
        "booked": "Your session is booked",
        "moved": "Your session is moved",
        "confirmed_subject": "Confirmed: connection session on Monday 18 May 2020 10:00",
        "moved_subject": "Moved: connection session on Monday 18 May 2020 11:00",
        "time_zone": "(Amsterdam time, CEST)",
        "calls": "calls Anna de Vries on +31 10 123 4567",
    },
    "nl": {
        "locale": "nl-NL",
        "book_subject": "Plan uw aansluitafspraak",
        "email_label": "Uw e-mailadres",
        "send_link": "Stuur mij een inloglink",
        "sign_in": "Inloggen",
        "ten": "maandag 18 mei 2020 10:00–11:00",
        "eleven": "maandag 18 mei 2020 11:00–12:00",
        "book": "Dit tijdslot boeken",
        "move": "Naar dit tijdslot verzetten",
        "booked": "Uw afspraak is geboekt",
        "moved": "Uw afspraak is verzet",
        "confirmed_subject": "Bevestiging: aansluitafspraak maandag 18 mei 2020 10:00",
        "moved_subject": "Verzet: aansluitafspraak maandag 18 mei 2020 11:00",
        "time_zone": "(Amsterdamse tijd, CEST)",
        "calls": "belt Anna de Vries op +31 10 123 4567",
    },
}


@pytest.fixture(autouse=True)
def pinned(settings):
    settings.HTG_CLOCK_DATE = datetime.date(2020, 5, 15)


def _calendar(message) -> dict[str, str]:
    lines = part(message, "text/calendar").replace("\r\n ", "").split("\r\n")
    return dict(line.split(":", 1) for line in lines if ":" in line and not line.startswith(("ORGANIZER", "ATTEND")))


@pytest.mark.parametrize(("language", "viewport"), RUNS, ids=RUN_IDS)
def test_a_company_books_and_moves_its_session_from_the_emails_links(
    chromium_browser, live_server, mailbox, language, viewport
):
    words = WORDS[language]
    # given: the team's free slots on Monday, and a company whose intake is in; the team offers it a slot
    walker = UserFactory(is_superuser=True)
    availability_publish(
        team_member=team_member(username="pjansen", first_name="", last_name=""),
        date=datetime.date(2020, 5, 18),
        start_time=datetime.time(9),
        end_time=datetime.time(12),
    )
    contact = company_contact(legal_name="Van Dam Logistiek B.V.")
    contact.name, contact.language = "Anna de Vries", language
    contact.save(update_fields=["name", "language"])
    connection = walk_to(ConnectionFactory(customer=contact.customer), "intake_received", walker)
    connection_transition(connection_id=connection.pk, transition="offer_slot", actor=walker)
    context = chromium_browser.new_context(locale=words["locale"], timezone_id="Europe/Amsterdam", viewport=viewport)
    context.set_default_timeout(15_000)
    page = context.new_page()

    # when: she opens the "book your session" e-mail and follows its link
    offer = received(mailbox, contact.email, words["book_subject"])
    booking_url = f"{live_server.url}/portal/connections/{connection.pk}/slot/"
    assert booking_url in message_text(offer)
    open_email(page, offer)
    page.get_by_role("link", name=booking_url).click()

    # then: the portal asks her to sign in (in Dutch once she chooses it); she asks for a link and follows it
    if language == "nl":
        page.get_by_role("button", name="Nederlands").click()
    expect(page.get_by_label(words["email_label"])).to_be_visible()
    check_page(page, language=language)
    page.get_by_label(words["email_label"]).fill(contact.email)
    page.get_by_role("button", name=words["send_link"]).click()
    assert wait_for(lambda: any("/portal/sign-in/" in message_text(m) for m in mailbox.messages), timeout=20)
    sign_in_email = next(m for m in mailbox.messages if "/portal/sign-in/" in message_text(m))
    open_email(page, sign_in_email)
    page.get_by_role("link", name=re.compile("portal.sign-in")).click()
    check_page(page, language=language)
    page.get_by_role("button", name=words["sign_in"]).click()

    # then: she is on the slot page the e-mail linked to; she books Monday 10:00
    expect(page).to_have_url(booking_url)
    check_page(page, language=language)
    page.get_by_label(words["ten"]).check()
    page.get_by_role("button", name=words["book"]).click()

    # then: the confirmation page says what happened and what happens next
    expect(page.get_by_role("heading", name=words["booked"], level=1)).to_be_visible()
    expect(page.get_by_text(words["ten"])).to_be_visible()
    expect(page.get_by_text(words["calls"])).to_be_visible()
    check_page(page, language=language)

    # and the confirmation e-mail: Amsterdam time, how the session happens, and the calendar invitation
    confirmed = received(mailbox, contact.email, words["confirmed_subject"])
    text = message_text(confirmed)
    assert words["time_zone"] in text and words["calls"] in text
    first = _calendar(confirmed)
    assert (first["METHOD"], first["UID"], first["SEQUENCE"]) == (
        "REQUEST",
        f"slot-connection-{connection.pk}@htg-migration-tracker",
        "0",
    )
    assert "pjansen" not in first["LOCATION"]

    # when: she moves the session from the confirmation e-mail's link
    open_email(page, confirmed)
    page.get_by_role("link", name=booking_url).click()
    expect(page.get_by_text(words["ten"])).to_be_visible()
    check_page(page, language=language)
    page.get_by_label(words["eleven"]).check()
    page.get_by_role("button", name=words["move"]).click()

    # then: the page says it moved, and the e-mail moves the same calendar entry
    expect(page.get_by_role("heading", name=words["moved"], level=1)).to_be_visible()
    check_page(page, language=language)
    moved = _calendar(received(mailbox, contact.email, words["moved_subject"]))
    assert (moved["METHOD"], moved["UID"]) == ("REQUEST", first["UID"])
    assert int(moved["SEQUENCE"]) > int(first["SEQUENCE"])
    assert moved["DTSTART"] == "20200518T090000Z"
    # and no second "book your session" e-mail
    assert sum(str(m["Subject"]).startswith(words["book_subject"]) for m in mailbox.messages) == 1
    context.close()

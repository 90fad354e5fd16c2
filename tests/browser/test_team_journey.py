"""Journey 3 (issue 14): the core team, end to end in Chromium. The ladder escalates a company that answered neither
reminder (the real sweep, its e-mail through the outbox to an SMTP sink); a core team member follows the e-mail's link
to the escalation queue, signs in, takes the escalation with the row's inline action and sees the confirmation
beside the row, opens the connection from the row, gives it to a team member and takes a step. axe-core on every
page; Dutch and English, a desktop and a phone (which must not scroll sideways)."""

import datetime

import pytest
from playwright.sync_api import expect

from connections.models import Connection, ConnectionEvent, Escalation
from connections.services.ladder import ladder_sweep
from connections.services.staff import staff_groups_sync
from tests.browser.conftest import message_text, staff_user
from tests.browser.journeys import RUN_IDS, RUNS, browser_page, check_page, open_email, received, staff_sign_in
from tests.connections.factories import (
    AMSTERDAM,
    ConnectionFactory,
    ContactFactory,
    CustomerFactory,
    UserFactory,
    core_team_member,
    team_member,
    walk_to,
)
from tests.notifications.conftest import self_signed_certificate, smtp_server_factory, smtp_sink  # noqa: F401

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

WORDS = {
    "en": {
        "subject": "Escalation: Bakker Forwarding B.V. · ",
        "escalations": "Escalations",
        "assign_to_me": "Assign to me",
        "owner_saved": "Owner saved: Bakker Forwarding B.V. · AGS.",
        "give_it_to": "Give it to",
        "assignment_note": "Note about the assignment (optional)",
        "assign": "Assign",
        "works_on": "Tessa de Vries now works on this connection.",
        "timeline_note": "Note for the timeline (optional)",
        "on_hold": "Put on hold",
        "done": "Done: the connection is now “On hold”.",
        "no_open": "No open escalations.",
        "due": "14 May 2020",
    },
    "nl": {
        "subject": "Escalatie: Bakker Forwarding B.V. · ",
        "escalations": "Escalaties",
        "assign_to_me": "Aan mij toewijzen",
        "owner_saved": "Eigenaar opgeslagen: Bakker Forwarding B.V. · AGS.",
        "give_it_to": "Toewijzen aan",
        "assignment_note": "Notitie bij de toewijzing (optioneel)",
        "assign": "Toewijzen",
        "works_on": "Tessa de Vries werkt nu aan deze aansluiting.",
        "timeline_note": "Notitie voor de tijdlijn (optioneel)",
        "on_hold": "On hold zetten",
        "done": "Gedaan: de aansluiting is nu “On hold”.",
        "no_open": "Geen open escalaties.",
        "due": "14 mei 2020",
    },
}


@pytest.fixture(autouse=True)
def pinned(settings):
    settings.HTG_CLOCK_DATE = datetime.date(2020, 5, 15)


@pytest.fixture
def unanswered(db, programme_flows):
    """Bakker Forwarding's AGS invitation: both reminders sent, due again yesterday, no answer."""
    staff_groups_sync()
    customer = CustomerFactory(legal_name="Bakker Forwarding B.V.")
    ContactFactory(customer=customer, name="Anna de Boer", email="anna@bakker.example", phone="+31 10 123 45 67")
    connection = walk_to(
        ConnectionFactory(customer=customer, flow=programme_flows["AGS"]), "invited", UserFactory(is_superuser=True)
    )
    Connection.objects.filter(pk=connection.pk).update(reminder_count=2, due_on=datetime.date(2020, 5, 14))
    return connection


@pytest.mark.parametrize(("language", "viewport"), RUNS, ids=RUN_IDS)
def test_the_core_team_takes_an_escalation_from_its_email_and_hands_the_connection_on(
    chromium_browser, live_server, mailbox, settings, unanswered, language, viewport
):
    words = WORDS[language]
    settings.HTG_CORE_TEAM_LANGUAGE = language
    karin = staff_user(core_team_member, "karin", first_name="Karin", last_name="Kern")
    tessa = staff_user(team_member, "tessa", first_name="Tessa", last_name="de Vries")

    # given: the morning's sweep escalates the connection; the core team's e-mail links to the queue
    assert ladder_sweep(now=datetime.datetime(2020, 5, 15, 9, tzinfo=AMSTERDAM)).escalations == 1
    escalation = Escalation.objects.get()
    email = received(mailbox, settings.HTG_CORE_TEAM_EMAIL, words["subject"])
    queue_url = f"{live_server.url}/team/escalations/"
    assert queue_url in message_text(email)

    # when: Karin follows the link and signs in
    page = browser_page(chromium_browser, language=language, viewport=viewport)
    open_email(page, email)
    page.get_by_role("link", name=queue_url).click()
    check_page(page, language=language)
    staff_sign_in(page, "karin")

    # then: the queue, with the escalation
    expect(page).to_have_url(queue_url)
    expect(page.get_by_role("heading", name=words["escalations"], level=1)).to_be_visible()
    row = page.locator(f"#escalation-{escalation.pk}")
    expect(row).to_contain_text("Anna de Boer")
    check_page(page, language=language)

    # when: she takes it with the row's own button
    row.get_by_role("button", name=words["assign_to_me"]).click()

    # then: the confirmation is beside the row, and the row shows her
    feedback = page.locator(f"#escalation-{escalation.pk} + tr.row-feedback")
    expect(feedback.get_by_text(words["owner_saved"])).to_be_visible()
    expect(row).to_contain_text("Karin Kern")
    check_page(page, language=language)

    # when: she opens the connection from the row
    row.get_by_role("link", name="Bakker Forwarding B.V. · AGS").click()
    expect(page.get_by_role("heading", name="Bakker Forwarding B.V. · AGS", level=1)).to_be_visible()
    expect(page.locator("#siblings-heading + .table-wrap")).to_contain_text(words["due"])  # the month in its language
    check_page(page, language=language)

    # and gives it to Tessa, with a note
    page.get_by_label(words["give_it_to"]).select_option(label="Tessa de Vries")
    page.get_by_label(words["assignment_note"]).fill("Anna calls back on Monday")
    page.get_by_role("button", name=words["assign"], exact=True).click()

    # then
    expect(page.get_by_text(words["works_on"])).to_be_visible()
    check_page(page, language=language)

    # when: she puts it on hold until Anna calls
    page.get_by_label(words["timeline_note"]).fill("Waiting for Anna's call")
    page.get_by_role("button", name=words["on_hold"]).click()

    # then: the step is taken, and the escalation about the waiting step closes with it
    expect(page.get_by_text(words["done"])).to_be_visible()
    check_page(page, language=language)
    page.get_by_role("link", name=words["escalations"], exact=True).first.click()
    expect(page.get_by_text(words["no_open"])).to_be_visible()
    check_page(page, language=language)
    unanswered.refresh_from_db()
    escalation.refresh_from_db()
    assert (unanswered.state, unanswered.assigned_to, escalation.owner) == ("on_hold", tessa, karin)
    assert escalation.closed_at is not None
    karins = ConnectionEvent.objects.filter(connection=unanswered, actor=karin).order_by("pk")
    assert list(karins.values_list("transition", "note")) == [
        ("assign", "Anna calls back on Monday"),
        ("hold", "Waiting for Anna's call"),
    ]
    page.context.close()

"""The core team's escalation queue in a real browser: from the navigation to taking, noting and closing one, with
each confirmation beside its row; and the table in Dutch and English, on a desktop and a phone (axe-core)."""

import datetime

import pytest
from playwright.sync_api import expect

from connections.models import Connection, Contact, Customer, Escalation
from connections.services.staff import staff_groups_sync
from tests.browser.conftest import assert_accessible, sign_in, staff_user
from tests.connections.factories import AMSTERDAM, ConnectionFactory, ContactFactory, CustomerFactory, core_team_member

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
PASSWORD = "correct horse battery staple"
DESKTOP = {"width": 1366, "height": 800}
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def escalated(db, programme_flows):
    staff_groups_sync()
    customer = CustomerFactory(legal_name="Van Dam Logistiek B.V.")
    ContactFactory(customer=customer, name="Anna de Vries", phone="+31 10 123 4567")
    connection = ConnectionFactory(customer=customer, flow=programme_flows["AGS"])
    return Escalation.objects.create(
        connection=connection,
        waiting_state="invited",
        reason="No response to two reminders.",
        opened_at=datetime.datetime(2020, 5, 28, 9, tzinfo=AMSTERDAM),
    )


def test_the_core_team_takes_notes_on_and_closes_an_escalation(page, live_server, escalated):
    # given: Karin of the core team signs in and opens the queue from the navigation
    karin = staff_user(core_team_member, "karin", first_name="Karin", last_name="Kern")
    sign_in(page, live_server, "karin", PASSWORD)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Escalations").click()
    expect(page.get_by_role("heading", name="Escalations", level=1)).to_be_visible()
    row = page.locator(f"#escalation-{escalated.pk}")
    expect(row.get_by_role("link", name="Van Dam Logistiek B.V. · AGS")).to_be_visible()
    expect(row.get_by_role("link", name="+31 10 123 4567")).to_be_visible()
    expect(page.get_by_text("1–1 of 1 escalation", exact=False)).to_be_visible()
    assert_accessible(page)

    # when: she takes it; the confirmation is beside the row
    row.get_by_role("button", name="Assign to me").click()
    feedback = page.locator(f"#escalation-{escalated.pk} + tr.row-feedback")
    expect(feedback.get_by_text("Owner saved.")).to_be_visible()
    expect(row.get_by_role("cell", name="Karin Kern")).to_be_visible()
    assert page.url.endswith(f"#escalation-{escalated.pk}")
    assert_accessible(page)

    # when: she writes what was agreed (the row's actions are open beside their confirmation)
    row.get_by_label("Notes").fill("Called Anna; the intake follows today.")
    row.get_by_role("button", name="Save notes").click()
    expect(feedback.get_by_text("Notes saved.")).to_be_visible()
    row.get_by_label("Outcome").select_option("reached")
    row.get_by_role("button", name="Close escalation").click()

    # then: the open queue is empty and says which one was closed; the closed one shows the outcome
    expect(page.get_by_text("Escalation of Van Dam Logistiek B.V. · AGS closed.")).to_be_visible()
    expect(page.get_by_text("No open escalations.")).to_be_visible()
    page.get_by_role("link", name="Closed", exact=True).click()
    expect(page.get_by_text("Reached, agreement made")).to_be_visible()
    assert_accessible(page)
    escalated.refresh_from_db()
    assert (escalated.owner, escalated.outcome, escalated.notes) == (
        karin,
        "reached",
        "Called Anna; the intake follows today.",
    )


def _many(programme_flows, count):
    customers = Customer.objects.bulk_create(
        [
            Customer(legal_name=f"Firma {n:03d} B.V.", kvk_number=f"{40000000 + n:08d}", eori=f"NL{400000000 + n:09d}")
            for n in range(count)
        ]
    )
    Contact.objects.bulk_create(
        [
            Contact(customer=customer, name=f"Contact {n}", email=f"c{n}@firma.example", phone="+31 20 555 0000")
            for n, customer in enumerate(customers)
        ]
    )
    flows = [programme_flows["AGS"], programme_flows["SW"], programme_flows["NVWA"]]
    connections = Connection.objects.bulk_create(
        [Connection(customer=customer, flow=flows[n % 3]) for n, customer in enumerate(customers)]
    )
    Escalation.objects.bulk_create(
        [
            Escalation(
                connection=connection,
                waiting_state="invited",
                reason="No response to two reminders.",
                opened_at=datetime.datetime(2020, 5, 1, 9, tzinfo=AMSTERDAM) + datetime.timedelta(hours=n),
            )
            for n, connection in enumerate(connections)
        ]
    )


@pytest.mark.parametrize("language", ["en", "nl"])
def test_the_queue_passes_axe_in_dutch_and_english_on_a_desktop_and_a_phone(
    page, live_server, programme_flows, language
):
    # given: more escalations than a page holds
    staff_groups_sync()
    _many(programme_flows, 60)
    staff_user(core_team_member, "karin", first_name="Karin", last_name="Kern")
    sign_in(page, live_server, "karin", PASSWORD)
    if language == "nl":
        page.get_by_role("button", name="Nederlands").click()
    page.goto(f"{live_server.url}/team/escalations/")

    # then: the count, and the table is accessible on both screens, the row's actions opened too
    count = "1–50 van 60 escalaties" if language == "nl" else "1–50 of 60 escalations"
    expect(page.get_by_text(count)).to_be_visible()
    for viewport in (DESKTOP, PHONE):
        page.set_viewport_size(viewport)
        assert_accessible(page)
    page.locator("details summary").first.click()
    assert_accessible(page)

    # when: filtered to plateau 2 and sorted by company, then the next page
    page.set_viewport_size(DESKTOP)
    page.goto(f"{live_server.url}/team/escalations/?plateau=2&sort=-company")
    expect(page.get_by_text("1–20 van 20 escalaties" if language == "nl" else "1–20 of 20 escalations")).to_be_visible()
    assert_accessible(page)

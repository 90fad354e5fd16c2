"""The core team's escalation queue in a real browser: from the navigation to taking, noting and closing one."""

import datetime

import pytest
from playwright.sync_api import expect

from connections.models import Escalation
from connections.services.staff import staff_groups_sync
from tests.browser.conftest import assert_accessible, sign_in, staff_user
from tests.connections.factories import AMSTERDAM, ConnectionFactory, CustomerFactory, core_team_member

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
PASSWORD = "correct horse battery staple"


@pytest.fixture
def escalated(db, programme_flows):
    staff_groups_sync()
    connection = ConnectionFactory(
        customer=CustomerFactory(legal_name="Van Dam Logistiek B.V."), flow=programme_flows["AGS"]
    )
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
    expect(page.get_by_role("link", name="Van Dam Logistiek B.V. · AGS")).to_be_visible()
    assert_accessible(page)

    # when: she takes it, writes what was agreed and closes it
    page.get_by_role("button", name="Assign to me").click()
    expect(page.get_by_text("Owner saved.")).to_be_visible()
    page.get_by_label("Notes").fill("Called Anna; the intake follows today.")
    page.get_by_role("button", name="Save notes").click()
    expect(page.get_by_text("Notes saved.")).to_be_visible()
    page.get_by_label("Outcome").select_option("reached")
    page.get_by_role("button", name="Close escalation").click()

    # then: the open queue is empty, the closed one shows the outcome
    expect(page.get_by_text("No open escalations.")).to_be_visible()
    page.get_by_role("link", name="Closed").click()
    expect(page.get_by_text("Reached, agreement made")).to_be_visible()
    assert_accessible(page)
    escalated.refresh_from_db()
    assert (escalated.owner, escalated.outcome, escalated.notes) == (
        karin,
        "reached",
        "Called Anna; the intake follows today.",
    )

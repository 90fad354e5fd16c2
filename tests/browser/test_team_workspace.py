"""The connection team's day in a real browser: the list, a step with a note, a conflict, a bulk invite."""

import re

import pytest
from playwright.sync_api import expect

from connections.models import BulkJob, Connection, ConnectionEvent
from connections.services.staff import staff_groups_sync
from tests.browser.conftest import assert_accessible, sign_in, staff_user
from tests.conftest import wait_for
from tests.connections.factories import ConnectionFactory, CustomerFactory, UserFactory, team_member, walk_to

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
PASSWORD = "correct horse battery staple"


@pytest.fixture
def tessa(db):
    staff_groups_sync()
    return staff_user(team_member, "tessa", first_name="Tessa", last_name="de Boer")


def test_filter_and_search_the_list_then_take_a_step_with_a_note(page, live_server, tessa, programme_flows):
    # given
    van_dam = CustomerFactory(legal_name="Van Dam Logistiek B.V.", kvk_number="12345678")
    ConnectionFactory(customer=van_dam, flow=programme_flows["AGS"])
    ConnectionFactory(customer=van_dam, flow=programme_flows["NCTS"])
    ConnectionFactory(customer=CustomerFactory(legal_name="Other Transport B.V."), flow=programme_flows["AGS"])

    # when: she signs in, the list opens
    sign_in(page, live_server, "tessa", PASSWORD)
    expect(page.get_by_role("heading", name="Connections")).to_be_visible()
    expect(page.get_by_text("3 connections")).to_be_visible()
    assert_accessible(page)

    # when: she filters by flow, then searches by KvK number
    page.get_by_label("Message flow").select_option("AGS")
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_text("2 connections")).to_be_visible()
    assert "flow=AGS" in page.url
    page.get_by_label("Search").fill("1234 5678")
    page.get_by_role("button", name="Filter").click()

    # then: one row, and the URL carries the filter (shareable)
    expect(page.get_by_text("1 connection", exact=False)).to_be_visible()
    assert re.search(r"q=1234\+5678", page.url)
    row_link = page.get_by_role("link", name="Van Dam Logistiek B.V.")
    expect(row_link).to_have_count(1)

    # when: she opens it and invites with a note
    row_link.click()
    expect(page.get_by_role("heading", name="Van Dam Logistiek B.V. · AGS")).to_be_visible()
    expect(page.get_by_text("by the core team only")).to_be_visible()  # who may record it as missed
    assert_accessible(page)
    page.get_by_label("Note for the timeline (optional)").fill("Called Anna, invitation agreed")
    page.get_by_role("button", name="Invite", exact=True).click()

    # then
    expect(page.get_by_text("Done: the connection is now “Invited”.")).to_be_visible()
    expect(page.get_by_text("Called Anna, invitation agreed")).to_be_visible()
    event = ConnectionEvent.objects.get(connection__customer=van_dam, connection__flow__code="AGS")
    assert (event.transition, event.actor_id, event.note) == ("invite", tessa.pk, "Called Anna, invitation agreed")
    assert_accessible(page)


def test_two_colleagues_act_on_one_connection_the_second_sees_a_conflict(chromium_browser, live_server, tessa):
    # given: Tessa and Ruud both have the connection's page open
    staff_user(team_member, "ruud")
    connection = ConnectionFactory(customer__legal_name="Haven Expeditie B.V.")
    pages = []
    for username in ("tessa", "ruud"):
        context = chromium_browser.new_context(locale="en-GB", timezone_id="Europe/Amsterdam")
        page = context.new_page()
        sign_in(page, live_server, username, PASSWORD)
        page.goto(f"{live_server.url}/team/connections/{connection.pk}/")
        pages.append(page)
    tessa_page, ruud_page = pages

    # when: Tessa invites, then Ruud (on the old page) puts it on hold
    tessa_page.get_by_role("button", name="Invite", exact=True).click()
    expect(tessa_page.get_by_text("Done: the connection is now “Invited”.")).to_be_visible()
    ruud_page.get_by_role("button", name="Put on hold").click()

    # then: Ruud sees who won and the current state; nothing of his was written
    expect(ruud_page.get_by_text("Someone else changed this connection first: it is now “Invited”.")).to_be_visible()
    expect(ruud_page.get_by_role("region", name="This connection").get_by_text("Invited")).to_be_visible()
    assert list(ConnectionEvent.objects.filter(connection=connection).values_list("transition", flat=True)) == [
        "invite"
    ]
    assert_accessible(ruud_page)


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.worker
def test_a_bulk_invite_of_the_next_plateau_one_companies_shows_its_progress(
    page, live_server, tessa, celery_worker_queue, programme_flows
):
    # given: 250 planned AGS connections and one live one
    customers = CustomerFactory.create_batch(250)
    Connection.objects.bulk_create(
        [Connection(customer=customer, flow=programme_flows["AGS"]) for customer in customers]
    )
    walk_to(ConnectionFactory(), "live", UserFactory(is_superuser=True))

    # when: she filters plateau 1, planned, and invites the first 200 of everything that matches
    sign_in(page, live_server, "tessa", PASSWORD)
    page.goto(f"{live_server.url}/team/connections/?plateau=1&state=planned")
    expect(page.get_by_text("250 connections")).to_be_visible()
    page.get_by_label(re.compile("every connection that matches the filter")).check()
    page.get_by_label("At most (optional)").fill("200")
    page.get_by_label("Action", exact=True).select_option(label="Invite")
    page.get_by_label("Note for the timeline (optional)").fill("Plateau 1, wave 1")
    page.get_by_role("button", name="Start the bulk action").click()

    # then: the count is stated before anything starts
    expect(page.get_by_role("heading", name="“Invite” for 200 connections")).to_be_visible()
    assert not BulkJob.objects.exists()
    page.get_by_role("button", name="Yes, start it for 200 connections").click()

    # then: a progress bar while the worker runs the job
    expect(page.get_by_role("heading", name="Bulk action: Invite")).to_be_visible()
    expect(page.get_by_role("progressbar")).to_be_visible()
    assert_accessible(page)
    # the job's own row says when it has finished (however long the worker takes on a busy machine: the bound is
    # only a safety net against a worker that never finishes), then the page, which polls the job, shows the summary
    job = BulkJob.objects.get(created_by=tessa)
    finished = wait_for(lambda: BulkJob.objects.get(pk=job.pk).status == BulkJob.Status.FINISHED, timeout=900)
    assert finished, BulkJob.objects.values("status", "done_count", "skipped_count", "total").get(pk=job.pk)
    expect(page.get_by_role("heading", name="Summary")).to_be_visible()
    expect(page.get_by_role("definition").first).to_have_text("200")
    assert Connection.objects.filter(state="invited").count() == 200
    assert ConnectionEvent.objects.filter(transition="invite", note="Plateau 1, wave 1", actor=tessa).count() == 200
    assert_accessible(page)


DESKTOP = {"width": 1366, "height": 800}
PHONE = {"width": 390, "height": 844}


def test_bulk_steps_are_offered_once_and_a_final_step_states_the_count_first(page, live_server, tessa, programme_flows):
    # given: planned connections, one on hold, one live
    for name in ("Alfa B.V.", "Bravo B.V.", "Charlie B.V."):
        ConnectionFactory(customer=CustomerFactory(legal_name=name), flow=programme_flows["AGS"])
    on_hold = walk_to(
        ConnectionFactory(customer=CustomerFactory(legal_name="Delta B.V."), flow=programme_flows["AGS"]),
        "on_hold",
        UserFactory(is_superuser=True),
    )
    walk_to(
        ConnectionFactory(customer=CustomerFactory(legal_name="Echo B.V."), flow=programme_flows["AGS"]),
        "live",
        UserFactory(is_superuser=True),
    )
    sign_in(page, live_server, "tessa", PASSWORD)
    page.goto(f"{live_server.url}/team/connections/?sort=customer")

    # then: the bulk bar is above the list, and each step is offered once
    action = page.get_by_label("Action", exact=True)
    expect(action.locator("option", has_text="Put on hold")).to_have_count(1)
    bar_top = page.get_by_role("group", name="Bulk action").bounding_box()["y"]
    assert bar_top < page.get_by_role("table").bounding_box()["y"]
    # and the list still starts on a laptop's first screen: the bar's fields stand side by side
    page.set_viewport_size({"width": 1366, "height": 900})
    assert page.get_by_role("table").bounding_box()["y"] < 900

    # when: only the on-hold connection is selected, steps that do not leave from "on hold" are not offered
    page.get_by_label("Select Delta B.V., AGS").check()
    expect(action.locator("option", has_text="Resume")).to_be_enabled()
    expect(action.locator("option", has_text="Invite")).to_be_disabled()
    expect(action.locator("option", has_text="Close the Digipoort route")).to_be_disabled()

    # when: she selects three more and withdraws
    for name in ("Alfa B.V.", "Bravo B.V.", "Echo B.V."):
        page.get_by_label(f"Select {name}, AGS").check()
    action.select_option("transition:withdraw")
    page.get_by_role("button", name="Start the bulk action").click()

    # then: the count first, with what is skipped; nothing done yet
    expect(page.get_by_role("heading", name="“Withdraw (flow no longer used)” for 4 connections")).to_be_visible()
    expect(page.get_by_text("The step applies to 3 of them")).to_be_visible()
    expect(page.get_by_text("This is a final step: it cannot be undone.")).to_be_visible()
    assert not BulkJob.objects.exists()
    for viewport in (DESKTOP, PHONE):
        page.set_viewport_size(viewport)
        assert_accessible(page)
    page.set_viewport_size(DESKTOP)

    # when: she goes back instead, nothing happened
    page.get_by_role("link", name="No, back to the list").click()
    expect(page.get_by_role("heading", name="Connections")).to_be_visible()
    assert not BulkJob.objects.exists()
    on_hold.refresh_from_db()
    assert on_hold.state == "on_hold"


def test_assigning_from_the_connection_page_shows_in_the_timeline(page, live_server, tessa):
    # given
    staff_user(team_member, "ruud", first_name="Ruud", last_name="Visser")
    connection = ConnectionFactory(customer=CustomerFactory(legal_name="Haven Expeditie B.V."))
    sign_in(page, live_server, "tessa", PASSWORD)
    page.goto(f"{live_server.url}/team/connections/{connection.pk}/")
    expect(page.get_by_text("Nobody is assigned to this connection yet.")).to_be_visible()

    # when: she gives it to Ruud, with a note
    page.get_by_label("Give it to").select_option(label="Ruud Visser")
    page.get_by_label("Note about the assignment (optional)").fill("He knows their IT supplier")
    page.get_by_role("button", name="Assign", exact=True).click()

    # then: said, and in the timeline with who did it
    expect(page.get_by_text("Ruud Visser now works on this connection.")).to_be_visible()
    timeline = page.get_by_role("region", name="Timeline")
    expect(timeline.get_by_text("Assigned to Ruud Visser")).to_be_visible()
    expect(timeline.get_by_text("He knows their IT supplier")).to_be_visible()
    assert_accessible(page)
    event = ConnectionEvent.objects.get(connection=connection)
    assert (event.transition, event.actor_id, event.assignee.username) == ("assign", tessa.pk, "ruud")


@pytest.mark.parametrize("language", ["en", "nl"])
def test_the_list_and_the_connection_page_pass_axe_in_both_languages_on_a_desktop_and_a_phone(
    page, live_server, tessa, language
):
    # given
    ConnectionFactory(customer=CustomerFactory(legal_name="Van Dam Logistiek B.V."))
    walk_to(ConnectionFactory(), "on_hold", UserFactory(is_superuser=True))
    sign_in(page, live_server, "tessa", PASSWORD)
    if language == "nl":
        page.get_by_role("button", name="Nederlands").click()

    # then
    for url in ("/team/connections/", f"/team/connections/{Connection.objects.order_by('id').first().pk}/"):
        page.goto(f"{live_server.url}{url}")
        for viewport in (DESKTOP, PHONE):
            page.set_viewport_size(viewport)
            assert_accessible(page)
        page.set_viewport_size(DESKTOP)
    expect(page.get_by_role("heading", name="Teamlid" if language == "nl" else "Team member")).to_be_visible()

    # when: a final step on a selected row: its confirmation page
    page.goto(f"{live_server.url}/team/connections/")
    page.locator("input[name='connection']").first.check()
    page.locator("#bulk-action").select_option("transition:withdraw")
    page.locator("#bulk-form button[type='submit']").click()
    confirmation = "Bulkactie bevestigen" if language == "nl" else "Confirm the bulk action"
    expect(page.get_by_role("heading", name=confirmation, level=1)).to_be_visible()
    for viewport in (DESKTOP, PHONE):
        page.set_viewport_size(viewport)
        assert_accessible(page)
    assert not BulkJob.objects.exists()

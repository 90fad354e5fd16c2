import re

import pytest
from django.urls import reverse

from connections.models import BulkJob, BulkJobItem, Connection, ConnectionEvent
from connections.services.bulk import bulk_job_run
from connections.services.staff import staff_groups_sync
from tests.connections.factories import (
    ConnectionFactory,
    ContactFactory,
    CustomerFactory,
    UserFactory,
    core_team_member,
    helpdesk_member,
    team_member,
    walk_to,
)
from tests.submit_tokens import fresh_submit_token

pytestmark = pytest.mark.django_db


@pytest.fixture
def team_client(client):
    staff_groups_sync()
    user = team_member()
    client.force_login(user)
    client.user = user
    return client


def _detail(connection):
    return reverse("connections:connection_detail", args=[connection.pk])


def _step(connection):
    return reverse("connections:connection_transition", args=[connection.pk])


def test_the_page_shows_the_customer_its_connections_the_timeline_and_who_may_take_each_step(
    team_client, programme_flows, django_assert_num_queries
):
    # given
    customer = CustomerFactory(legal_name="Van Dam Logistiek B.V.")
    ContactFactory(customer=customer, name="Anna de Vries", email="anna@vandam.example")
    connection = walk_to(ConnectionFactory(customer=customer), "invited", UserFactory(is_superuser=True))
    ConnectionFactory(customer=customer, flow=programme_flows["NCTS"])

    # when: the same number of queries however many contacts, connections and events it has
    with django_assert_num_queries(14):  # 13, and the team members the details form offers
        response = team_client.get(_detail(connection))
    ContactFactory(customer=customer)
    ConnectionFactory(customer=customer, flow=programme_flows["SW"])
    from connections.services.transitions import connection_transition

    connection_transition(connection_id=connection.pk, transition="hold", actor=UserFactory(is_superuser=True))
    connection_transition(connection_id=connection.pk, transition="resume", actor=UserFactory(is_superuser=True))
    with django_assert_num_queries(14):  # 13, and the team members the details form offers
        team_client.get(_detail(connection))

    # then
    page = response.content.decode()
    assert "Van Dam Logistiek B.V." in page
    assert "anna@vandam.example" in page
    assert "NCTS" in page
    assert "Invited" in page
    steps = {step.name: step for step in response.context["steps"]}
    assert steps["receive_intake"].allowed
    assert not steps["mark_missed"].allowed
    assert steps["mark_missed"].who == "by the core team only"
    assert 'value="mark_missed"' not in page


def test_a_step_with_a_note_is_recorded(team_client):
    connection = ConnectionFactory()
    response = team_client.post(
        _step(connection), {"transition": "invite", "note": "first batch", "expected_state": "planned"}
    )
    assert response.status_code == 302
    event = ConnectionEvent.objects.get(connection=connection)
    assert (event.transition, event.actor, event.note) == ("invite", team_client.user, "first batch")
    follow = team_client.get(response["Location"])
    assert "Done: the connection is now “Invited”." in follow.content.decode()


def test_someone_else_was_first_shows_the_current_state_and_writes_nothing(team_client):
    # given: the page showed "planned", a colleague has since put it on hold
    connection = ConnectionFactory()
    walk_to(connection, "planned", UserFactory(is_superuser=True))
    from connections.services.transitions import connection_transition

    connection_transition(connection_id=connection.pk, transition="hold", actor=team_member())

    # when
    response = team_client.post(_step(connection), {"transition": "invite", "expected_state": "planned"}, follow=True)

    # then
    assert "Someone else changed this connection first: it is now “On hold”." in response.content.decode()
    assert list(ConnectionEvent.objects.filter(connection=connection).values_list("transition", flat=True)) == ["hold"]


def test_helpdesk_and_anonymous_cannot_take_steps(client):
    connection = ConnectionFactory()
    assert client.post(_step(connection), {"transition": "invite"}).status_code == 302  # to sign in
    client.force_login(helpdesk_member())
    assert client.post(_step(connection), {"transition": "invite"}).status_code == 403
    assert client.get(_detail(connection)).status_code == 403
    connection.refresh_from_db()
    assert connection.state == "planned"


def test_a_get_on_the_step_url_is_refused(team_client):
    connection = ConnectionFactory()
    assert team_client.get(_step(connection)).status_code == 405


def test_an_unknown_connection_is_404(team_client):
    assert team_client.get(reverse("connections:connection_detail", args=[987654])).status_code == 404


def test_bulk_invite_of_everything_matching_with_a_limit_runs_once(team_client, django_capture_on_commit_callbacks):
    # given: five planned AGS connections and one already invited
    planned = [ConnectionFactory() for _ in range(5)]
    already = walk_to(ConnectionFactory(), "invited", UserFactory(is_superuser=True))

    # when: invite the first 4 of "flow AGS" in the list's order
    form = {
        "scope": "all",
        "selection": "flow=AGS&sort=htg",
        "action": "transition:invite",
        "limit": "4",
        "note": "wave 1",
        "submit_token": fresh_submit_token(),
    }
    confirmation = team_client.post(reverse("connections:bulk_job_create"), form)

    # then: "everything that matches" first states the count, and nothing is made yet
    assert confirmation.status_code == 200
    assert "“Invite” for 4 connections" in confirmation.content.decode()
    assert 'name="confirmed_total" value="4"' in confirmation.content.decode()
    assert not BulkJob.objects.exists()

    # when: confirmed
    with django_capture_on_commit_callbacks(execute=True):
        response = team_client.post(reverse("connections:bulk_job_create"), {**form, "confirmed_total": "4"})

    # then
    job = BulkJob.objects.get()
    assert response["Location"] == reverse("connections:bulk_job_detail", args=[job.pk])
    assert (job.status, job.total, job.done_count, job.skipped_count) == ("finished", 4, 4, 0)
    states = [Connection.objects.get(pk=connection.pk).state for connection in planned]
    assert states == ["invited", "invited", "invited", "invited", "planned"]
    assert not BulkJobItem.objects.filter(connection=already).exists()  # fifth and sixth in the order: past the limit
    assert set(ConnectionEvent.objects.filter(transition="invite", note="wave 1").values_list("actor", flat=True)) == {
        team_client.user.pk
    }

    # when: the job runs again (a lost task picked up by the sweep)
    events_before = ConnectionEvent.objects.count()
    bulk_job_run(job_id=job.pk)

    # then: nothing is done twice
    assert ConnectionEvent.objects.count() == events_before


def test_bulk_on_selected_rows_reports_what_it_skipped_and_why(team_client, django_capture_on_commit_callbacks):
    # given
    planned = ConnectionFactory()
    live = walk_to(ConnectionFactory(), "live", UserFactory(is_superuser=True))

    # when
    with django_capture_on_commit_callbacks(execute=True):
        team_client.post(
            reverse("connections:bulk_job_create"),
            {
                "scope": "selected",
                "connection": [planned.pk, live.pk],
                "action": "transition:invite",
                "submit_token": fresh_submit_token(),
            },
        )

    # then
    job = BulkJob.objects.get()
    assert (job.done_count, job.skipped_count) == (1, 1)
    skipped = BulkJobItem.objects.get(job=job, status="skipped")
    assert skipped.connection_id == live.pk
    assert (skipped.skip_reason, skipped.skip_details) == ("not_possible", {"step": "invite", "state": "live"})
    assert "is not possible while the connection is “Live on HTG”" in skipped.get_skip_reason_text()
    page = team_client.get(reverse("connections:bulk_job_detail", args=[job.pk])).content.decode()
    assert "Skipped, with the reason" in page
    assert "Live on HTG" in page


def test_bulk_assign_and_its_refusals(team_client, django_capture_on_commit_callbacks):
    # given
    colleague = team_member()
    connections = [ConnectionFactory() for _ in range(3)]

    # when: assigning to someone outside the team, or with nothing selected, is refused and writes nothing
    for data in (
        {
            "scope": "selected",
            "connection": [c.pk for c in connections],
            "action": "assign",
            "assignee": helpdesk_member().pk,
        },
        {"scope": "selected", "action": "assign", "assignee": colleague.pk},
        {"scope": "selected", "connection": [connections[0].pk], "action": ""},
        {"scope": "selected", "connection": [connections[0].pk], "action": "transition:explode"},
        {"scope": "selected", "connection": [connections[0].pk], "action": "assign", "limit": "-3"},
    ):
        response = team_client.post(
            reverse("connections:bulk_job_create"), {**data, "submit_token": fresh_submit_token()}, follow=True
        )
        assert response.status_code == 200
        assert response.context["messages"]
    assert not BulkJob.objects.exists()

    # when: a real assignment
    with django_capture_on_commit_callbacks(execute=True):
        team_client.post(
            reverse("connections:bulk_job_create"),
            {
                "scope": "selected",
                "connection": [c.pk for c in connections],
                "action": "assign",
                "assignee": colleague.pk,
                "submit_token": fresh_submit_token(),
            },
        )

    # then
    assert set(Connection.objects.values_list("assigned_to", flat=True)) == {colleague.pk}


def test_a_bulk_step_checks_each_permission_as_the_user_who_started_it(team_client, django_capture_on_commit_callbacks):
    connection = ConnectionFactory()
    with django_capture_on_commit_callbacks(execute=True):
        team_client.post(
            reverse("connections:bulk_job_create"),
            {
                "scope": "selected",
                "connection": [connection.pk],
                "action": "transition:mark_missed",
                "submit_token": fresh_submit_token(),
                "confirmed_total": "1",
            },
        )
    item = BulkJobItem.objects.get()
    assert item.status == "skipped"
    assert "You are not allowed" in item.get_skip_reason_text()
    connection.refresh_from_db()
    assert connection.state == "planned"
    assert core_team_member()  # the core team could have


def test_progress_json(team_client, django_capture_on_commit_callbacks):
    connection = ConnectionFactory()
    with django_capture_on_commit_callbacks(execute=True):
        team_client.post(
            reverse("connections:bulk_job_create"),
            {
                "scope": "selected",
                "connection": [connection.pk],
                "action": "transition:invite",
                "submit_token": fresh_submit_token(),
            },
        )
    job = BulkJob.objects.get()
    data = team_client.get(reverse("connections:bulk_job_progress", args=[job.pk])).json()
    assert data == {"done": 1, "total": 1, "finished": True}


def test_a_suppressed_address_shows_on_the_customer_card(team_client):
    from django.db import transaction

    from notifications.services import email_bounce_record

    customer = CustomerFactory()
    ContactFactory(customer=customer, email="Anna@VanDam.example")
    connection = ConnectionFactory(customer=customer)
    with transaction.atomic():
        email_bounce_record(address="anna@vandam.example", detail="550 5.1.1 mailbox unknown")

    content = team_client.get(_detail(connection)).content.decode()

    assert "Receives no e-mail" in content
    assert "550 5.1.1 mailbox unknown" in content


@pytest.mark.parametrize(
    "fields",
    [
        {"action": "transition:invite", "connection": ["²", "9" * 5000]},
        {"action": "transition:invite", "scope": "all", "limit": "²"},
        {"action": "assign", "assignee": "²", "connection": ["1"]},
        {"action": "assign", "assignee": "9" * 5000, "connection": ["1"]},
    ],
    ids=["superscript and huge ids", "superscript limit", "superscript assignee", "huge assignee"],
)
def test_bulk_numbers_that_are_not_ids_are_refused_and_nothing_is_made(team_client, fields):
    # given
    from connections.models import BulkJob

    ConnectionFactory()

    # when
    response = team_client.post("/team/bulk/", fields, follow=True)

    # then
    assert response.status_code == 200
    assert not BulkJob.objects.exists()


def _bulk_options(page: str) -> list[str]:
    select = page[
        page.index('<select id="bulk-action"') : page.index("</select>", page.index('<select id="bulk-action"'))
    ]
    return re.findall(r'<option value="transition:(\w+)"', select)


def test_each_step_is_offered_once_and_only_when_it_applies_to_a_state_in_the_list(client, programme_flows):
    # given: planned and on-hold connections only
    staff_groups_sync()
    ConnectionFactory()
    walk_to(ConnectionFactory(), "on_hold", UserFactory(is_superuser=True))
    client.force_login(team_member())

    # when
    page = client.get(reverse("connections:connection_list")).content.decode()

    # then: each step once ("On hold" was offered 8 times), in the process's order, only those leaving from planned
    # or on hold, and "missed" (core team only) not to the connection team
    assert _bulk_options(page) == ["invite", "receive_intake", "hold", "resume", "withdraw"]
    assert page.count(">Put on hold<") == 1

    # when: the core team, and a list narrowed to live connections
    walk_to(ConnectionFactory(flow=programme_flows["NCTS"]), "live", UserFactory(is_superuser=True))
    client.force_login(core_team_member())
    everything = client.get(reverse("connections:connection_list")).content.decode()
    live_only = client.get(reverse("connections:connection_list"), {"state": "live"}).content.decode()

    # then
    assert _bulk_options(everything) == [
        "invite",
        "receive_intake",
        "close_digipoort",
        "hold",
        "resume",
        "withdraw",
        "mark_missed",
    ]
    assert _bulk_options(live_only) == ["close_digipoort"]


def test_the_bulk_bar_sits_above_the_list(team_client):
    ConnectionFactory()
    page = team_client.get(reverse("connections:connection_list")).content.decode()
    assert page.index('id="bulk-action"') < page.index("<table")
    assert 'data-state="planned"' in page  # the script narrows the steps to the selected rows' states


def test_a_final_step_states_the_count_before_it_runs_and_runs_only_on_that_count(
    team_client, django_capture_on_commit_callbacks
):
    # given: two open connections and a live one, selected
    open_ones = [ConnectionFactory(), ConnectionFactory()]
    live = walk_to(ConnectionFactory(), "live", UserFactory(is_superuser=True))
    form = {
        "scope": "selected",
        "connection": [connection.pk for connection in [*open_ones, live]],
        "action": "transition:withdraw",
        "note": "flow no longer used",
        "submit_token": fresh_submit_token(),
        "selection": "state=planned",
    }

    # when
    response = team_client.post(reverse("connections:bulk_job_create"), form)

    # then: a confirmation with the count and what is skipped; nothing written
    page = response.content.decode()
    assert response.status_code == 200
    assert "“Withdraw (flow no longer used)” for 3 connections" in page
    assert "The step applies to 2 of them" in page
    assert "This is a final step: it cannot be undone." in page
    assert 'href="/team/connections/?state=planned"' in page  # back to the list it came from
    assert not BulkJob.objects.exists()

    # when: a confirmation of another count (the selection changed meanwhile), or one that is no number
    for confirmed in ("5", "²"):
        response = team_client.post(reverse("connections:bulk_job_create"), {**form, "confirmed_total": confirmed})
        assert response.status_code in (200, 302)

    # then: nothing started
    assert not BulkJob.objects.exists()
    assert set(Connection.objects.values_list("state", flat=True)) == {"planned", "live"}

    # when: the count confirmed
    with django_capture_on_commit_callbacks(execute=True):
        team_client.post(reverse("connections:bulk_job_create"), {**form, "confirmed_total": "3"})

    # then
    job = BulkJob.objects.get()
    assert (job.total, job.done_count, job.skipped_count) == (3, 2, 1)


def test_a_final_step_is_refused_by_the_service_without_a_confirmed_count(team_client):
    from django.core.exceptions import ValidationError

    from connections.services.bulk import bulk_job_create

    connection = ConnectionFactory()
    with pytest.raises(ValidationError, match="Confirm the number of connections"):
        bulk_job_create(
            created_by=team_client.user,
            action="transition",
            transition="withdraw",
            connections=Connection.objects.filter(pk=connection.pk),
        )
    assert not BulkJob.objects.exists()


def test_a_step_that_applies_to_none_of_the_selection_is_refused(team_client):
    # given
    planned = ConnectionFactory()

    # when
    response = team_client.post(
        reverse("connections:bulk_job_create"),
        {
            "scope": "selected",
            "connection": [planned.pk],
            "action": "transition:resume",
            "submit_token": fresh_submit_token(),
        },
        follow=True,
    )

    # then
    assert "“Resume” applies to none of the selected connections. Nothing was started." in response.content.decode()
    assert not BulkJob.objects.exists()


def test_a_list_with_a_connection_waiting_for_tls_offers_its_steps_and_not_the_intake_with_an_upgrade(
    team_client, programme_flows
):
    # given: a connection whose company still upgrades to TLS 1.2 (a side state of the intake), and a planned one
    walk_to(ConnectionFactory(), "awaiting_tls", UserFactory(is_superuser=True))
    planned = ConnectionFactory()

    # when
    response = team_client.get(reverse("connections:connection_list"))
    refused = team_client.post(
        reverse("connections:bulk_job_create"),
        {
            "scope": "selected",
            "connection": [planned.pk],
            "action": "transition:receive_intake_awaiting_tls",
            "submit_token": fresh_submit_token(),
        },
        follow=True,
    )

    # then: the list answers (its step menu ordered every state, the waiting one too), with "Confirm TLS 1.2" after
    # the intake's steps; the intake with an upgrade (it carries the company's own date) is no bulk step
    assert response.status_code == 200
    options = _bulk_options(response.content.decode())
    assert options.index("receive_intake") < options.index("confirm_tls") < options.index("hold")
    assert "receive_intake_awaiting_tls" not in options
    assert "Choose a step to run." in refused.content.decode()
    assert not BulkJob.objects.exists()


def test_assigning_from_the_connection_page_is_a_timeline_event(team_client):
    # given
    connection = walk_to(ConnectionFactory(), "invited", UserFactory(is_superuser=True))
    colleague = team_member(first_name="Ruud", last_name="Visser")
    url = reverse("connections:connection_assign", args=[connection.pk])

    # when: she takes it, with a note
    response = team_client.post(url, {"assignee": "me", "note": "I know them"})

    # then: assigned, and in the timeline (who, to whom, the state unchanged)
    assert response["Location"] == _detail(connection) + "#assign-heading"
    connection.refresh_from_db()
    assert connection.assigned_to == team_client.user
    event = ConnectionEvent.objects.filter(connection=connection).latest("id")
    assert (event.transition, event.actor, event.assignee, event.from_state, event.to_state, event.note) == (
        "assign",
        team_client.user,
        team_client.user,
        "invited",
        "invited",
        "I know them",
    )

    # when: to a colleague, then the same again, then to nobody
    team_client.post(url, {"assignee": str(colleague.pk)})
    team_client.post(url, {"assignee": str(colleague.pk)})
    page = team_client.post(url, {"assignee": ""}, follow=True).content.decode()

    # then: three assignment events (giving it to whoever has it already records nothing), shown on the page
    assignments = ConnectionEvent.objects.filter(connection=connection, transition="assign").order_by("id")
    assert [event.assignee_id for event in assignments] == [team_client.user.pk, colleague.pk, None]
    assert "Nobody is assigned to this connection now." in page
    assert "Assigned to Ruud Visser" in page and "Assignment removed" in page
    connection.refresh_from_db()
    assert (connection.assigned_to_id, connection.state) == (None, "invited")


@pytest.mark.parametrize("assignee", ["²", "9" * 5000, "x"])
def test_an_assignee_that_is_no_person_is_refused_and_nothing_changes(team_client, assignee):
    connection = ConnectionFactory(assigned_to=team_client.user)
    response = team_client.post(
        reverse("connections:connection_assign", args=[connection.pk]), {"assignee": assignee}, follow=True
    )
    assert "Choose a member of the connection team." in response.content.decode()
    connection.refresh_from_db()
    assert connection.assigned_to == team_client.user
    assert not ConnectionEvent.objects.filter(connection=connection).exists()


def test_a_bulk_assignment_is_a_timeline_event_per_connection(team_client, django_capture_on_commit_callbacks):
    colleague = team_member()
    connections = [ConnectionFactory(), ConnectionFactory()]
    with django_capture_on_commit_callbacks(execute=True):
        team_client.post(
            reverse("connections:bulk_job_create"),
            {
                "scope": "selected",
                "connection": [connection.pk for connection in connections],
                "action": "assign",
                "assignee": colleague.pk,
                "note": "wave 2",
                "submit_token": fresh_submit_token(),
            },
        )
    events = ConnectionEvent.objects.filter(transition="assign").values_list("connection", "actor", "assignee", "note")
    assert sorted(events) == sorted(
        (connection.pk, team_client.user.pk, colleague.pk, "wave 2") for connection in connections
    )

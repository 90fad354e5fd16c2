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
    with django_capture_on_commit_callbacks(execute=True):
        response = team_client.post(
            reverse("connections:bulk_job_create"),
            {
                "scope": "all",
                "selection": "flow=AGS&sort=htg",
                "action": "transition:invite",
                "limit": "4",
                "note": "wave 1",
                "submit_token": fresh_submit_token(),
            },
        )

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

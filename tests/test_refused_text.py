"""Text that PostgreSQL cannot take is refused where it comes in, with a message in the reader's language, and
nothing is written: a NUL character in a search box or a note, a user name longer than the account's field.

Each of these was a server error before (found by tests/test_hostile_input.py); the walk there checks only the
status and that nothing changed, these check the message the person gets."""

import datetime

import pytest
from axes.models import AccessAttempt
from django.urls import reverse

from connections.models import BulkJob, CallbackRequest, ConnectionEvent, Escalation, LookupAudit
from connections.services.company_actions import connection_problem_report
from tests.connections.factories import (
    AMSTERDAM,
    ConnectionFactory,
    UserFactory,
    core_team_member,
    helpdesk_member,
    team_member,
    walk_to,
)
from tests.connections.portal_factories import company_contact, hub_with_client

pytestmark = pytest.mark.django_db

NUL_EN = "Null characters are not allowed."
NUL_NL = "Null-tekens zijn niet toegestaan."


def _messages(response) -> list[str]:
    return [str(message) for message in response.context["messages"]] if response.context else []


@pytest.mark.parametrize(("language", "text"), [("en", NUL_EN), ("nl", NUL_NL)])
def test_a_helpdesk_search_with_a_nul_character_is_refused_in_the_readers_language(client, language, text):
    client.force_login(helpdesk_member())

    response = client.get(reverse("helpdesk:helpdesk_lookup"), {"q": "HTG\x00"}, HTTP_ACCEPT_LANGUAGE=language)

    assert response.status_code == 400
    assert text in response.content.decode()
    assert LookupAudit.objects.count() == 0


def test_a_hubs_client_search_with_a_nul_character_is_refused(client):
    hub, _client_customer = hub_with_client()
    client.force_login(hub.user)

    response = client.get(reverse("portal:clients"), {"q": "a\x00b"}, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 400
    assert NUL_EN in response.content.decode()


def test_the_connection_list_refuses_a_nul_search_and_drops_a_nul_flow(client):
    client.force_login(team_member())

    searched = client.get(reverse("connections:connection_list"), {"q": "\x00"}, HTTP_ACCEPT_LANGUAGE="en")
    flowed = client.get(reverse("connections:connection_list"), {"flow": "AGS\x00"})

    assert searched.status_code == 400
    assert NUL_EN in _messages(searched)
    assert flowed.status_code == 200  # the filter drops what it does not understand, as it does an unknown state
    assert flowed.context["filters"].flow == ""


def test_the_export_drops_a_nul_search_instead_of_failing_mid_stream(client):
    client.force_login(team_member())

    response = client.get(reverse("imports:connection_export"), {"q": "\x00", "flow": "\x00"})

    assert response.status_code == 200
    lines = b"".join(response.streaming_content).decode("utf-8-sig").splitlines()  # it streams to the end
    assert len(lines) == 1  # the header row (this database has no companies): the refused filters were dropped


def test_a_step_with_a_nul_in_its_note_is_refused_and_the_state_stays(client):
    connection = ConnectionFactory()
    client.force_login(team_member())

    response = client.post(
        reverse("connections:connection_transition", args=[connection.pk]),
        {"transition": "invite", "expected_state": "planned", "note": "called\x00"},
        HTTP_ACCEPT_LANGUAGE="en",
        follow=True,
    )

    connection.refresh_from_db()
    assert NUL_EN in _messages(response)
    assert connection.state == "planned"
    assert ConnectionEvent.objects.count() == 0


@pytest.mark.parametrize("field", ["note", "selection"])
def test_a_bulk_job_with_a_nul_in_its_note_or_selection_is_refused_and_nothing_is_queued(client, field):
    ConnectionFactory()
    client.force_login(team_member())
    data = {"action": "transition:invite", "scope": "all", "note": "", "selection": ""} | {field: "a\x00b"}

    response = client.post(reverse("connections:bulk_job_create"), data, HTTP_ACCEPT_LANGUAGE="en", follow=True)

    assert NUL_EN in _messages(response)
    assert BulkJob.objects.count() == 0


def test_escalation_notes_with_a_nul_are_refused_and_the_notes_stay(client):
    escalation = Escalation.objects.create(
        connection=ConnectionFactory(),
        waiting_state="invited",
        reason="No answer.",
        notes="Called twice.",
        opened_at=datetime.datetime(2020, 5, 28, 9, tzinfo=AMSTERDAM),
    )
    client.force_login(core_team_member())

    response = client.post(
        reverse("connections:escalation_note", args=[escalation.pk]),
        {"notes": "\x00"},
        HTTP_ACCEPT_LANGUAGE="en",
        follow=True,
    )

    # then: refused beside the escalation's row
    escalation.refresh_from_db()
    (row,) = response.context["rows"]
    assert NUL_EN in [str(message) for message in row.messages]
    assert escalation.notes == "Called twice."


def test_a_callback_closed_with_a_nul_in_its_outcome_is_refused_and_stays_open(client, settings):
    settings.HTG_CLOCK_DATE = datetime.date(2020, 5, 15)
    contact = company_contact()
    live = walk_to(ConnectionFactory(customer=contact.customer), "live", UserFactory(is_superuser=True))
    report = connection_problem_report(
        connection_id=live.pk,
        actor=contact.user,
        description="Messages bounce",
        contact_name="Anna",
        contact_phone="010 1234567",
        urgent=False,
    )
    client.force_login(team_member())

    response = client.post(
        reverse("helpdesk:callback_close", args=[report.callback.pk]),
        {"outcome": "a\x00b", "scope": "\x00"},
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.status_code == 302
    assert response["Location"].endswith("?scope=all")
    assert CallbackRequest.objects.get().is_open


@pytest.mark.parametrize("url", ["login", "admin:login"])
def test_a_user_name_longer_than_the_account_field_is_a_form_error_and_no_attempt_row(client, url):
    response = client.post(reverse(url), {"username": "x" * 5000, "password": "wrong"}, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
    assert response.context["form"].errors["username"] == [
        "Ensure this value has at most 150 characters (it has 5000)."
    ]
    assert AccessAttempt.objects.count() == 0

"""A company's confirmations (test messages sent, ready for production) and its problem report after migration."""

import datetime
import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from connections.models import CallbackRequest, ConnectionEvent, HelpdeskContact
from connections.services.company_actions import connection_company_confirm, connection_problem_report
from htg_migration.errors import ApplicationError
from notifications.models import OutboxEmail
from tests.conftest import run_in_threads
from tests.connections.factories import (
    ConnectionFactory,
    UserFactory,
    helpdesk_member,
    team_member,
    walk_to,
)
from tests.connections.portal_factories import company_contact, hub_with_client

pytestmark = pytest.mark.django_db

TEST_MESSAGES = "confirm_test_messages_sent"
READY = "confirm_ready_for_production"


@pytest.fixture(autouse=True)
def pinned_clock(settings):
    settings.HTG_CLOCK_DATE = datetime.date(2020, 5, 15)


@pytest.fixture
def walker():
    return UserFactory(is_superuser=True)


def _connection_in(state, walker, customer=None):
    connection = ConnectionFactory(**({"customer": customer} if customer else {}))
    return walk_to(connection, state, walker)


def _confirmations(connection):
    return list(
        ConnectionEvent.objects.filter(connection=connection, transition__in=[TEST_MESSAGES, READY]).values_list(
            "transition", "from_state", "to_state", "actor_id"
        )
    )


def test_confirming_test_messages_while_testing_writes_one_event_and_a_second_time_nothing(walker):
    # given
    contact = company_contact()
    connection = _connection_in("testing", walker, contact.customer)
    events_before = ConnectionEvent.objects.filter(connection=connection).count()

    # when
    first, created_first = connection_company_confirm(
        connection_id=connection.pk, kind=TEST_MESSAGES, actor=contact.user
    )
    second, created_second = connection_company_confirm(
        connection_id=connection.pk, kind=TEST_MESSAGES, actor=contact.user
    )

    # then
    assert (created_first, created_second, second.pk) == (True, False, first.pk)
    assert _confirmations(connection) == [(TEST_MESSAGES, "testing", "testing", contact.user.pk)]
    assert ConnectionEvent.objects.filter(connection=connection).count() == events_before + 1
    connection.refresh_from_db()
    assert connection.state == "testing"  # a confirmation never moves the connection
    assert first.company_confirmation == "Company confirmed: test messages sent"


@pytest.mark.parametrize(
    ("kind", "state", "message"),
    [
        (
            TEST_MESSAGES,
            "technical_data_sent",
            "You can confirm that you sent your test messages only while the connection is “Testing”; "
            "it is now “Technical data sent”. Nothing was recorded.",
        ),
        (
            READY,
            "testing",
            "You can confirm that you are ready for production only once the connection is “Test passed”; "
            "it is now “Testing”. Nothing was recorded.",
        ),
        (
            TEST_MESSAGES,
            "test_passed",
            "You can confirm that you sent your test messages only while the connection is “Testing”; "
            "it is now “Test passed”. Nothing was recorded.",
        ),
    ],
)
def test_a_confirmation_in_the_wrong_state_is_refused_and_nothing_is_written(walker, kind, state, message):
    # given
    contact = company_contact()
    connection = _connection_in(state, walker, contact.customer)
    events_before = ConnectionEvent.objects.filter(connection=connection).count()

    # when
    with pytest.raises(ApplicationError) as refusal:
        connection_company_confirm(connection_id=connection.pk, kind=kind, actor=contact.user)

    # then
    assert refusal.value.message == message
    assert ConnectionEvent.objects.filter(connection=connection).count() == events_before


def test_ready_for_production_is_confirmed_once_the_test_passed(walker):
    contact = company_contact()
    connection = _connection_in("test_passed", walker, contact.customer)

    event, created = connection_company_confirm(connection_id=connection.pk, kind=READY, actor=contact.user)

    assert created is True
    assert _confirmations(connection) == [(READY, "test_passed", "test_passed", contact.user.pk)]
    assert event.company_confirmation == "Company confirmed: ready for production"


def test_an_unknown_confirmation_is_refused(walker):
    contact = company_contact()
    connection = _connection_in("testing", walker, contact.customer)

    with pytest.raises(ApplicationError) as refusal:
        connection_company_confirm(connection_id=connection.pk, kind="go_live", actor=contact.user)

    assert refusal.value.message == "Unknown confirmation."
    assert _confirmations(connection) == []


def test_a_hub_confirms_for_its_client_but_another_company_and_the_helpdesk_may_not(walker):
    # given
    hub, client = hub_with_client()
    connection = _connection_in("testing", walker, client)
    stranger = company_contact()

    # when / then: strangers and the helpdesk are refused, nothing written
    for user in (stranger.user, helpdesk_member()):
        with pytest.raises(PermissionDenied):
            connection_company_confirm(connection_id=connection.pk, kind=TEST_MESSAGES, actor=user)
    assert _confirmations(connection) == []

    # and the hub may
    _event, created = connection_company_confirm(connection_id=connection.pk, kind=TEST_MESSAGES, actor=hub.user)
    assert created is True
    assert _confirmations(connection) == [(TEST_MESSAGES, "testing", "testing", hub.user.pk)]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_clicks_at_once_give_one_confirmation(settings):
    # given
    settings.HTG_CLOCK_DATE = datetime.date(2020, 5, 15)
    walker = UserFactory(is_superuser=True)
    contact = company_contact()
    connection = _connection_in("testing", walker, contact.customer)
    barrier = threading.Barrier(2)

    def confirm():
        barrier.wait()
        return connection_company_confirm(connection_id=connection.pk, kind=TEST_MESSAGES, actor=contact.user)

    # when
    results = run_in_threads([confirm, confirm])

    # then
    assert sorted(created for _event, created in results) == [False, True], results
    assert len(_confirmations(connection)) == 1


# --- a problem after migration ---


def _report(connection, user, **changes):
    fields = {
        "description": "AGS declarations bounce since this morning",
        "contact_name": "Anna de Boer",
        "contact_phone": "+31 10 123 4567",
        "urgent": True,
    }
    fields.update(changes)
    return connection_problem_report(connection_id=connection.pk, actor=user, **fields)


@pytest.mark.parametrize("state", ["live", "digipoort_closed"])
def test_a_problem_after_migration_reaches_the_helpdesk_log_and_the_callback_queue(walker, state):
    # given: a live connection assigned to a team member
    contact = company_contact()
    connection = _connection_in(state, walker, contact.customer)
    member = team_member()
    connection.assigned_to = member
    connection.save(update_fields=["assigned_to"])

    # when
    report = _report(connection, contact.user)

    # then
    logged = HelpdeskContact.objects.get()
    assert (logged.customer_id, logged.connection_id, logged.topic, logged.channel, logged.recorded_by) == (
        contact.customer_id,
        connection.pk,
        "problem_after_migration",
        "other",
        contact.user,
    )
    assert (logged.origin, logged.notes) == ("portal", "AGS declarations bounce since this morning")
    assert logged.get_notes_text() == "Reported in the portal: AGS declarations bounce since this morning"
    callback = CallbackRequest.objects.get()
    assert (callback.urgency, callback.assigned_to, callback.contact_name, callback.status) == (
        "urgent",
        member,
        "Anna de Boer",
        "open",
    )
    assert (callback.reason_code, callback.reason_details, callback.reason) == (
        "portal_problem",
        {"flow": "AGS"},
        "AGS declarations bounce since this morning",
    )
    assert (
        callback.get_reason_text()
        == "Problem after migration (AGS), reported in the portal: AGS declarations bounce since this morning"
    )
    assert report.reference == f"P-{callback.pk:06d}"


def test_a_problem_before_the_connection_is_live_is_refused_and_nothing_is_written(walker):
    contact = company_contact()
    connection = _connection_in("test_passed", walker, contact.customer)

    with pytest.raises(ApplicationError) as refusal:
        _report(connection, contact.user)

    assert refusal.value.message == (
        "A problem after migration can be reported once the connection is live on HTG; it is now “Test passed”. "
        "Until then, contact your team member or the helpdesk. Nothing was recorded."
    )
    assert (HelpdeskContact.objects.count(), CallbackRequest.objects.count()) == (0, 0)


def test_a_problem_report_without_description_or_phone_is_refused_and_nothing_is_written(walker):
    contact = company_contact()
    connection = _connection_in("live", walker, contact.customer)

    with pytest.raises(ValidationError) as refusal:
        _report(connection, contact.user, description="  ", contact_phone="")

    assert refusal.value.message_dict == {
        "description": ["Describe the problem: what goes wrong, since when, and with which messages."],
        "contact_phone": ["Give a phone number on which we can call you back."],
    }
    assert (HelpdeskContact.objects.count(), CallbackRequest.objects.count()) == (0, 0)


def test_a_too_long_phone_number_rolls_back_the_helpdesk_entry_too(walker):
    contact = company_contact()
    connection = _connection_in("live", walker, contact.customer)

    with pytest.raises(ValidationError):
        _report(connection, contact.user, contact_phone="0" * 31)

    assert (HelpdeskContact.objects.count(), CallbackRequest.objects.count()) == (0, 0)


def test_another_company_may_not_report_a_problem_for_a_connection(walker):
    owner = company_contact()
    connection = _connection_in("live", walker, owner.customer)

    with pytest.raises(PermissionDenied):
        _report(connection, company_contact().user)

    assert (HelpdeskContact.objects.count(), CallbackRequest.objects.count()) == (0, 0)


def test_a_problem_report_e_mails_its_reference_to_the_reporter_and_the_client(walker, settings):
    # given: a hub reporting for its client's live connection; the client's contact reads Dutch
    settings.HTG_PORTAL_URL = "https://htg.example/portal/"
    hub, client = hub_with_client(legal_name="Alfa Transport B.V.")
    hub.language = "en"
    hub.save(update_fields=["language"])
    client_contact = company_contact(customer=client)
    client_contact.email, client_contact.language = "info@alfa.example", "nl"
    client_contact.save(update_fields=["email", "language"])
    connection = _connection_in("live", walker, client)
    before = set(OutboxEmail.objects.values_list("id", flat=True))

    # when
    report = _report(connection, hub.user)

    # then: each gets the reference, whom the team calls by when, and the link to the report
    emails = {
        email.to_address: email
        for email in OutboxEmail.objects.exclude(id__in=before).filter(template_key="connection.problem_reported")
    }
    assert set(emails) == {hub.email, "info@alfa.example"}
    english, dutch = emails[hub.email], emails["info@alfa.example"]
    assert english.subject == f"Your problem report {report.reference}"
    assert dutch.subject == f"Uw probleemmelding {report.reference}"
    assert f"\n\n{report.reference}\n\n" in english.body_text
    assert "the connection team calls Anna de Boer on +31 10 123 4567, by " in english.body_text
    assert "(Amsterdam time, CEST). You marked the report urgent." in english.body_text
    report_url = f"https://htg.example/portal/problems/{report.callback.pk}/"
    assert f'<a href="{report_url}">{report_url}</a>' in english.body_html
    assert "Alfa Transport B.V.." not in english.body_text + dutch.body_text


def test_a_refused_problem_report_e_mails_nothing(walker):
    contact = company_contact()
    connection = _connection_in("test_passed", walker, contact.customer)
    before = OutboxEmail.objects.count()

    with pytest.raises(ApplicationError):
        _report(connection, contact.user)

    assert OutboxEmail.objects.count() == before

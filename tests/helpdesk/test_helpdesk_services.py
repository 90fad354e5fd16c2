"""The helpdesk's writes: the contact log, callback requests (service level, closing, escalation), the audit."""

import datetime
import zoneinfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from connections.models import CallbackRequest, HelpdeskContact, LookupAudit
from connections.services.callbacks import (
    callback_request_close,
    callback_request_create,
    callback_requests_escalate,
    helpdesk_contact_record,
)
from connections.tasks import callback_requests_escalate_task
from helpdesk.services import helpdesk_htg_number_lookup, lookup_audit_record
from htg_migration import clock
from htg_migration.errors import ConflictError
from tests.connections.factories import ConnectionFactory, CustomerFactory, helpdesk_member, team_member

pytestmark = pytest.mark.django_db

AMSTERDAM = zoneinfo.ZoneInfo("Europe/Amsterdam")
# Monday 18 May 2020, 15:00 in Amsterdam.
MONDAY_AFTERNOON = datetime.datetime(2020, 5, 18, 15, tzinfo=AMSTERDAM)


@pytest.fixture
def frozen_now(monkeypatch):
    moment = {"now": MONDAY_AFTERNOON}
    monkeypatch.setattr(clock, "now", lambda: moment["now"])
    return moment


def _callback(customer, **kwargs):
    values = {
        "customer_id": customer.pk,
        "requested_by": helpdesk_member(),
        "urgency": "normal",
        "reason": "Cannot send AGS messages",
        "contact_name": "Anna de Boer",
        "contact_phone": "010 123 4567",
    }
    return callback_request_create(**(values | kwargs))


def test_a_call_is_logged_with_its_topic_and_connection(frozen_now):
    # given
    connection = ConnectionFactory()
    agent = helpdesk_member()

    # when
    contact = helpdesk_contact_record(
        customer_id=connection.customer_id,
        recorded_by=agent,
        channel="phone",
        topic="problem_after_migration",
        notes="  AGS messages bounce  ",
        connection_id=connection.pk,
    )

    # then
    contact.refresh_from_db()
    assert (contact.customer_id, contact.connection_id, contact.recorded_by_id) == (
        connection.customer_id,
        connection.pk,
        agent.pk,
    )
    assert (contact.channel, contact.topic, contact.notes) == (
        "phone",
        "problem_after_migration",
        "AGS messages bounce",
    )
    assert contact.created_at == MONDAY_AFTERNOON


def test_a_contact_about_another_companys_connection_is_refused_and_nothing_is_logged():
    # given
    customer = CustomerFactory()
    other_connection = ConnectionFactory()

    # when / then
    with pytest.raises(ValidationError) as error:
        helpdesk_contact_record(
            customer_id=customer.pk,
            recorded_by=helpdesk_member(),
            channel="phone",
            topic="other",
            connection_id=other_connection.pk,
        )
    assert "connection" in error.value.message_dict
    assert HelpdeskContact.objects.count() == 0


def test_an_unknown_topic_is_refused_and_nothing_is_logged():
    with pytest.raises(ValidationError) as error:
        helpdesk_contact_record(
            customer_id=CustomerFactory().pk, recorded_by=helpdesk_member(), channel="phone", topic="weather"
        )
    assert "topic" in error.value.message_dict
    assert HelpdeskContact.objects.count() == 0


def test_a_callback_about_a_connection_goes_to_its_team_member_with_the_service_level_in_helpdesk_hours(frozen_now):
    # given: the connection's owner; an urgent request on Monday at 15:00 (4 helpdesk hours: 2 today, 2 tomorrow)
    owner = team_member()
    connection = ConnectionFactory(assigned_to=owner)

    # when
    callback = _callback(connection.customer, urgency="urgent", connection_id=connection.pk)

    # then
    callback.refresh_from_db()
    assert callback.assigned_to_id == owner.pk
    assert callback.status == "open"
    assert callback.due_at == datetime.datetime(2020, 5, 19, 9, tzinfo=AMSTERDAM)
    assert callback.created_at == MONDAY_AFTERNOON


def test_a_normal_callback_without_a_connection_goes_to_the_team_queue(frozen_now):
    # when: 16 helpdesk hours from Monday 15:00: 2 on Monday, 10 on Tuesday, 4 on Wednesday
    callback = _callback(CustomerFactory())

    # then
    assert callback.assigned_to is None
    assert callback.due_at == datetime.datetime(2020, 5, 20, 11, tzinfo=AMSTERDAM)


def test_a_callback_about_an_unassigned_connection_goes_to_the_team_queue(frozen_now):
    connection = ConnectionFactory(assigned_to=None)
    assert _callback(connection.customer, connection_id=connection.pk).assigned_to is None


def test_a_callback_without_a_phone_number_is_refused_and_nothing_is_saved(frozen_now):
    with pytest.raises(ValidationError) as error:
        _callback(CustomerFactory(), contact_phone="  ")
    assert "contact_phone" in error.value.message_dict
    assert CallbackRequest.objects.count() == 0


def test_the_team_closes_a_callback_with_its_outcome(frozen_now):
    # given
    callback = _callback(CustomerFactory())
    member = team_member()
    frozen_now["now"] = MONDAY_AFTERNOON + datetime.timedelta(hours=1)

    # when
    callback_request_close(callback_id=callback.pk, closed_by=member, outcome="Called, password reset")

    # then
    callback.refresh_from_db()
    assert (callback.status, callback.closed_by_id, callback.outcome) == ("closed", member.pk, "Called, password reset")
    assert callback.closed_at == MONDAY_AFTERNOON + datetime.timedelta(hours=1)


def test_closing_a_closed_callback_is_a_conflict_and_changes_nothing(frozen_now):
    # given
    callback = _callback(CustomerFactory())
    first = team_member()
    callback_request_close(callback_id=callback.pk, closed_by=first, outcome="Done")

    # when / then
    with pytest.raises(ConflictError):
        callback_request_close(callback_id=callback.pk, closed_by=team_member(), outcome="Also done")
    callback.refresh_from_db()
    assert (callback.closed_by_id, callback.outcome) == (first.pk, "Done")


def test_the_helpdesk_cannot_close_a_callback_and_an_empty_outcome_is_refused(frozen_now):
    # given
    callback = _callback(CustomerFactory())

    # when / then
    with pytest.raises(PermissionDenied):
        callback_request_close(callback_id=callback.pk, closed_by=helpdesk_member(), outcome="Done")
    with pytest.raises(ValidationError):
        callback_request_close(callback_id=callback.pk, closed_by=team_member(), outcome="   ")
    callback.refresh_from_db()
    assert (callback.status, callback.closed_at, callback.outcome) == ("open", None, "")


def test_overdue_open_callbacks_are_escalated_once(frozen_now):
    # given: an urgent one due Tuesday 09:00, a normal one due Wednesday 11:00, and a closed urgent one
    urgent = _callback(CustomerFactory(), urgency="urgent")
    normal = _callback(CustomerFactory())
    closed = _callback(CustomerFactory(), urgency="urgent")
    callback_request_close(callback_id=closed.pk, closed_by=team_member(), outcome="Done")
    tuesday_noon = datetime.datetime(2020, 5, 19, 12, tzinfo=AMSTERDAM)

    # when
    escalated = callback_requests_escalate(now=tuesday_noon)

    # then: only the open overdue one
    assert escalated == 1
    urgent.refresh_from_db()
    normal.refresh_from_db()
    closed.refresh_from_db()
    assert urgent.escalated_at == tuesday_noon
    assert normal.escalated_at is None
    assert closed.escalated_at is None

    # when: the sweep runs again later
    assert callback_requests_escalate(now=tuesday_noon + datetime.timedelta(hours=1)) == 0

    # then: nothing changed
    urgent.refresh_from_db()
    assert urgent.escalated_at == tuesday_noon


def test_the_periodic_task_escalates_on_the_programmes_clock(frozen_now):
    # given
    callback = _callback(CustomerFactory(), urgency="urgent")
    frozen_now["now"] = datetime.datetime(2020, 5, 19, 12, tzinfo=AMSTERDAM)

    # when: run twice
    first, second = callback_requests_escalate_task(), callback_requests_escalate_task()

    # then
    assert (first, second) == (1, 0)
    callback.refresh_from_db()
    assert callback.escalated_at == frozen_now["now"]


def test_a_lookup_is_audited(frozen_now):
    # given
    agent = helpdesk_member()

    # when
    lookup_audit_record(user=agent, kind="search", query="van dam", result_count=3)

    # then
    audit = LookupAudit.objects.get()
    assert (audit.user_id, audit.kind, audit.query, audit.result_count, audit.customer_id) == (
        agent.pk,
        "search",
        "van dam",
        3,
        None,
    )
    assert audit.created_at == MONDAY_AFTERNOON


def test_an_htg_number_typed_with_its_prefix_is_found_and_audited_in_one_statement(
    frozen_now, django_assert_num_queries
):
    # given
    from connections.services.htg_numbers import customer_htg_number_issue

    user = helpdesk_member()
    jansen = CustomerFactory(legal_name="Jansen Transport B.V.")
    number = customer_htg_number_issue(customer_id=jansen.pk)
    CustomerFactory(legal_name="Someone Else B.V.")

    # when: the number in any shape, with its prefix
    with django_assert_num_queries(1):
        found = helpdesk_htg_number_lookup(user=user, query=number.lower().replace("-", " "))

    # then: the customer, and the audit row written by the same statement
    assert found is not None and found.customer_id == jansen.pk
    assert list(LookupAudit.objects.values_list("user", "kind", "query", "result_count", "customer")) == [
        (user.pk, "search", number.lower().replace("-", " "), 1, jansen.pk)
    ]


def test_nobodys_htg_number_is_audited_as_no_result_and_other_text_is_not_this_lookups(frozen_now):
    from connections.services.htg_numbers import customer_htg_number_issue, luhn_check_digit

    user = helpdesk_member()
    jansen = CustomerFactory(legal_name="Jansen Transport B.V.")
    number = customer_htg_number_issue(customer_id=jansen.pk)
    nobodys = "HTG-9999999-" + str(luhn_check_digit("9999999"))
    wrong_check_digit = number[:-1] + str((int(number[-1]) + 1) % 10)

    # when / then: nobody's number is a search with no result (audited); no prefix (it may be a KvK number), a
    # wrong check digit or a name are not HTG numbers: None, and nothing is written (the caller searches and audits)
    assert helpdesk_htg_number_lookup(user=user, query=nobodys) == type(
        helpdesk_htg_number_lookup(user=user, query=nobodys)
    )(customer_id=None)
    assert LookupAudit.objects.filter(query=nobodys, result_count=0, customer=None).count() == 2
    before = LookupAudit.objects.count()
    for text in (number.removeprefix("HTG-"), wrong_check_digit, "Jansen"):
        assert helpdesk_htg_number_lookup(user=user, query=text) is None
    assert LookupAudit.objects.count() == before

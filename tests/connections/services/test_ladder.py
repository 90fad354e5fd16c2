"""The reminder ladder, walked through time: reminders, a second reminder, the escalation, working hours only,
Dutch public holidays, weekends and the change to summer time, hubs chased once, steeper near the deadline."""

import datetime
from unittest import mock

import pytest
from django.db import connection as database
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from connections.models import Connection, Customer, Escalation
from connections.services.ladder import (
    LadderResult,
    ladder_sweep,
    ladder_sweep_batch,
    ladder_sweep_start,
    ladder_working_hours,
)
from connections.services.transitions import connection_transition
from connections.tasks import ladder_sweep_task
from notifications.models import OutboxEmail
from tests.connections.factories import AMSTERDAM, ConnectionFactory, ContactFactory, CustomerFactory, UserFactory

pytestmark = pytest.mark.django_db

LADDER_TEMPLATES = ("connection.reminder", "hub.reminder", "core_team.escalation")
UTC = datetime.UTC


def amsterdam(year, month, day, hour=10, minute=0):
    return datetime.datetime(year, month, day, hour, minute, tzinfo=AMSTERDAM)


@pytest.fixture(autouse=True)
def ladder_settings(settings):
    settings.HTG_DUE_BUSINESS_DAYS = {"invited": 3, "slot_offered": 3, "testing": 3}
    settings.HTG_REMINDER_BUSINESS_DAYS = 3
    settings.HTG_LADDER_STEEP_WEEKS = 4  # the 2020 programme's deadline is 30 June: steep from Tuesday 2 June
    settings.HTG_LADDER_STEEP_DUE_BUSINESS_DAYS = {"invited": 2, "slot_offered": 2, "testing": 2}
    settings.HTG_LADDER_STEEP_REMINDER_BUSINESS_DAYS = 1
    settings.HTG_CORE_TEAM_EMAIL = "Kernteam@Douane.example"
    return settings


@pytest.fixture
def walker():
    return UserFactory(is_superuser=True)


def invited_connection(walker, *, at, customer=None, language="nl", email=None):
    customer = customer or CustomerFactory()
    if email is not False:
        ContactFactory(customer=customer, language=language, **({"email": email} if email else {}))
    connection = ConnectionFactory(customer=customer)
    return connection_transition(connection_id=connection.pk, transition="invite", actor=walker, at=at)


def ladder_emails():
    return list(OutboxEmail.objects.filter(template_key__in=LADDER_TEMPLATES).order_by("id"))


def fresh(connection):
    return Connection.objects.get(pk=connection.pk)


def test_working_hours_are_amsterdam_wall_clock_across_the_change_to_summer_time():
    # Friday 27 March 2020 is winter time (UTC+1), Monday 30 March summer time (UTC+2): 05:30 UTC is 06:30, then 07:30.
    assert ladder_working_hours(datetime.datetime(2020, 3, 27, 5, 30, tzinfo=UTC)) is False
    assert ladder_working_hours(datetime.datetime(2020, 3, 27, 6, 0, tzinfo=UTC)) is True
    assert ladder_working_hours(datetime.datetime(2020, 3, 30, 5, 30, tzinfo=UTC)) is True
    assert ladder_working_hours(datetime.datetime(2020, 3, 30, 4, 59, tzinfo=UTC)) is False
    # 17:00 is closed; 16:59 still open; a Sunday and a public holiday never
    assert ladder_working_hours(amsterdam(2020, 3, 30, 16, 59)) is True
    assert ladder_working_hours(amsterdam(2020, 3, 30, 17, 0)) is False
    assert ladder_working_hours(amsterdam(2020, 3, 29, 10)) is False
    assert ladder_working_hours(amsterdam(2020, 5, 21, 10)) is False  # Ascension Day


def test_the_ladder_walks_reminder_second_reminder_escalation_across_a_holiday_and_a_weekend(walker):
    # given: invited Monday 11 May 2020, due three business days later, Thursday 14 May
    connection = invited_connection(walker, at=amsterdam(2020, 5, 11), language="en", email="ops@direct.example")
    assert connection.due_on == datetime.date(2020, 5, 14)

    # when: the due day itself passes without a sweep acting (due_on is not yet before today)
    assert ladder_sweep(now=amsterdam(2020, 5, 14, 16)) == LadderResult()
    assert ladder_emails() == []

    # when: Friday 15 May, the first rung
    result = ladder_sweep(now=amsterdam(2020, 5, 15, 9))

    # then: one reminder in English, three more business days (Mon 18, Tue 19, Wed 20)
    assert result == LadderResult(first_reminders=1)
    connection = fresh(connection)
    assert (connection.reminder_count, connection.due_on) == (1, datetime.date(2020, 5, 20))
    [reminder] = ladder_emails()
    assert (reminder.template_key, reminder.language, reminder.to_address) == (
        "connection.reminder",
        "en",
        "ops@direct.example",
    )
    assert reminder.subject.startswith("Reminder:")
    assert "14 May 2020" in reminder.body_text and "20 May 2020" in reminder.body_text
    assert reminder.dedupe_key == f"reminder:{connection.pk}:invited:1:2020-05-14"

    # when: Thursday 21 May is Ascension Day and Saturday 23 May a weekend day: nothing, though it is past due
    assert ladder_sweep(now=amsterdam(2020, 5, 21, 10)) == LadderResult(working_hours=False)
    assert ladder_sweep(now=amsterdam(2020, 5, 23, 10)) == LadderResult(working_hours=False)
    assert fresh(connection).reminder_count == 1

    # when: Friday 22 May, the second rung; due again Wed 27 May (Mon 25, Tue 26, Wed 27)
    assert ladder_sweep(now=amsterdam(2020, 5, 22, 8)) == LadderResult(second_reminders=1)
    connection = fresh(connection)
    assert (connection.reminder_count, connection.due_on) == (2, datetime.date(2020, 5, 27))
    second = ladder_emails()[-1]
    assert second.subject.startswith("Second reminder:")
    assert second.dedupe_key == f"reminder:{connection.pk}:invited:2:2020-05-20"

    # when: Thursday 28 May, the escalation
    assert ladder_sweep(now=amsterdam(2020, 5, 28, 7)) == LadderResult(escalations=1)

    # then: an open escalation and one e-mail to the core team in Dutch
    escalation = Escalation.objects.get(connection=connection)
    assert (escalation.waiting_state, escalation.is_open, escalation.owner) == ("invited", True, None)
    assert escalation.opened_at == amsterdam(2020, 5, 28, 7)
    # stored as facts, said in the reader's language when shown (no text frozen in the core team's language)
    assert (escalation.due_on, escalation.reason) == (datetime.date(2020, 5, 27), "")
    with translation.override("nl"):
        assert escalation.reason_text == (
            "Geen reactie op twee herinneringen: “Uitgenodigd” moest uiterlijk 27 mei 2020 gebeuren. "
            "Neem rechtstreeks contact op met het bedrijf."
        )
    with translation.override("en"):
        assert escalation.reason_text == (
            "No response to two reminders: “Invited” was due on 27 May 2020. Please contact the company directly."
        )
    core = ladder_emails()[-1]
    assert (core.template_key, core.language, core.to_address) == (
        "core_team.escalation",
        "nl",
        "kernteam@douane.example",
    )
    assert core.dedupe_key == f"escalation:{escalation.pk}"
    assert "ops@direct.example" in core.body_text and "/team/escalations/" in core.body_text
    assert [email.template_key for email in ladder_emails()] == [
        "connection.reminder",
        "connection.reminder",
        "core_team.escalation",
    ]

    # when: the sweep runs again, the same moment and days later: the core team has it, nothing more happens
    assert ladder_sweep(now=amsterdam(2020, 5, 28, 7)) == LadderResult()
    assert ladder_sweep(now=amsterdam(2020, 6, 3, 9)) == LadderResult()
    assert len(ladder_emails()) == 3
    assert Escalation.objects.count() == 1


def test_a_second_sweep_at_the_same_moment_does_nothing(walker):
    # given
    connection = invited_connection(walker, at=amsterdam(2020, 5, 11))
    moment = amsterdam(2020, 5, 15, 9, 15)
    ladder_sweep(now=moment)
    before = (fresh(connection).reminder_count, fresh(connection).due_on, OutboxEmail.objects.count())

    # when
    result = ladder_sweep(now=moment)

    # then
    assert result == LadderResult()
    assert (fresh(connection).reminder_count, fresh(connection).due_on, OutboxEmail.objects.count()) == before


def test_outside_working_hours_nothing_happens_and_summer_time_counts_in_wall_clock(walker, django_assert_num_queries):
    # given: due Thursday 26 March 2020, past due from Friday 27 March (winter time)
    connection = invited_connection(walker, at=amsterdam(2020, 3, 23))
    assert connection.due_on == datetime.date(2020, 3, 26)

    # when: 06:30 on Friday (05:30 UTC), the weekend of the change to summer time, and 17:00 on Monday
    with django_assert_num_queries(0):
        results = [
            ladder_sweep(now=datetime.datetime(2020, 3, 27, 5, 30, tzinfo=UTC)),
            ladder_sweep(now=amsterdam(2020, 3, 28, 10)),
            ladder_sweep(now=datetime.datetime(2020, 3, 29, 9, 0, tzinfo=UTC)),
            ladder_sweep(now=amsterdam(2020, 3, 30, 17, 0)),
        ]

    # then
    assert results == [LadderResult(working_hours=False)] * 4
    assert (fresh(connection).reminder_count, ladder_emails()) == (0, [])

    # when: 05:30 UTC on Monday 30 March is 07:30 summer time in Amsterdam
    assert ladder_sweep(now=datetime.datetime(2020, 3, 30, 5, 30, tzinfo=UTC)) == LadderResult(first_reminders=1)

    # then: due three business days after Monday
    assert fresh(connection).due_on == datetime.date(2020, 4, 2)


def test_the_escalation_closes_itself_when_the_company_acts(walker):
    # given: a connection escalated after two reminders
    connection = invited_connection(walker, at=amsterdam(2020, 5, 11))
    for moment in (amsterdam(2020, 5, 15), amsterdam(2020, 5, 22), amsterdam(2020, 5, 28)):
        ladder_sweep(now=moment)
    escalation = Escalation.objects.get(connection=connection)
    assert escalation.is_open

    # when: the company sends its intake
    connection_transition(
        connection_id=connection.pk, transition="receive_intake", actor=walker, at=amsterdam(2020, 5, 28, 14)
    )

    # then: closed as "the company acted", and the ladder starts from zero with no due date
    escalation.refresh_from_db()
    assert (escalation.is_open, escalation.outcome) == (False, Escalation.Outcome.CUSTOMER_ACTED)
    assert escalation.closed_at == amsterdam(2020, 5, 28, 14)
    connection = fresh(connection)
    assert (connection.state, connection.reminder_count, connection.due_on) == ("intake_received", 0, None)
    assert ladder_sweep(now=amsterdam(2020, 6, 3, 10)) == LadderResult()


def test_a_new_waiting_step_starts_the_ladder_again(walker):
    # given: a connection with one reminder in the invited step
    connection = invited_connection(walker, at=amsterdam(2020, 5, 11))
    ladder_sweep(now=amsterdam(2020, 5, 15))
    assert fresh(connection).reminder_count == 1

    # when: it moves on and waits on the company again (slot offered)
    connection_transition(connection_id=connection.pk, transition="receive_intake", actor=walker)
    connection = connection_transition(
        connection_id=connection.pk, transition="offer_slot", actor=walker, at=amsterdam(2020, 5, 18)
    )

    # then: a fresh period (Tue 19, Wed 20, Ascension Day skipped, Fri 22)
    assert (connection.reminder_count, connection.due_on) == (0, datetime.date(2020, 5, 22))


def test_a_hub_gets_one_email_listing_its_clients(walker):
    # given: a hub with two clients past due, a direct customer past due, and a hub client not yet due
    hub = CustomerFactory(legal_name="Haven Hub B.V.", role=Customer.Role.HUB)
    ContactFactory(customer=hub, email="desk@hub.example", language="en", name="Hub Desk")
    ContactFactory(customer=hub, email="other@hub.example", is_primary=False)
    clients = [
        invited_connection(
            walker, at=amsterdam(2020, 5, 11), customer=CustomerFactory(legal_name=name, hub=hub), email=email
        )
        for name, email in (("Alfa Transport B.V.", "alfa@client.example"), ("Bravo Cargo B.V.", "bravo@c.example"))
    ]
    later = invited_connection(
        walker, at=amsterdam(2020, 5, 14), customer=CustomerFactory(legal_name="Charlie B.V.", hub=hub)
    )
    direct = invited_connection(walker, at=amsterdam(2020, 5, 11), email="direct@company.example")

    # when
    result = ladder_sweep(now=amsterdam(2020, 5, 15, 11))

    # then: one e-mail to the hub's primary contact naming both clients, one to the direct customer
    assert result == LadderResult(first_reminders=3, hub_emails=1)
    hub_email, direct_email = (
        OutboxEmail.objects.get(template_key="hub.reminder"),
        OutboxEmail.objects.get(template_key="connection.reminder"),
    )
    assert (hub_email.to_address, hub_email.language) == ("desk@hub.example", "en")
    assert hub_email.dedupe_key.startswith(f"hub-reminder:{hub.pk}:2020-05-15:")
    assert "2 client(s) of Haven Hub B.V." in hub_email.subject
    for name in ("Alfa Transport B.V.", "Bravo Cargo B.V."):
        assert name in hub_email.body_text
        assert name in hub_email.body_html
    assert "Charlie B.V." not in hub_email.body_text
    assert "AGS" in hub_email.body_text or "Invited" in hub_email.body_text
    assert "20 May 2020" in hub_email.body_text
    assert (direct_email.to_address, direct_email.language) == ("direct@company.example", "nl")
    assert direct_email.subject.startswith("Herinnering:")
    assert (
        OutboxEmail.objects.filter(to_address__in=["alfa@client.example", "bravo@c.example"])
        .exclude(template_key="connection.invited")
        .count()
        == 0
    )
    assert [fresh(connection).reminder_count for connection in (*clients, later, direct)] == [1, 1, 0, 1]


def test_steeper_near_the_deadline(walker):
    # given: invited Wednesday 3 June 2020, four weeks before the deadline of 30 June
    connection = invited_connection(walker, at=amsterdam(2020, 6, 3))

    # then: two business days instead of three
    assert connection.due_on == datetime.date(2020, 6, 5)

    # when: Monday 8 June, past due
    ladder_sweep(now=amsterdam(2020, 6, 8, 9))

    # then: the next rung comes after one business day
    assert (fresh(connection).reminder_count, fresh(connection).due_on) == (1, datetime.date(2020, 6, 9))


def test_whit_monday_is_no_business_day_for_due_dates_or_sweeps(walker):
    # given: invited Friday 29 May 2020 (before the steep weeks): Mon 1 June is Whit Monday
    connection = invited_connection(walker, at=amsterdam(2020, 5, 29))
    assert connection.due_on == datetime.date(2020, 6, 4)  # Tue 2, Wed 3, Thu 4

    # when: a sweep on Whit Monday, with the connection made past due
    Connection.objects.filter(pk=connection.pk).update(due_on=datetime.date(2020, 5, 29))
    result = ladder_sweep(now=amsterdam(2020, 6, 1, 10))

    # then
    assert result == LadderResult(working_hours=False)
    assert fresh(connection).reminder_count == 0


def test_a_customer_without_a_contact_still_climbs_to_the_core_team(walker):
    # given
    connection = invited_connection(walker, at=amsterdam(2020, 5, 11), email=False)

    # when
    results = [ladder_sweep(now=moment) for moment in (amsterdam(2020, 5, 15), amsterdam(2020, 5, 22))]
    results.append(ladder_sweep(now=amsterdam(2020, 5, 28)))

    # then: no reminder could go out, but the core team hears about it
    assert results == [
        LadderResult(first_reminders=1, without_contact=1),
        LadderResult(second_reminders=1, without_contact=1),
        LadderResult(escalations=1),
    ]
    assert [email.template_key for email in ladder_emails()] == ["core_team.escalation"]
    assert Escalation.objects.filter(connection=connection, closed_at__isnull=True).count() == 1


def test_the_periodic_task_starts_the_sweep_at_the_programme_clock(walker, django_capture_on_commit_callbacks):
    # given
    connection = invited_connection(walker, at=amsterdam(2020, 5, 11))

    # when: the programme's clock says Friday 15 May 2020, 10:00
    with (
        mock.patch("connections.tasks.clock.now", return_value=amsterdam(2020, 5, 15)),
        django_capture_on_commit_callbacks(execute=True),
    ):
        summary = ladder_sweep_task()

    # then
    assert summary == "1 ladder batches queued"
    assert fresh(connection).reminder_count == 1


def _sweep_queries(walker, direct_count, hub_client_count):
    hub = CustomerFactory(role=Customer.Role.HUB)
    ContactFactory(customer=hub)
    for _number in range(hub_client_count):
        invited_connection(walker, at=amsterdam(2020, 5, 11), customer=CustomerFactory(hub=hub))
    for _number in range(direct_count):
        invited_connection(walker, at=amsterdam(2020, 5, 11))
    with CaptureQueriesContext(database) as queries:
        result = ladder_sweep(now=amsterdam(2020, 5, 15, 9))
    return result, len(queries)


def test_a_sweep_takes_the_same_number_of_queries_for_few_or_many_due_connections(walker):
    # given: two sets of due connections of different sizes, swept at different moments
    small, small_queries = _sweep_queries(walker, 2, 2)
    OutboxEmail.objects.all().delete()
    Connection.objects.all().delete()
    large, large_queries = _sweep_queries(walker, 12, 9)

    # then: one batch each: the candidates in a savepoint of their own (three), the batch's savepoint, locks, the
    # flows, contacts, one UPDATE per rung, hub names, four for the outbox (existing keys, templates, suppression,
    # INSERT ... RETURNING the ids), the release
    assert small == LadderResult(first_reminders=4, hub_emails=1)
    assert large == LadderResult(first_reminders=21, hub_emails=1)
    assert small_queries == large_queries == 14


def test_a_sweep_started_on_the_workers_sends_one_task_per_batch_on_commit_with_the_same_outcome(
    walker, monkeypatch, django_capture_on_commit_callbacks
):
    # given: three hubs with clients and direct customers, in batches of about two connections (Celery runs the
    # tasks eagerly here; tests/connections/test_tasks_with_worker.py runs them on a worker process)
    from connections.services import ladder

    monkeypatch.setattr(ladder, "LADDER_BATCH", 2)
    hubs = [CustomerFactory(role=Customer.Role.HUB) for _number in range(3)]
    for hub in hubs:
        ContactFactory(customer=hub)
        for _number in range(3):
            invited_connection(walker, at=amsterdam(2020, 5, 11), customer=CustomerFactory(hub=hub))
    direct = [invited_connection(walker, at=amsterdam(2020, 5, 11)) for _number in range(5)]
    original = ladder._sweep_batch
    batches = []

    def recorded(batch, **kwargs):
        batches.append(sorted(batch))
        original(batch, **kwargs)

    monkeypatch.setattr(ladder, "_sweep_batch", recorded)

    # when: started, nothing happens before the commit; then the tasks run; then a second start
    with django_capture_on_commit_callbacks(execute=True):
        started = ladder_sweep_start(now=amsterdam(2020, 5, 15, 9))
        assert (batches, ladder_emails()) == ([], [])
    with django_capture_on_commit_callbacks(execute=True):
        again = ladder_sweep_start(now=amsterdam(2020, 5, 15, 9, 30))

    # then: one task per batch (three hubs of three, then the five direct customers two by two), each connection one
    # rung up with one reminder, each hub chased once; the second start finds nothing due
    assert (started, len(batches), again) == (6, 6, 0)
    assert sorted(connection_id for batch in batches for connection_id in batch) == sorted(
        Connection.objects.values_list("id", flat=True)
    )
    assert set(Connection.objects.values_list("reminder_count", flat=True)) == {1}
    emails = ladder_emails()
    assert sorted(email.template_key for email in emails) == ["connection.reminder"] * 5 + ["hub.reminder"] * 3
    reminded = {email.dedupe_key.split(":")[1] for email in emails if email.template_key == "connection.reminder"}
    assert reminded == {str(connection.pk) for connection in direct}


def test_a_batch_run_twice_does_its_work_once(walker):
    # given: a hub with two clients and a direct customer, due
    hub = CustomerFactory(role=Customer.Role.HUB)
    ContactFactory(customer=hub)
    clients = [invited_connection(walker, at=amsterdam(2020, 5, 11), customer=CustomerFactory(hub=hub)) for _ in "ab"]
    direct = invited_connection(walker, at=amsterdam(2020, 5, 11))
    ids = [connection.pk for connection in [*clients, direct]]

    # when: the same batch task runs twice (a worker died after the work, before the acknowledgement)
    first = ladder_sweep_batch(connection_ids=ids, now=amsterdam(2020, 5, 15, 9))
    second = ladder_sweep_batch(connection_ids=ids, now=amsterdam(2020, 5, 15, 9))

    # then: one rung, two e-mails; the second run changes nothing
    assert first == LadderResult(first_reminders=3, hub_emails=1)
    assert second == LadderResult()
    assert [fresh(connection).reminder_count for connection in [*clients, direct]] == [1, 1, 1]
    assert sorted(email.template_key for email in ladder_emails()) == ["connection.reminder", "hub.reminder"]


def test_a_batch_outside_working_hours_does_nothing(walker):
    # given
    connection = invited_connection(walker, at=amsterdam(2020, 5, 11))

    # when: a batch task that waited in the queue until the evening, with a moment of its own
    result = ladder_sweep_batch(connection_ids=[connection.pk], now=amsterdam(2020, 5, 15, 17, 30))

    # then
    assert result == LadderResult(working_hours=False)
    assert (fresh(connection).reminder_count, ladder_emails()) == (0, [])

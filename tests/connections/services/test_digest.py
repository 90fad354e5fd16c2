"""The team's daily digest: one e-mail a working day per member with their own items, nothing on weekends and
holidays or for someone with nothing to do, once a day however often it runs, and one query for everyone's items."""

import datetime

import pytest
from celery.schedules import crontab

from connections.models import CallbackRequest, SlotBooking
from connections.services.digest import team_digest_send
from connections.tasks import team_digest_task
from notifications.models import OutboxEmail
from tests.connections.factories import (
    AMSTERDAM,
    ConnectionFactory,
    CustomerFactory,
    SlotFactory,
    core_team_member,
    helpdesk_member,
    team_member,
)

pytestmark = pytest.mark.django_db

# Tuesday 19 May 2020, a Dutch working day; Thursday 21 May is Ascension Day.
TUESDAY = datetime.datetime(2020, 5, 19, 7, 30, tzinfo=AMSTERDAM)
TODAY = TUESDAY.date()


@pytest.fixture(autouse=True)
def digest_settings(settings):
    settings.HTG_TEAM_URL = "https://htg.example/"
    settings.HTG_TEAM_LANGUAGE = "nl"
    return settings


def due_connection(member, *, state="invited", due_on=TODAY, company="Expeditie"):
    customer = CustomerFactory(legal_name=company)
    return ConnectionFactory(customer=customer, assigned_to=member, state=state, due_on=due_on)


def booked_slot(member, *, starts_at, company="Afspraak B.V."):
    connection = ConnectionFactory(customer=CustomerFactory(legal_name=company), state="slot_booked")
    slot = SlotFactory(team_member=member, starts_at=starts_at, ends_at=starts_at + datetime.timedelta(hours=1))
    return SlotBooking.objects.create(slot=slot, connection=connection)


def callback(member, *, company="Terugbel B.V.", status=CallbackRequest.Status.OPEN, **fields):
    return CallbackRequest.objects.create(
        customer=CustomerFactory(legal_name=company),
        reason="Vraag over de test",
        contact_name="Jan de Vries",
        contact_phone="010 123 4567",
        assigned_to=member,
        status=status,
        closed_at=TUESDAY if status == CallbackRequest.Status.CLOSED else None,
        due_at=TUESDAY + datetime.timedelta(hours=3),
        **fields,
    )


@pytest.fixture
def team():
    """Anna (connection team) and Bert (core team) with items of every kind, and people who get nothing."""
    anna = team_member(username="anna", first_name="Anna", last_name="Smit", email="Anna@Team.example")
    bert = core_team_member(username="bert", first_name="Bert", last_name="Vos", email="bert@team.example")
    due_connection(anna, company="Anna Vandaag B.V.")
    due_connection(anna, state="testing", due_on=datetime.date(2020, 5, 15), company="Anna Te Laat B.V.")
    booked_slot(anna, starts_at=datetime.datetime(2020, 5, 19, 10, tzinfo=AMSTERDAM), company="Anna Afspraak B.V.")
    callback(anna, company="Anna Terugbellen B.V.", urgency=CallbackRequest.Urgency.URGENT)
    due_connection(bert, state="slot_offered", due_on=datetime.date(2020, 5, 18), company="Bert Te Laat B.V.")
    booked_slot(bert, starts_at=datetime.datetime(2020, 5, 19, 14, tzinfo=AMSTERDAM), company="Bert Afspraak B.V.")
    # not today's, or not open: nobody hears of these
    due_connection(anna, due_on=datetime.date(2020, 5, 20), company="Anna Morgen B.V.")
    due_connection(anna, state="technical_data_sent", due_on=None, company="Anna Wacht Niet B.V.")
    booked_slot(anna, starts_at=datetime.datetime(2020, 5, 20, 10, tzinfo=AMSTERDAM), company="Anna Morgen Slot B.V.")
    cancelled = booked_slot(anna, starts_at=datetime.datetime(2020, 5, 19, 11, tzinfo=AMSTERDAM), company="Weg B.V.")
    SlotBooking.objects.filter(pk=cancelled.pk).update(cancelled_at=TUESDAY, end_reason="cancelled")
    callback(anna, company="Anna Gesloten B.V.", status=CallbackRequest.Status.CLOSED)
    # members with nothing to do, and people who are not (or no longer) on the team
    team_member(username="carla", email="carla@team.example")
    due_connection(team_member(username="dirk", email="dirk@team.example", is_active=False), company="Dirk B.V.")
    due_connection(helpdesk_member(username="eva", email="eva@helpdesk.example"), company="Eva B.V.")
    return anna, bert


def digests():
    return list(OutboxEmail.objects.filter(template_key="team.digest").order_by("to_address"))


@pytest.mark.parametrize(
    "moment",
    [
        datetime.datetime(2020, 5, 23, 10, tzinfo=AMSTERDAM),  # Saturday
        datetime.datetime(2020, 5, 21, 10, tzinfo=AMSTERDAM),  # Ascension Day
        datetime.datetime(2020, 5, 19, 6, 59, tzinfo=AMSTERDAM),  # a working day, before 07:00
    ],
)
def test_weekends_holidays_and_early_mornings_send_nothing(team, moment):
    # when
    result = team_digest_send(now=moment)

    # then
    assert result.working_hours is False
    assert result.emails == 0
    assert digests() == []


def test_each_member_gets_one_email_in_dutch_with_only_their_own_items_and_links(team):
    # given
    anna, _bert = team

    # when
    result = team_digest_send(now=TUESDAY)

    # then
    assert (result.working_hours, result.emails, result.already_sent) == (True, 2, 0)
    anna_email, bert_email = digests()
    assert (anna_email.to_address, anna_email.language) == ("anna@team.example", "nl")
    assert anna_email.dedupe_key == f"team-digest:{anna.pk}:2020-05-19"
    assert anna_email.subject == "Werklijst dinsdag 19 mei 2020: 4 punten"
    body = anna_email.body_text
    assert body.startswith("Goedemorgen Anna Smit,")
    for expected in (
        "- 10:00–11:00 · Anna Afspraak B.V. · AGS",
        "- Anna Te Laat B.V. · AGS · Testen · uiterlijk 15 mei 2020 · te laat",
        "- Anna Vandaag B.V. · AGS · Uitgenodigd · uiterlijk 19 mei 2020\n",
        "- Anna Terugbellen B.V. · Jan de Vries, 010 123 4567 · terugbellen vóór 19 mei 2020 10:30 · urgent",
        "https://htg.example/team/callbacks/",
        "Alles in de werkruimte: https://htg.example/team/connections/",
    ):
        assert expected in body
    assert body.index("Anna Te Laat") < body.index("Anna Vandaag")  # oldest due date first
    connection_ids = {booking.connection_id for booking in SlotBooking.objects.filter(slot__team_member=anna)}
    assert any(f"https://htg.example/team/connections/{pk}/" in body for pk in connection_ids)
    for elsewhere in ("Bert", "Morgen", "Wacht Niet", "Weg B.V.", "Gesloten", "Dirk", "Eva"):
        assert elsewhere not in body
    assert '<a href="https://htg.example/team/callbacks/">' in anna_email.body_html

    assert (bert_email.to_address, bert_email.subject) == (
        "bert@team.example",
        "Werklijst dinsdag 19 mei 2020: 2 punten",
    )
    assert "- 14:00–15:00 · Bert Afspraak B.V. · AGS" in bert_email.body_text
    assert "Bert Te Laat B.V. · AGS · Tijdslot aangeboden · uiterlijk 18 mei 2020 · te laat" in bert_email.body_text
    assert "Anna" not in bert_email.body_text


def test_the_team_language_setting_chooses_english(team, settings):
    settings.HTG_TEAM_LANGUAGE = "en"
    team_digest_send(now=TUESDAY)
    anna_email, _bert_email = digests()
    assert (anna_email.language, anna_email.subject) == ("en", "Your list for Tuesday 19 May 2020: 4 items")
    assert "- Anna Te Laat B.V. · AGS · Testing · due 15 May 2020 · overdue" in anna_email.body_text


def test_a_second_run_the_same_day_sends_nothing_and_the_next_working_day_sends_again(team):
    # given
    team_digest_send(now=TUESDAY)
    first = {email.pk for email in digests()}

    # when: later the same day
    again = team_digest_send(now=TUESDAY + datetime.timedelta(hours=8))

    # then
    assert (again.emails, again.already_sent) == (0, 2)
    assert {email.pk for email in digests()} == first

    # when: Wednesday, the next working day; Anna's items of "tomorrow" are due now
    wednesday = team_digest_send(now=datetime.datetime(2020, 5, 20, 7, 0, tzinfo=AMSTERDAM))

    # then
    assert wednesday.emails == 2
    new = [email for email in digests() if email.pk not in first]
    assert sorted(email.dedupe_key.rsplit(":", 1)[1] for email in new) == ["2020-05-20", "2020-05-20"]
    anna_wednesday = next(email for email in new if email.to_address == "anna@team.example")
    assert "Anna Morgen B.V." in anna_wednesday.body_text
    assert "Anna Morgen Slot B.V." in anna_wednesday.body_text
    assert "Anna Afspraak B.V." not in anna_wednesday.body_text  # yesterday's slot


def test_nothing_is_sent_when_nobody_has_anything_to_do(django_assert_num_queries):
    team_member(username="carla")
    with django_assert_num_queries(1):
        result = team_digest_send(now=TUESDAY)
    assert (result.working_hours, result.emails) == (True, 0)
    assert digests() == []


def test_the_items_of_all_members_are_read_in_one_query_however_many_there_are(team, django_assert_num_queries):
    # given: Anna and Bert have 4 and 2 items
    anna, bert = team

    # when: 3 queries for everyone (the items, the dedupe keys already sent, the members), then 8 per member for
    # the outbox row whatever the number of items (savepoints, the dedupe key, the template, suppression, insert)
    with django_assert_num_queries(3 + 2 * 8) as captured:
        team_digest_send(now=TUESDAY)

    # then: one UNION for every member's items, then the dedupe keys already sent, then the members
    sql = [query["sql"] for query in captured.captured_queries]
    assert sum("UNION ALL" in statement for statement in sql) == 1
    assert sum('FROM "connections_callbackrequest"' in statement for statement in sql) == 1

    # given: many more items for both, the next working day
    for number in range(5):
        due_connection(anna, company=f"Anna Extra {number} B.V.", due_on=datetime.date(2020, 5, 19))
        callback(bert, company=f"Bert Extra {number} B.V.")

    # then: the same number of queries
    wednesday = datetime.datetime(2020, 5, 20, 7, 0, tzinfo=AMSTERDAM)
    with django_assert_num_queries(3 + 2 * 8):
        team_digest_send(now=wednesday)
    # and a run with everything already sent reads only the items and the dedupe keys
    with django_assert_num_queries(2):
        team_digest_send(now=wednesday)


def test_the_task_runs_the_digest_from_the_one_schedule(team, monkeypatch):
    from htg_migration import clock
    from htg_migration.celery import app

    monkeypatch.setattr(clock, "now", lambda: TUESDAY)
    assert team_digest_task() == "2 digests queued, 0 already sent today"
    assert team_digest_task() == "0 digests queued, 2 already sent today"
    entry = app.conf.beat_schedule["team-digest"]
    assert (entry["task"], entry["schedule"]) == ("connections.tasks.team_digest_task", crontab(minute="*/30"))
    assert entry["task"] in app.tasks

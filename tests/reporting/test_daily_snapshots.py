"""The daily snapshot on PostgreSQL: the dashboard's figures from it equal those of its aggregates (three past days and
today), today's counts stay exact under concurrent steps, and a difference is found, reported and repaired."""

import datetime
import logging
import threading
from collections import Counter

import pytest
from django.core.management import call_command

from connections.models import (
    OPEN_STATES,
    CompanyReadiness,
    Connection,
    ConnectionEvent,
    ConnectionState,
    DailyCount,
    DailyGoLive,
    DailySnapshot,
)
from connections.services.connections import connection_create
from connections.services.demo import demo_seed
from connections.services.transitions import connection_transition
from htg_migration.celery import app
from imports.services import import_batch_apply_request, import_batch_create
from plateaus.models import MessageFlow
from reporting.selectors import dashboard_build
from reporting.selectors.snapshots import daily_snapshot_readable
from reporting.services.snapshots import (
    daily_snapshot_close,
    daily_snapshot_today_check,
    daily_snapshots_first_day,
    daily_snapshots_nightly,
    daily_snapshots_rebuild,
)
from reporting.tasks import daily_snapshots_nightly_task
from tests.conftest import run_in_threads
from tests.connections.factories import AMSTERDAM, ConnectionFactory, CustomerFactory, UserFactory
from tests.imports.import_files import csv_bytes, row, upload
from tests.reporting.test_dashboard import _replayed_counts

pytestmark = [pytest.mark.postgres]

SEED_DAY = datetime.date(2020, 5, 15)
PAST_DAYS = [datetime.date(2020, 2, 20), datetime.date(2020, 4, 9), datetime.date(2020, 5, 14)]
FIRST_DAY = PAST_DAYS[0]


@pytest.fixture
def pinned_clock(settings):
    settings.HTG_CLOCK_DATE = SEED_DAY


@pytest.fixture
def seeded(pinned_clock):
    return demo_seed(customers=60, seed=11, as_of=SEED_DAY)


def _stored(day):
    """Per (flow code, state): the snapshot's counts of the day, zeros left out."""
    rows = DailyCount.objects.filter(day=day).exclude(count=0).values_list("flow__code", "state", "count")
    return Counter({(code, state): count for code, state, count in rows})


def _snapshot_rows():
    return sorted(DailyCount.objects.exclude(count=0).values_list("day", "flow_id", "state", "count"))


@pytest.mark.django_db
def test_the_dashboard_from_the_snapshot_equals_the_dashboard_from_its_aggregates(seeded, django_assert_num_queries):
    # given: the past days closed from the timeline, today's opened, then steps and a new connection today
    daily_snapshots_rebuild(start=FIRST_DAY, today=SEED_DAY)
    assert daily_snapshot_today_check(today=SEED_DAY).opened
    open_ids = list(Connection.objects.filter(state__in=OPEN_STATES).order_by("pk").values_list("pk", flat=True)[:4])
    assert len(open_ids) == 4
    for connection_id in open_ids[:3]:
        connection_transition(connection_id=connection_id, transition="withdraw", actor=None)
    connection_transition(connection_id=open_ids[3], transition="hold", actor=None)
    connection_create(customer=CustomerFactory(), flow=MessageFlow.objects.get(code="AGS"))
    passed = Connection.objects.filter(state=ConnectionState.TEST_PASSED).order_by("pk").first()
    assert passed is not None
    connection_transition(connection_id=passed.pk, transition="go_live", actor=None)  # today's burn-up moves
    # when / then: three past days and today, the same figures both ways, and the snapshot is what was read
    for day in [*PAST_DAYS, SEED_DAY]:
        is_today = day == SEED_DAY
        assert daily_snapshot_readable(day=day, is_today=is_today) is not None, day
        # reference (2), the snapshots of the day and today, its counts, the go-lives per day, free slots, members;
        # today also the risks (a closed day stored its own), the companies and the live connections still on
        # Digipoort
        with django_assert_num_queries(10 if is_today else 7):
            from_snapshot = dashboard_build(as_of=day, today=SEED_DAY)
        from_aggregates = dashboard_build(as_of=day, today=SEED_DAY, snapshot=False)
        assert from_snapshot == from_aggregates, day
        assert from_snapshot.total > 0


@pytest.mark.django_db
def test_a_closed_day_equals_the_replay_of_the_timeline(seeded):
    # when
    checks = daily_snapshots_rebuild(start=FIRST_DAY, today=SEED_DAY)
    # then: every day up to yesterday closed once, without differences (nothing was there to differ)
    assert [check.day for check in checks] == [
        FIRST_DAY + datetime.timedelta(days=offset) for offset in range((SEED_DAY - FIRST_DAY).days)
    ]
    assert all(check.ok for check in checks)
    for day in PAST_DAYS:
        assert _stored(day) == _replayed_counts(day), day


@pytest.mark.django_db
def test_the_rebuild_is_idempotent_and_goes_on_where_it_stopped(seeded):
    # given
    daily_snapshots_rebuild(start=FIRST_DAY, today=SEED_DAY)
    rows = _snapshot_rows()
    # when: run again: nothing to do
    assert daily_snapshots_rebuild(start=FIRST_DAY, today=SEED_DAY) == []
    # and a run that stopped before two days: only those are closed
    DailySnapshot.objects.filter(day__in=PAST_DAYS[1:]).delete()
    DailyCount.objects.filter(day__in=PAST_DAYS[1:]).delete()
    again = daily_snapshots_rebuild(start=FIRST_DAY, today=SEED_DAY)
    # then
    assert [check.day for check in again] == PAST_DAYS[1:]
    assert _snapshot_rows() == rows
    # and closing every day once more changes nothing and finds nothing
    assert all(check.ok for check in daily_snapshots_rebuild(start=FIRST_DAY, today=SEED_DAY, again=True))
    assert _snapshot_rows() == rows


@pytest.mark.django_db
def test_the_command_backfills_from_a_day_and_opens_today(seeded):
    # when
    call_command("snapshots_rebuild", "--from", "2020-05-10")
    call_command("snapshots_rebuild", "--from", "2020-05-10")
    # then
    days = set(DailySnapshot.objects.values_list("day", flat=True))
    assert days == {SEED_DAY - datetime.timedelta(days=offset) for offset in range(6)}
    assert DailySnapshot.objects.get(day=SEED_DAY).closed_at is None
    assert _stored(SEED_DAY) == Counter(Connection.objects.values_list("flow__code", "state"))


@pytest.mark.django_db
def test_a_difference_is_reported_repaired_and_logged(seeded, caplog):
    # given: a closed day and today's snapshot, each with a count gone wrong
    daily_snapshots_rebuild(start=PAST_DAYS[2], today=SEED_DAY)
    daily_snapshot_today_check(today=SEED_DAY)
    for day in (PAST_DAYS[2], SEED_DAY):
        wrong = DailyCount.objects.filter(day=day, count__gt=0).order_by("pk").first()
        DailyCount.objects.filter(pk=wrong.pk).update(count=wrong.count + 5)
    truth_past, truth_today = (
        _replayed_counts(PAST_DAYS[2]),
        Counter(Connection.objects.values_list("flow__code", "state")),
    )
    # when
    with caplog.at_level(logging.ERROR, logger="reporting.services.snapshots"):
        past = daily_snapshot_close(day=PAST_DAYS[2], today=SEED_DAY)
        today = daily_snapshot_today_check(today=SEED_DAY)
    # then: each difference named, logged, counted on the day and repaired
    for check in (past, today):
        assert not check.ok
        [(stored, recounted)] = check.differences.values()
        assert stored == recounted + 5
        assert DailySnapshot.objects.get(day=check.day).repairs == 1
    assert sum("differed from its recount" in record.getMessage() for record in caplog.records) == 2
    assert _stored(PAST_DAYS[2]) == truth_past
    assert _stored(SEED_DAY) == truth_today
    # and a check now finds nothing
    assert daily_snapshot_today_check(today=SEED_DAY).ok


@pytest.mark.django_db
def test_a_step_recorded_for_a_closed_day_reopens_the_days_since_until_the_nightly_job_closes_them(seeded):
    # given
    daily_snapshots_rebuild(start=PAST_DAYS[1], today=SEED_DAY)
    daily_snapshot_today_check(today=SEED_DAY)
    moment = datetime.datetime.combine(PAST_DAYS[2], datetime.time(15), AMSTERDAM)
    connection = Connection.objects.filter(state__in=OPEN_STATES, state_changed_at__lt=moment).order_by("pk").first()
    # when: the step is recorded as taken yesterday
    connection_transition(connection_id=connection.pk, transition="withdraw", actor=None, at=moment)
    # then: yesterday is no longer read from the snapshot (its replay changed); the days before still are
    assert daily_snapshot_readable(day=PAST_DAYS[2], is_today=False) is None
    assert daily_snapshot_readable(day=PAST_DAYS[1], is_today=False) is not None
    assert dashboard_build(as_of=PAST_DAYS[2], today=SEED_DAY) == dashboard_build(
        as_of=PAST_DAYS[2], today=SEED_DAY, snapshot=False
    )
    # and the nightly job closes it again, with the difference reported; today's counts were right all along
    checks = daily_snapshots_nightly(today=SEED_DAY)
    assert [check.day for check in checks if not check.ok] == [PAST_DAYS[2]]
    assert (checks[-1].day, checks[-1].ok, checks[-1].opened) == (SEED_DAY, True, False)
    assert daily_snapshot_readable(day=PAST_DAYS[2], is_today=False) is not None
    assert _stored(PAST_DAYS[2]) == _replayed_counts(PAST_DAYS[2])


@pytest.mark.django_db
def test_before_today_is_opened_steps_write_no_counts_and_the_dashboard_counts_the_connections(pinned_clock):
    # given
    connection = ConnectionFactory()
    # when
    connection_transition(connection_id=connection.pk, transition="invite", actor=None)
    # then
    assert not DailyCount.objects.exists()
    assert daily_snapshot_readable(day=SEED_DAY, is_today=True) is None
    assert dashboard_build(as_of=SEED_DAY, today=SEED_DAY).flows[0].counts == {"invited": 1}


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_twenty_concurrent_steps_each_count_once(pinned_clock):
    # given: 20 planned connections of one flow and today's snapshot open
    flow = MessageFlow.objects.get(code="AGS")
    ids = [ConnectionFactory(flow=flow).pk for _number in range(20)]
    daily_snapshot_today_check(today=SEED_DAY)
    start = threading.Barrier(len(ids), timeout=20)

    def step(connection_id):
        def run():
            start.wait()
            return connection_transition(connection_id=connection_id, transition="invite", actor=None)

        return run

    # when: all twenty at once, each in its own thread, connection and transaction, on the same two counts
    results = run_in_threads([step(connection_id) for connection_id in ids])
    # then
    assert all(isinstance(result, Connection) for result in results), results
    assert _stored(SEED_DAY) == Counter({("AGS", "invited"): 20})
    assert DailyCount.objects.get(day=SEED_DAY, flow=flow, state="planned").count == 0
    assert daily_snapshot_today_check(today=SEED_DAY).ok


def test_the_nightly_job_is_on_the_beat_schedule_after_midnight():
    entry = app.conf.beat_schedule["daily-snapshots-nightly"]
    assert entry["task"] == "reporting.tasks.daily_snapshots_nightly_task"
    assert (entry["schedule"].minute, entry["schedule"].hour) == ({10}, {0})


@pytest.mark.django_db
def test_an_import_and_a_new_connection_count_as_planned_today(
    pinned_clock, settings, tmp_path, django_capture_on_commit_callbacks
):
    # given: today's snapshot open on an empty register
    settings.MEDIA_ROOT = tmp_path
    daily_snapshot_today_check(today=SEED_DAY)
    uploader = UserFactory()
    # when: a registration list with three connections is imported, and one connection is created by hand
    with django_capture_on_commit_callbacks(execute=True):
        batch = import_batch_create(created_by=uploader, uploaded_file=upload(csv_bytes([row(flows="AGS;NCTS")])))
    with django_capture_on_commit_callbacks(execute=True):
        import_batch_apply_request(batch_id=batch.pk)
    with django_capture_on_commit_callbacks(execute=True):
        batch2 = import_batch_create(
            created_by=uploader, uploaded_file=upload(csv_bytes([row(eori="NL500000001", kvk_number="50000001")]))
        )
    with django_capture_on_commit_callbacks(execute=True):
        import_batch_apply_request(batch_id=batch2.pk)
    connection_create(customer=CustomerFactory(), flow=MessageFlow.objects.get(code="NCTS"))
    # then: the snapshot counts what the connections say, and its check finds nothing
    assert Connection.objects.count() == 4
    assert _stored(SEED_DAY) == Counter(Connection.objects.values_list("flow__code", "state"))
    assert daily_snapshot_today_check(today=SEED_DAY).ok


@pytest.mark.django_db
def test_the_nightly_task_closes_the_days_and_opens_today(seeded):
    # given: the first days already closed, as by earlier nights
    first = daily_snapshots_first_day()
    daily_snapshots_rebuild(start=first, today=PAST_DAYS[2])
    # when
    outcome = daily_snapshots_nightly_task()
    # then: every day from the first connection's to yesterday closed, today's open
    days = (SEED_DAY - first).days
    assert outcome == f"daily snapshots: {days - (PAST_DAYS[2] - first).days + 1} day(s) checked, repaired: none"
    assert DailySnapshot.objects.filter(closed_at__isnull=False).count() == days
    assert daily_snapshot_readable(day=SEED_DAY, is_today=True) is not None


def _go_lives():
    return sorted(DailyGoLive.objects.exclude(count=0).values_list("day", "flow__code", "count"))


@pytest.mark.django_db
def test_the_go_lives_per_day_are_recounted_when_today_opens_and_a_difference_is_reported_and_repaired(seeded, caplog):
    # given: today's snapshot opened (every day's go-lives recounted from the timeline)
    assert daily_snapshot_today_check(today=SEED_DAY).opened
    truth = _go_lives()
    assert (
        truth
        and sum(count for _day, _flow, count in truth)
        == ConnectionEvent.objects.filter(to_state=ConnectionState.LIVE)
        .exclude(from_state=ConnectionState.LIVE)
        .count()
    )
    # and one day's go-lives gone wrong, another's gone
    wrong, gone = DailyGoLive.objects.order_by("day", "flow_id")[:2]
    DailyGoLive.objects.filter(pk=wrong.pk).update(count=wrong.count + 3)
    DailyGoLive.objects.filter(pk=gone.pk).delete()
    # when
    with caplog.at_level(logging.ERROR, logger="reporting.services.snapshots"):
        check = daily_snapshot_today_check(today=SEED_DAY)
    # then: both named, logged, counted on today's row and repaired
    assert not check.ok and not check.differences
    assert check.go_live_differences == {
        (wrong.day, wrong.flow_id): (wrong.count + 3, wrong.count),
        (gone.day, gone.flow_id): (0, gone.count),
    }
    assert DailySnapshot.objects.get(day=SEED_DAY).repairs == 2
    assert sum("go-lives per day differed" in record.getMessage() for record in caplog.records) == 1
    assert _go_lives() == truth
    assert daily_snapshot_today_check(today=SEED_DAY).ok


@pytest.mark.django_db
def test_a_go_live_counts_on_its_own_day_and_not_before_today_is_opened(seeded):
    # given: two connections whose tests passed
    first, second = Connection.objects.filter(state=ConnectionState.TEST_PASSED).order_by("pk")[:2]
    # when: one goes live before today's snapshot is opened: nothing stored
    connection_transition(connection_id=first.pk, transition="go_live", actor=None)
    assert not DailyGoLive.objects.exists()
    # when: today's is opened, then the other goes live, recorded as yesterday
    daily_snapshot_today_check(today=SEED_DAY)
    before = dict(DailyGoLive.objects.filter(flow_id=second.flow_id).values_list("day", "count"))
    moment = datetime.datetime.combine(PAST_DAYS[2], datetime.time(15), AMSTERDAM)
    connection_transition(connection_id=second.pk, transition="go_live", actor=None, at=moment)
    # then: the recount had today's first go-live; the second added one to yesterday's row, as a recount finds
    after = dict(DailyGoLive.objects.filter(flow_id=second.flow_id).values_list("day", "count"))
    assert after[PAST_DAYS[2]] == before.get(PAST_DAYS[2], 0) + 1
    assert {day: count for day, count in after.items() if day != PAST_DAYS[2]} == {
        day: count for day, count in before.items() if day != PAST_DAYS[2]
    }
    assert DailyGoLive.objects.get(day=SEED_DAY, flow_id=first.flow_id).count >= 1
    assert daily_snapshot_today_check(today=SEED_DAY).ok
    # and a step that is not a go-live adds none
    rows = _go_lives()
    connection_transition(connection_id=second.pk, transition="close_digipoort", actor=None)
    assert _go_lives() == rows


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_twenty_concurrent_go_lives_each_count_once(pinned_clock):
    # given: 20 connections of one flow whose tests passed, and today's snapshot open
    flow = MessageFlow.objects.get(code="AGS")
    ids = [ConnectionFactory(flow=flow, state=ConnectionState.TEST_PASSED).pk for _number in range(20)]
    daily_snapshot_today_check(today=SEED_DAY)
    start = threading.Barrier(len(ids), timeout=20)

    def step(connection_id):
        def run():
            start.wait()
            return connection_transition(connection_id=connection_id, transition="go_live", actor=None)

        return run

    # when: all twenty at once on the same go-live row
    results = run_in_threads([step(connection_id) for connection_id in ids])
    # then
    assert all(isinstance(result, Connection) for result in results), results
    assert _go_lives() == [(SEED_DAY, "AGS", 20)]
    assert daily_snapshot_today_check(today=SEED_DAY).ok


def _readiness():
    return dict(CompanyReadiness.objects.filter(in_use=True).values_list("customer_id", "able"))


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_hub_going_live_while_its_clients_take_steps_leaves_every_company_s_readiness_right(pinned_clock):
    # given: a hub whose AGS tests passed, and ten clients with a planned AGS connection each (not able, no hub live)
    flow = MessageFlow.objects.get(code="AGS")
    hub = CustomerFactory(role="hub")
    hub_connection = ConnectionFactory(customer=hub, flow=flow, state=ConnectionState.TEST_PASSED)
    clients = [CustomerFactory(hub=hub) for _number in range(10)]
    client_connections = [ConnectionFactory(customer=client, flow=flow).pk for client in clients]
    daily_snapshot_today_check(today=SEED_DAY)
    assert _readiness() == {**{client.pk: False for client in clients}, hub.pk: False}
    start = threading.Barrier(11, timeout=20)

    def step(connection_id, transition):
        def run():
            start.wait()
            return connection_transition(connection_id=connection_id, transition=transition, actor=None)

        return run

    # when: the hub goes live while each client is invited, all at once
    results = run_in_threads([step(hub_connection.pk, "go_live"), *(step(pk, "invite") for pk in client_connections)])
    # then: every client can message through its hub, and the check finds nothing to repair
    assert all(isinstance(result, Connection) for result in results), results
    assert _readiness() == {**{client.pk: True for client in clients}, hub.pk: True}
    check = daily_snapshot_today_check(today=SEED_DAY)
    assert check.ok, check
    assert dashboard_build(as_of=SEED_DAY, today=SEED_DAY) == dashboard_build(
        as_of=SEED_DAY, today=SEED_DAY, snapshot=False
    )


@pytest.mark.django_db
def test_a_company_s_readiness_gone_wrong_is_reported_and_repaired(seeded, caplog):
    # given: today's snapshot open, then one company's row wrong and another's gone
    daily_snapshot_today_check(today=SEED_DAY)
    truth = _readiness()
    wrong, gone = CompanyReadiness.objects.filter(in_use=True).order_by("customer_id")[:2]
    CompanyReadiness.objects.filter(pk=wrong.pk).update(able=not wrong.able)
    CompanyReadiness.objects.filter(pk=gone.pk).delete()
    # when
    with caplog.at_level(logging.ERROR, logger="reporting.services.snapshots"):
        check = daily_snapshot_today_check(today=SEED_DAY)
    # then
    assert check.readiness_differences == {
        wrong.customer_id: ((True, not wrong.able), (True, wrong.able)),
        gone.customer_id: ((False, True), (True, gone.able)),
    }
    assert DailySnapshot.objects.get(day=SEED_DAY).repairs == 2
    assert sum("company readiness differed" in record.getMessage() for record in caplog.records) == 1
    assert _readiness() == truth
    assert daily_snapshot_today_check(today=SEED_DAY).ok

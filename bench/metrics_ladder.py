"""Budget of the reminder ladder (issue 4): one sweep over the seeded register."""

import contextlib
import datetime
import time
import zoneinfo
from typing import TYPE_CHECKING
from unittest import mock

if TYPE_CHECKING:
    from django.db.backends.base.base import BaseDatabaseWrapper

    from bench.run import BenchContext, Metric

# Friday 15 May 2020, 10:00 in Amsterdam: the seed's own date, a Dutch business day, inside the ladder's working
# hours (07:00-17:00), before the steep weeks. The sweep takes `now` as an argument, so HTG_CLOCK_DATE plays no part
# in which connections are due; it only dates the outbox rows.
SWEEP_AT = datetime.datetime(2020, 5, 15, 10, 0, tzinfo=zoneinfo.ZoneInfo("Europe/Amsterdam"))


def _snapshot(connection: "BaseDatabaseWrapper") -> dict[str, int]:
    """What the sweep is about to change, kept so that the next metrics find the register as seeded."""
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_ladder_before")
        cursor.execute(
            "CREATE TABLE bench_ladder_before AS SELECT id, reminder_count, due_on FROM connections_connection "
            "WHERE state IN ('invited', 'slot_offered', 'testing')"
        )
        cursor.execute("SELECT COALESCE(MAX(id), 0) FROM connections_escalation")
        escalation = cursor.fetchone()[0]
        cursor.execute("SELECT COALESCE(MAX(id), 0) FROM notifications_outboxemail")
        outbox = cursor.fetchone()[0]
    return {"escalation": escalation, "outbox": outbox}


def _restore(connection: "BaseDatabaseWrapper", marks: dict[str, int]) -> None:
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM connections_escalation WHERE id > %s", [marks["escalation"]])
        cursor.execute("DELETE FROM notifications_outboxemail WHERE id > %s", [marks["outbox"]])
        cursor.execute(
            "UPDATE connections_connection AS c SET reminder_count = b.reminder_count, due_on = b.due_on "
            "FROM bench_ladder_before AS b WHERE c.id = b.id "
            "AND (c.reminder_count, c.due_on) IS DISTINCT FROM (b.reminder_count, b.due_on)"
        )
        cursor.execute("DROP TABLE bench_ladder_before")


FLOOR_DUE = """
    SELECT c.id, c.reminder_count, cu.hub_id FROM connections_connection AS c
    JOIN connections_customer AS cu ON cu.id = c.customer_id
    WHERE c.state IN ('invited', 'slot_offered', 'testing') AND c.due_on < %(today)s
      AND NOT EXISTS (SELECT 1 FROM connections_escalation AS e WHERE e.connection_id = c.id
                      AND e.waiting_state = c.state AND e.opened_at >= c.state_changed_at)
"""


def _floor_seconds(connection: "BaseDatabaseWrapper", today: datetime.date) -> tuple[float, int]:
    """The raw SQL the sweep needs, in one transaction that is rolled back: find the due connections, move the
    reminded ones a rung up, open the escalations, and write one outbox row per e-mail (text of a reminder's size)."""
    from django.db import transaction

    parameters = {"today": today, "next_due": today + datetime.timedelta(days=5), "now": SWEEP_AT}
    with transaction.atomic(), connection.cursor() as cursor:
        started = time.perf_counter()
        cursor.execute("CREATE TEMP TABLE bench_ladder_due ON COMMIT DROP AS " + FLOOR_DUE, parameters)
        cursor.execute(
            "UPDATE connections_connection AS c SET reminder_count = c.reminder_count + 1, due_on = %(next_due)s "
            "FROM bench_ladder_due AS d WHERE c.id = d.id AND d.reminder_count < 2",
            parameters,
        )
        cursor.execute(
            "INSERT INTO connections_escalation (connection_id, waiting_state, reason, notes, opened_at, outcome) "
            "SELECT c.id, c.state, repeat('x', 120), '', %(now)s, '' FROM connections_connection AS c "
            "JOIN bench_ladder_due AS d ON d.id = c.id WHERE d.reminder_count >= 2",
            parameters,
        )
        cursor.execute(
            "INSERT INTO notifications_outboxemail (dedupe_key, template_key, language, to_address, subject, "
            "body_text, body_html, attachments, status, attempts, last_error, message_id, queued_at) "
            "SELECT 'bench-floor:' || d.id, 'connection.reminder', 'nl', 'floor' || d.id || '@example.org', "
            "repeat('s', 60), repeat('t', 900), repeat('h', 1500), '[]', 'queued', 0, '', '', %(now)s "
            "FROM bench_ladder_due AS d",
            parameters,
        )
        cursor.execute("SELECT count(*) FROM bench_ladder_due")
        due = cursor.fetchone()[0]
        seconds = time.perf_counter() - started
        transaction.set_rollback(True)
    return seconds, due


def metric_sweep_s(context: "BenchContext") -> list["Metric"]:
    """`sweep_s`: one run of the reminder ladder (`ladder_sweep`) over the seeded register, at Friday 15 May 2020 10:00
    Amsterdam time (the seed's date, a business day in working hours, so reminders and escalations do go out): every
    waiting connection past its due date climbs a rung, with its reminder, hub e-mail or escalation written to the
    outbox (the tasks those would queue are not published). Its batches run in this one process one after the other,
    as one worker process runs the batch tasks of `ladder_sweep_start` (more worker processes share them). The
    register is put back as seeded afterwards. Both sides start on vacuumed tables (bench.run.vacuum). Floor: the
    raw SQL the same sweep needs, in one transaction: the query that finds the due connections, one UPDATE moving
    them a rung up, one INSERT of the escalations and one INSERT of an outbox row per due connection. Goal: at most
    4 times its floor, whatever the absolute time."""
    from bench.run import metric, vacuum
    from connections.services.ladder import ladder_sweep
    from notifications import tasks

    today = SWEEP_AT.date()
    tables = ("connections_connection", "connections_escalation", "notifications_outboxemail")
    vacuum(context.connection, *tables)
    floor, due = _floor_seconds(context.connection, today)
    vacuum(context.connection, *tables)  # the floor's rolled-back rows, which the sweep must not pay for
    marks = _snapshot(context.connection)
    try:
        with contextlib.ExitStack() as patches:
            for task in (tasks.email_send_task, tasks.email_send_many_task):
                patches.enter_context(mock.patch.object(task, "delay"))
            started = time.perf_counter()
            result = ladder_sweep(now=SWEEP_AT)
            seconds = time.perf_counter() - started
    finally:
        _restore(context.connection, marks)
    print(f"bench: sweep at {context.size}: {due} due, {result}", flush=True)
    return [metric("sweep_s", context.size, seconds, "s", floor)]

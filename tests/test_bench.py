"""The benchmark's raw floors must work for every table the seed writes: a schema change must not break `make bench`."""

import datetime

import pytest
from django.db import connection

from bench.shared import raw_insert_seconds
from connections.models import Connection, ConnectionEvent, Contact, Customer, HtgNumberAllocation


@pytest.mark.postgres
@pytest.mark.django_db
@pytest.mark.parametrize("model", [Customer, Contact, Connection, ConnectionEvent, HtgNumberAllocation])
def test_the_raw_insert_floor_writes_rows_of_every_seeded_table(model):
    # more rows than a small integer holds: a column filled with the row number must not overflow
    seconds = raw_insert_seconds(connection, model, 40_000)
    assert seconds > 0


@pytest.mark.parametrize(
    ("name", "value", "floor", "rate", "shown"),
    [
        ("connection_list_due_ms", 240.0, 50.0, False, "≤ 5: met"),
        ("connection_list_due_ms", 40.0, 4.0, False, ""),  # its budget holds at 100,000 (see the size below)
        ("connection_list_due_ms", 260.0, 50.0, False, "≤ 5: missed"),
        ("sweep_s", 4.1, 1.0, False, "≤ 4: missed"),
        ("emails_per_s", 500.0, 1200.0, True, "≤ 2.5: met"),  # 0.42 of smtplib
        ("emails_per_s", 400.0, 1200.0, True, "≤ 2.5: missed"),  # 0.33 of smtplib
        ("seed_s", 99.0, 1.0, False, ""),  # measured, not judged
        ("lookup_htg_p95_ms", 5.9, 2.0, False, "≤ 3: met"),  # the honest floor: SELECT, audit INSERT, COMMIT
        ("lookup_htg_p95_ms", 6.1, 2.0, False, "≤ 3: missed"),
        ("dashboard_ms", 150.0, 900.0, False, "≤ 150 ms: met"),  # a limit in ms, whatever the floor
        ("dashboard_ms", 150.1, 9000.0, False, "≤ 150 ms: missed"),
        ("dashboard_asof_ms", 310.0, 9000.0, False, "≤ 300 ms: missed"),
    ],
)
def test_each_budgeted_figure_says_whether_it_meets_its_budget(name, value, floor, rate, shown):
    from bench.run import metric, rate_metric

    size = 10_000 if shown == "" and name == "connection_list_due_ms" else 100_000
    figure = (rate_metric if rate else metric)(name, size, value, "ms", floor)
    assert figure.goal == shown


def test_a_limit_in_ms_holds_from_its_size_only():
    from bench.run import metric

    assert metric("dashboard_ms", 10_000, 400.0, "ms", 100.0).goal == ""
    assert metric("dashboard_ms", 100_000, 400.0, "ms", 100.0, snapshot_read=0.4).snapshot_read == 0.4


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_lookup_floor_selects_inserts_the_audit_row_and_commits_then_removes_it():
    # given: customers with HTG numbers, committed (the floor reads them through its own connection)
    from bench.metrics_helpdesk import _htg_floor, htg_samples
    from connections.models import LookupAudit
    from connections.services.demo import demo_seed
    from tests.connections.factories import team_member

    demo_seed(customers=20, seed=3, as_of=datetime.date(2020, 5, 15))
    user = team_member()
    numbers = htg_samples(5)
    # when
    timings = _htg_floor(connection, user.pk, numbers)
    # then: one timing per number, and the audit rows it wrote are gone again
    assert len(timings) == len(numbers) == 5
    assert all(timing > 0 for timing in timings)
    assert LookupAudit.objects.count() == 0

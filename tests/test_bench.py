"""The benchmark's raw floors must work for every table the seed writes: a schema change must not break `make bench`."""

import pytest
from django.db import connection

from bench.run import raw_insert_seconds
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
    ],
)
def test_each_budgeted_figure_says_whether_it_meets_its_budget(name, value, floor, rate, shown):
    from bench.run import metric, rate_metric

    size = 10_000 if shown == "" and name == "connection_list_due_ms" else 100_000
    figure = (rate_metric if rate else metric)(name, size, value, "x", floor)
    assert figure.goal == shown

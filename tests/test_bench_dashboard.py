"""The dashboard's benchmark floor runs the selector's own SQL raw: it must keep working as the schema changes."""

import datetime

import pytest
from django.db import connection

from bench.metrics_dashboard import REFERENCE_SQL
from connections.services.demo import demo_seed
from reporting.selectors import dashboard_aggregates, dashboard_build, dashboard_reference
from reporting.services.snapshots import daily_snapshot_close, daily_snapshot_today_check

SEED_DAY = datetime.date(2020, 5, 15)


@pytest.mark.postgres
@pytest.mark.django_db
@pytest.mark.parametrize("as_of", [SEED_DAY, datetime.date(2020, 5, 1)])
def test_the_raw_floor_returns_what_the_dashboard_reads(as_of):
    # given
    demo_seed(customers=30, seed=9, as_of=SEED_DAY)
    reference = dashboard_reference(as_of=as_of, today=SEED_DAY)
    aggregates = dashboard_aggregates(reference)
    # when: every read run raw through a cursor, as the floor does
    raw = {}
    with connection.cursor() as cursor:
        for sql in REFERENCE_SQL:
            cursor.execute(sql)
            assert cursor.fetchall()
        for name, aggregate in aggregates.items():
            sql, params = aggregate.sql_with_params()
            cursor.execute(sql, params)
            raw[name] = [tuple(row) for row in cursor.fetchall()]
    # then: the same rows the dashboard is built from
    assert raw["funnel"] and sorted(raw["funnel"]) == sorted(dashboard_aggregates(reference)["funnel"].rows())
    dashboard = dashboard_build(as_of=as_of, today=SEED_DAY)
    assert raw["companies"] == [(dashboard.companies, dashboard.companies_not_able)]
    assert [row[0] for row in raw["risks"]] == [risk.connection_id for risk in dashboard.risks]


@pytest.mark.postgres
@pytest.mark.django_db
@pytest.mark.parametrize("as_of", [SEED_DAY, datetime.date(2020, 5, 1)])
def test_the_snapshot_read_runs_the_selectors_own_sql_and_finds_the_days_counts(as_of):
    # given: the snapshot as the nightly job leaves it (today opened, the past day closed)
    from bench.metrics_dashboard import _snapshot_sql
    from reporting.selectors.snapshots import daily_counts

    demo_seed(customers=30, seed=9, as_of=SEED_DAY)
    daily_snapshot_today_check(today=SEED_DAY)
    daily_snapshot_close(day=datetime.date(2020, 5, 1), today=SEED_DAY)
    # when
    statements = _snapshot_sql(as_of)
    results = []
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)
            results.append([tuple(row) for row in cursor.fetchall()])
    # then: every read of the selector but the reference ones, none of them an aggregate over the connections; the
    # day's counts among them (after the snapshots' rows): the funnel's rows
    is_today = as_of == SEED_DAY
    assert len(statements) == (8 if is_today else 5)
    assert not any("LEFT JOIN LATERAL" in sql or "per_company" in sql for sql in statements)
    reference = dashboard_reference(as_of=as_of, today=SEED_DAY)
    assert results[1] and sorted(results[1]) == sorted(daily_counts(day=as_of, flow_ids=reference.flow_ids))


@pytest.mark.postgres
@pytest.mark.django_db
def test_without_a_readable_snapshot_the_bench_refuses_to_measure_the_aggregates_instead():
    from bench.metrics_dashboard import _snapshot_sql

    demo_seed(customers=10, seed=9, as_of=SEED_DAY)  # the seed discards every snapshot
    with pytest.raises(RuntimeError, match="not readable"):
        _snapshot_sql(SEED_DAY)

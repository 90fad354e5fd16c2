"""The dashboard's benchmark floor runs the selector's own SQL raw: it must keep working as the schema changes."""

import datetime

import pytest
from django.db import connection

from bench.metrics_dashboard import REFERENCE_SQL
from connections.services.demo import demo_seed
from reporting.selectors import dashboard_aggregates, dashboard_build, dashboard_reference

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

"""Budgets of the team workspace (issue 3): the connection list."""

import statistics
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bench.run import BenchContext, Metric

LIST_QUERY = {"plateau": "1", "state": "invited"}
REPEATS = 30


def metric_connection_list(context: "BenchContext") -> list["Metric"]:
    """`connection_list_ms`: the team's connection list, first page, filtered on plateau 1 and state invited, as a
    whole request through Django's test client (session, permissions, filter choices, count, rows, template), the
    median of 30. Floor: the count and page queries of that list, executed as raw SQL through the same database
    connection, rows fetched (the median of 30)."""
    from django.db.models import QuerySet

    from bench.run import metric, team_client, timings_ms
    from connections.selectors.connection_list import ConnectionFilters, connection_list
    from htg_migration import clock

    client, _user = team_client()
    url = "/team/connections/"

    def request() -> None:
        response = client.get(url, LIST_QUERY)
        if response.status_code != 200:
            raise RuntimeError(f"{url} answered {response.status_code}")

    request()  # warm up: templates, plans
    value = statistics.median(timings_ms(request, REPEATS))

    queryset: QuerySet = connection_list(filters=ConnectionFilters.from_query(LIST_QUERY), today=clock.today())
    count_sql, count_params = queryset.order_by().values("pk").query.sql_with_params()
    rows_sql, rows_params = queryset[:50].query.sql_with_params()
    cursor = context.connection.cursor()

    def raw() -> None:
        cursor.execute(f"SELECT COUNT(*) FROM ({count_sql}) AS matching", count_params)  # noqa: S608 - ORM-built SQL
        cursor.fetchone()
        cursor.execute(rows_sql, rows_params)
        cursor.fetchall()

    raw()
    floor = statistics.median(timings_ms(raw, REPEATS))
    return [metric("connection_list_ms", context.size, value, "ms", floor)]

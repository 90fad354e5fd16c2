"""Budgets of the team workspace (issue 3): the connection list."""

import statistics
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bench.run import BenchContext, Metric

LIST_QUERY = {"plateau": "1", "state": "invited"}
DUE_QUERY = {"sort": "due"}
REPEATS = 30


def _list_metric(context: "BenchContext", name: str, query: dict[str, str]) -> "Metric":
    """The team's connection list with this query, as a whole request (the median of REPEATS), beside the raw SQL
    of its count and page queries (the median of as many runs)."""
    from django.db.models import QuerySet

    from bench.run import metric, team_client, timings_ms
    from connections.selectors.connection_list import ConnectionFilters, connection_list
    from htg_migration import clock

    client, _user = team_client()
    url = "/team/connections/"

    def request() -> None:
        response = client.get(url, query)
        if response.status_code != 200:
            raise RuntimeError(f"{url} answered {response.status_code}")

    request()  # warm up: templates, plans
    value = statistics.median(timings_ms(request, REPEATS))

    queryset: QuerySet = connection_list(filters=ConnectionFilters.from_query(query), today=clock.today())
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
    return metric(name, context.size, value, "ms", floor)


def metric_connection_list(context: "BenchContext") -> list["Metric"]:
    """`connection_list_ms`: the team's connection list, first page, filtered on plateau 1 and state invited, as a
    whole request through Django's test client (session, permissions, filter choices, count, rows, template), the
    median of 30. Floor: the count and page queries of that list, executed as raw SQL through the same database
    connection, rows fetched (the median of 30). `connection_list_due_ms`: the same list unfiltered, sorted by due
    date (the team's "what is due first" view, every connection of the register), the median of 30; floor: its count
    and page queries run raw in the same way. Goal of `connection_list_due_ms`: at most 5 times its floor at 100,000
    customers."""
    return [
        _list_metric(context, "connection_list_ms", LIST_QUERY),
        _list_metric(context, "connection_list_due_ms", DUE_QUERY),
    ]

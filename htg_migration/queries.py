"""Query shapes the apps share."""

from collections.abc import Sequence
from typing import Any, TypeVar

from django.db import connection
from django.db.models import Model, OuterRef, QuerySet, Subquery

M = TypeVar("M", bound=Model)


def first_of_each(queryset: QuerySet[M, Any], *, by: str, order: Sequence[str]) -> QuerySet[M, Any]:
    """The first row of each group of `queryset` with the same `by` (a field or an annotation), in `order`, ordered
    by `by`: PostgreSQL's DISTINCT ON; on a database without it (SQLite, the development setup) a correlated
    subquery that picks the same rows."""
    if connection.features.can_distinct_on_fields:
        return queryset.order_by(by, *order).distinct(by)
    first = queryset.filter(**{by: OuterRef(by)}).order_by(*order).values("pk")[:1]
    return queryset.filter(pk=Subquery(first)).order_by(by)

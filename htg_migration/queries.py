"""Query shapes the apps share."""

from collections.abc import Sequence
from typing import Any, TypeVar

from django.db.models import Model, QuerySet

M = TypeVar("M", bound=Model)


def first_of_each(queryset: QuerySet[M, Any], *, by: str, order: Sequence[str]) -> QuerySet[M, Any]:
    """The first row of each group of `queryset` with the same `by` (a field or an annotation), in `order`, ordered
    by `by`: PostgreSQL's DISTINCT ON."""
    return queryset.order_by(by, *order).distinct(by)

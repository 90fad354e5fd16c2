"""A query parameter the endpoint does not know is a 400 problem that names it, not a silent no-op: a caller who
misspells a filter (`?custmer=12`) would otherwise get every row and take it for the filtered list.

An endpoint knows the fields of its `query_serializer_class` (its filters, also what the schema lists) and, for a
list, its paginator's `cursor` and `page_size`. The check runs after authentication and permissions, so an
anonymous caller still gets its 401 first."""

from typing import Any

from django.utils.translation import gettext as _
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.mixins import ListModelMixin
from rest_framework.request import Request
from rest_framework.views import APIView


class KnownQueryParametersOnly(APIView):
    query_serializer_class: type[serializers.Serializer[Any]] | None = None

    def known_query_parameters(self) -> set[str]:
        known: set[str] = set()
        if self.query_serializer_class is not None:
            known |= set(self.query_serializer_class().fields)
        paginator = getattr(self, "paginator", None)
        if isinstance(self, ListModelMixin) and paginator is not None:
            known |= {
                name
                for name in (
                    getattr(paginator, "cursor_query_param", None),
                    getattr(paginator, "page_size_query_param", None),
                )
                if name
            }
        return known

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        unknown = sorted(set(request.query_params) - self.known_query_parameters())
        if unknown:
            raise ValidationError({name: [_("This endpoint has no such parameter.")] for name in unknown})

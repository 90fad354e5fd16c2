"""A query parameter the endpoint does not know is a 400 problem that names it, not a silent no-op: a caller who
misspells a filter (`?custmer=12`) would otherwise get every row and take it for the filtered list.

An endpoint knows the fields of its `query_serializer_class` and the names in its `query_parameters` (its filters:
the same objects its `extend_schema` lists, so the schema and the check cannot drift apart) and, for a list, its
paginator's `cursor` and `page_size`. The check runs after authentication and permissions, so an anonymous caller
still gets its 401 first.

Every view of the API derives from this class (tests/api/test_api_hardening.py walks the URLconf: a new endpoint
that does not, fails), so an endpoint without parameters refuses every one."""

from collections.abc import Sequence
from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.mixins import ListModelMixin
from rest_framework.request import Request
from rest_framework.views import APIView


class KnownQueryParametersOnly(APIView):
    query_serializer_class: type[serializers.Serializer[Any]] | None = None
    query_parameters: Sequence[OpenApiParameter] = ()

    def known_query_parameters(self) -> set[str]:
        known: set[str] = set()
        if self.query_serializer_class is not None:
            known |= set(self.query_serializer_class().fields)
        known |= {parameter.name for parameter in self.query_parameters}
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

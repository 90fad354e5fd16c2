"""Every list of the API is cursor-paginated: a stable order on an indexed, unique key, so that a page never skips
or repeats a row while rows are added, and no page costs a COUNT or an OFFSET.

Bad paging input is a 400 problem with the parameter named, never a silent default: a `page_size` that is not a whole
number from 1 to `max_page_size`, a cursor that is not one this API gave (also one whose position does not fit the
list's order, which would otherwise reach the database as a bad value)."""

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import CursorPagination


class ApiCursorPagination(CursorPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    ordering = "id"

    def get_page_size(self, request: Any) -> int:
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        # the length first: int() refuses a string of more than 4,300 digits with a ValueError of its own
        if not (raw.isascii() and raw.isdigit()) or len(raw) > 6 or not 1 <= int(raw) <= self.max_page_size:
            message = _("Give a whole number from 1 to %(maximum)d.") % {"maximum": self.max_page_size}
            raise ValidationError({self.page_size_query_param: [message]})
        return int(raw)

    def paginate_queryset(self, queryset: Any, request: Any, view: Any = None) -> Any:
        try:
            return super().paginate_queryset(queryset, request, view)
        except (NotFound, ValueError, TypeError, DjangoValidationError) as error:
            if isinstance(error, NotFound) or self.cursor_query_param in request.query_params:
                message = _("This cursor is not one this list gave.")
                raise ValidationError({self.cursor_query_param: [message]}) from None
            raise

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"] = {"type": "integer", "minimum": 1, "maximum": self.max_page_size}
        return parameters

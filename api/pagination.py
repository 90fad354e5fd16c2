"""Every list of the API is cursor-paginated: a stable order on an indexed, unique key, so that a page never skips
or repeats a row while rows are added, and no page costs a COUNT or an OFFSET."""

from rest_framework.pagination import CursorPagination


class ApiCursorPagination(CursorPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    ordering = "id"

"""Middleware of the connections app."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from connections.services.refusals import refusal_record


class RefusalAuditMiddleware:
    """A row for every refused request (`connections.services.refusals`): a 403, or a 404 for a signed-in user."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code in (403, 404):
            refusal_record(request=request, status=response.status_code)
        return response

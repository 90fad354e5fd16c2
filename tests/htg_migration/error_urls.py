"""The project's URLs plus three that fail on purpose, for the error page tests."""

from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.http import HttpRequest, HttpResponse
from django.urls import path

from htg_migration.urls import urlpatterns as project_urlpatterns


def server_error_view(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("a bug")


def bad_request_view(request: HttpRequest) -> HttpResponse:
    raise SuspiciousOperation("a tampered request")


def denied_view(request: HttpRequest) -> HttpResponse:
    raise PermissionDenied


urlpatterns = [
    path("test-errors/500/", server_error_view),
    path("test-errors/400/", bad_request_view),
    path("test-errors/403/", denied_view),
    *project_urlpatterns,
]

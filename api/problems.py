"""One error format for the whole API: RFC 9457 problem details (`application/problem+json`).

Every refusal the API gives, DRF's own (authentication, permission, throttling, validation, a missing object) and
the project's (`ApplicationError`), passes through `problem_details_handler` (REST_FRAMEWORK["EXCEPTION_HANDLER"]):
`type`, `title`, `status`, `detail`, and for bad input `errors` with one entry per field. Titles and details are in
the language of the request (Accept-Language, through Django's LocaleMiddleware), Dutch or English."""

from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

from api.parsers import RequestTooLarge
from htg_migration.errors import ApplicationError

PROBLEM_CONTENT_TYPE = "application/problem+json"
# `type` is a URI naming the kind of problem (RFC 9457 section 3.1.1); these are relative to the API's documentation.
TYPE_BASE = "/api/docs/problems/"


def _titles() -> dict[int, str]:
    return {
        status.HTTP_400_BAD_REQUEST: _("The request is not valid."),
        status.HTTP_401_UNAUTHORIZED: _("Authentication is needed."),
        status.HTTP_403_FORBIDDEN: _("This is not allowed."),
        status.HTTP_404_NOT_FOUND: _("Not found."),
        status.HTTP_405_METHOD_NOT_ALLOWED: _("This method is not allowed here."),
        status.HTTP_406_NOT_ACCEPTABLE: _("This format cannot be given."),
        status.HTTP_409_CONFLICT: _("Someone else changed this first."),
        status.HTTP_413_REQUEST_ENTITY_TOO_LARGE: _("The request is too large."),
        status.HTTP_415_UNSUPPORTED_MEDIA_TYPE: _("This content type is not supported."),
        status.HTTP_429_TOO_MANY_REQUESTS: _("Too many requests."),
    }


def _slugs() -> dict[int, str]:
    return {
        400: "invalid",
        401: "not-authenticated",
        403: "forbidden",
        404: "not-found",
        405: "method-not-allowed",
        406: "not-acceptable",
        409: "conflict",
        413: "too-large",
        415: "unsupported-media-type",
        429: "throttled",
    }


def _field_errors(detail: Any, prefix: str = "") -> list[dict[str, str]]:
    """DRF's nested validation detail as a flat list of {"field", "message", "code"}."""
    found: list[dict[str, str]] = []
    if isinstance(detail, dict):
        for key, value in detail.items():
            name = str(key) if not prefix else f"{prefix}.{key}"
            found.extend(_field_errors(value, name))
    elif isinstance(detail, list):
        for index, value in enumerate(detail):
            if isinstance(value, dict | list):
                found.extend(_field_errors(value, f"{prefix}.{index}" if prefix else str(index)))
            else:
                found.extend(_field_errors(value, prefix))
    else:
        found.append(
            {
                "field": prefix or "non_field_errors",
                "message": str(detail),
                "code": str(getattr(detail, "code", "invalid")),
            }
        )
    return found


# What a refusal of the project's services may add to the problem (RFC 9457 extension members): the state the object
# is in now (a 409 after someone else moved it first), the conditions a step still lacks.
EXTENSION_MEMBERS = ("state", "conditions")


def problem_body(
    *,
    status_code: int,
    detail: str,
    errors: list[dict[str, str]] | None = None,
    extensions: dict[str, Any] | None = None,
) -> dict[str, Any]:
    slug = _slugs().get(status_code, "error")
    body: dict[str, Any] = {
        "type": f"{TYPE_BASE}{slug}",
        "title": _titles().get(status_code, _("The request could not be carried out.")),
        "status": status_code,
        "detail": detail,
    }
    if errors is not None:
        body["errors"] = errors
    for name, value in (extensions or {}).items():
        if name in EXTENSION_MEMBERS:
            body[name] = value
    return body


def problem_response(
    *,
    status_code: int,
    detail: str,
    errors: list[dict[str, str]] | None = None,
    extensions: dict[str, Any] | None = None,
) -> Response:
    body = problem_body(status_code=status_code, detail=detail, errors=errors, extensions=extensions)
    return Response(body, status=status_code, content_type=PROBLEM_CONTENT_TYPE)


def problem_details_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """REST_FRAMEWORK["EXCEPTION_HANDLER"]: every refusal as problem details. An unexpected exception is not
    handled here (None): Django's 500 handling and logging see it as they see any other."""
    if isinstance(exc, ApplicationError):
        return problem_response(status_code=exc.http_status, detail=exc.message, extensions=exc.extra)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        # A service's refusal says why ("Only the core team works on escalations."); Django's bare one does not.
        exc = exceptions.PermissionDenied(str(exc) or None)
    elif isinstance(exc, DjangoValidationError):
        # A service's bad-data refusal, field by field where it names fields.
        exc = exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
    elif isinstance(exc, RequestDataTooBig):  # Django's own limit, met where a body was read before DRF parsed it
        exc = RequestTooLarge(settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
    response = exception_handler(exc, context)
    if response is None or not isinstance(exc, exceptions.APIException):
        return response
    if isinstance(exc, exceptions.ValidationError):
        problem = problem_response(
            status_code=exc.status_code,
            detail=_("One or more fields are not valid."),
            errors=_field_errors(exc.detail),
        )
    else:
        detail = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
        problem = problem_response(status_code=exc.status_code, detail=detail)
    # Keep the headers DRF set: WWW-Authenticate on a 401, Retry-After on a 429, Allow on a 405.
    for header, value in response.items():
        if header.lower() != "content-type":
            problem[header] = value
    return problem

"""The API's one parser: JSON, read up to Django's DATA_UPLOAD_MAX_MEMORY_SIZE and no further.

DRF's own JSONParser reads the whole body whatever its size (Django's limit guards `request.body` and forms, which
DRF's parsing does not use): a body past the limit is refused here with a 413 problem before it is read into memory
or parsed, whether its Content-Length says so or the body turns out longer."""

from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework import status
from rest_framework.exceptions import APIException, ParseError
from rest_framework.parsers import JSONParser
from rest_framework.utils import json


class RequestTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "too_large"

    def __init__(self, limit: int) -> None:
        super().__init__(_("The body is larger than %(limit)d bytes.") % {"limit": limit})


class LimitedJSONParser(JSONParser):
    def parse(self, stream: Any, media_type: str | None = None, parser_context: dict[str, Any] | None = None) -> Any:
        parser_context = parser_context or {}
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        request = parser_context.get("request")
        declared = request.META.get("CONTENT_LENGTH") if request is not None else None
        if limit is not None and declared and str(declared).isdigit() and int(declared) > limit:
            raise RequestTooLarge(limit)
        if stream is None:
            return None
        body = stream.read(limit + 1) if limit is not None else stream.read()
        if limit is not None and len(body) > limit:
            raise RequestTooLarge(limit)
        encoding = parser_context.get("encoding", settings.DEFAULT_CHARSET)
        try:
            return json.loads(body.decode(encoding))  # NaN and Infinity refused (DRF's strict JSON)
        except (ValueError, LookupError) as error:
            raise ParseError(_("The body is not valid JSON: %(error)s") % {"error": error}) from None

"""Two corrections drf-spectacular's schema needs to tell the truth (SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"]).

`problem_responses`: the schema documents every refusal the API can give. Each operation gets the problem responses
(RFC 9457, `application/problem+json`, api/problems.py) that any endpoint may answer, unless the endpoint documents
that status itself. So a client (and the Schemathesis run in the tests) finds every status it can meet in the schema,
without each view repeating the list.

`path_integers_are_whole_numbers`: an `<int:...>` path parameter is documented as what the URL resolver matches."""

from typing import Any

PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "A refusal as RFC 9457 problem details, in the request's language (Accept-Language: nl or en).",
    "properties": {
        "type": {"type": "string", "description": "A URI naming the kind of problem."},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "errors": {
            "type": "array",
            "description": "For bad input: one entry per field or parameter.",
            "items": {
                "type": "object",
                "properties": {
                    "field": {"type": "string"},
                    "message": {"type": "string"},
                    "code": {"type": "string"},
                },
                "required": ["field", "message", "code"],
            },
        },
    },
    "required": ["type", "title", "status", "detail"],
}

# Every operation: bad input, no or a refused token, not allowed, not found (or not the caller's), throttled.
EVERY_OPERATION = {
    "400": "Bad input: the problem names each field or parameter in `errors`.",
    "401": "No token, or a token that is unknown, expired or revoked.",
    "403": "The caller may not do this (a read-only token writing, a staff account on a company endpoint).",
    "404": "Not found, or not the caller's to see.",
    "406": "The Accept header asks for a format the API does not give.",
    "429": "Too many requests for this token: wait for Retry-After seconds.",
}
# An operation with a body: a body too large, of another content type; a write that lost a race.
WITH_BODY = {
    "409": "Someone else changed this first: the problem gives the current state.",
    "413": "The body is larger than the API accepts.",
    "415": "The body is not JSON (Content-Type: application/json).",
}
UNSAFE_METHODS = {"post", "put", "patch", "delete"}


def _problem(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }


def problem_responses(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    result.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
    for path_item in result.get("paths", {}).values():
        for method, operation in path_item.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            statuses = dict(EVERY_OPERATION)
            if method in UNSAFE_METHODS:
                statuses.update(WITH_BODY)
            responses = operation["responses"]
            for status, response in responses.items():
                # An endpoint's own refusals (documented with its view) are problems too, whatever it declared.
                content = response.get("content", {}) if status.isdigit() and int(status) >= 400 else {}
                if "application/json" in content:
                    content["application/problem+json"] = content.pop("application/json")
            for status, description in statuses.items():
                responses.setdefault(status, _problem(description))
            throttled = responses["429"]
            throttled.setdefault("headers", {})["Retry-After"] = {
                "description": "Seconds to wait before the next request.",
                "schema": {"type": "integer"},
                "required": True,
            }
    return result


def path_integers_are_whole_numbers(
    result: dict[str, Any], generator: Any, request: Any, public: bool
) -> dict[str, Any]:
    """An `<int:...>` path parameter matches digits only: a negative number reaches no endpoint (a 404 from the URL
    resolver), so the schema says `minimum: 0` rather than any integer."""
    for path_item in result.get("paths", {}).values():
        for operation in path_item.values():
            for parameter in operation.get("parameters", []) if isinstance(operation, dict) else []:
                schema = parameter.get("schema", {})
                if parameter.get("in") == "path" and schema.get("type") == "integer":
                    schema.setdefault("minimum", 0)
    return result

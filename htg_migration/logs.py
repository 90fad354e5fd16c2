"""Logs: structured (structlog through the standard library's logging), with a request id, and without personal data.

Every record, ours (`logging.getLogger(__name__)` with `extra={...}`, or structlog's loggers), Django's, Celery's and
the libraries', goes through one `structlog.stdlib.ProcessorFormatter`: JSON lines (`HTG_LOG_FORMAT=json`, the
default in production and for the worker and the scheduler there) or readable console lines (locally). django-structlog
binds `request_id`, `user_id` and `ip` (`htg_migration.client_ip`, not django-ipware's guess) for the length of a
request, and carries them in the headers of every task the request queues, into the worker's log lines of that task.

`redact` is the one place that takes personal data and secrets out: e-mail addresses, phone-number-looking runs of
digits and the tokens in sign-in, password-reset and calendar paths, in the event and in every field.
"""

import re
from collections.abc import Mapping, MutableMapping
from typing import Any
from urllib.parse import unquote

import structlog

REDACTED = "[redacted]"

# Paths whose segments are secrets: a portal sign-in link, a staff password-reset link, a team member's calendar feed.
_TOKEN_PATHS = [
    (re.compile(r"(/portal/sign-in/)(?!sent/)[^/?#\s\"']+"), r"\1" + REDACTED),
    (re.compile(r"(/accounts/reset/)[^/?#\s\"']+/[^/?#\s\"']+"), r"\1" + REDACTED + "/" + REDACTED),
    (re.compile(r"(/team/calendar/)[^/?#\s\"']+?(\.ics)"), r"\1" + REDACTED + r"\2"),
]
# An e-mail address, found in linear time: a local part starts only where no such character stands before it (so a
# long run of letters without an @ is scanned once, not once per position: quadratic on a 100,000-character value),
# and is at most 64 characters (RFC 5321).
_EMAIL = re.compile(r"(?<![\w.'+-])[\w.'+-]{1,64}@[\w-]+(?:\.[\w-]+)+")
# A phone number as people write it: an optional +, then at least 9 digits with spaces, dashes, brackets or a +
# (a URL-encoded space) between them. Ids, counts, durations, IP addresses (dots), dates (8 digits) and KvK numbers
# (8 digits) stay readable; digits inside a word or an id (an HTG number, an EORI, a UUID) too.
_PHONE = re.compile(r"(?<![\w-])\+?\(?\d(?:[\s()+-]{0,2}\d){8,}(?![\w-])")


def redact_text(text: str) -> str:
    """The text without token path segments, e-mail addresses and phone numbers. A URL-encoded text (a query string)
    is decoded first, so that `%40` and `%2B31+10` are found too."""
    if "%" in text:
        text = unquote(text)
    for pattern, replacement in _TOKEN_PATHS:
        text = pattern.sub(replacement, text)
    if "@" in text:
        text = _EMAIL.sub(REDACTED, text)
    return _PHONE.sub(REDACTED, text)


def _redact_value(value: Any) -> Any:
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, Mapping):
        return {key: _redact_value(item) for key, item in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_redact_value(item) for item in value]
    if isinstance(value, (int, float, bool)) or value is None:
        return value
    return redact_text(str(value))


def redact(logger: Any, method_name: str, event_dict: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """structlog processor: every field, the event included, without personal data or secrets. It runs last before
    the renderer, after the traceback is formatted, so an exception's message is redacted too."""
    for key, value in list(event_dict.items()):
        event_dict[key] = _redact_value(value)
    return event_dict


def _drop_color_message(logger: Any, method_name: str, event_dict: MutableMapping[str, Any]) -> Any:
    event_dict.pop("color_message", None)  # uvicorn's and Celery's second copy of the message
    return event_dict


# What every record gets, whether it came from structlog or from the standard library's logging.
_SHARED_PROCESSORS: list[Any] = [
    structlog.contextvars.merge_contextvars,  # request_id, user_id, ip; task_id in the worker
    structlog.stdlib.add_log_level,
    structlog.stdlib.add_logger_name,
    structlog.processors.TimeStamper(fmt="iso", utc=True),
]


def structlog_configure() -> None:
    """structlog's own loggers (django-structlog's) hand their events to the standard library's logging, where the
    formatter of `logging_config` renders them like every other record."""
    structlog.configure(
        processors=[
            structlog.stdlib.filter_by_level,
            *_SHARED_PROCESSORS,
            structlog.stdlib.PositionalArgumentsFormatter(),
            structlog.processors.StackInfoRenderer(),
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )


def processor_formatter(*, json: bool) -> dict[str, Any]:
    """The formatter (a logging dictConfig entry) of every handler: the fields of the standard library's records
    (`extra={...}` included, through ExtraAdder), redacted, as JSON or as a readable line."""
    renderer: Any = structlog.processors.JSONRenderer() if json else structlog.dev.ConsoleRenderer(colors=False)
    return {
        "()": structlog.stdlib.ProcessorFormatter,
        "processors": [
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            _drop_color_message,
            structlog.processors.format_exc_info,  # the traceback as a field, so that `redact` reads it too
            redact,
            renderer,
        ],
        "foreign_pre_chain": [*_SHARED_PROCESSORS, structlog.stdlib.ExtraAdder()],
    }


def logging_config(*, json: bool, level: str) -> dict[str, Any]:
    """settings.LOGGING: one handler on the root logger, to standard error, with the formatter above."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"structured": processor_formatter(json=json)},
        "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "structured"}},
        "root": {"handlers": ["console"], "level": level},
        # Django's own request and server loggers propagate to the root (no second handler of their own).
        "loggers": {
            "django": {"level": level, "propagate": True},
        },
    }


def request_metadata_bind(request: Any, logger: Any, log_kwargs: dict[str, Any], **kwargs: Any) -> None:
    """django-structlog's `bind_extra_request_metadata` receiver: the client's address as our trusted proxies
    tell it (`htg_migration.client_ip`). DJANGO_STRUCTLOG_IP_LOGGING_ENABLED is off, so django-ipware's guess from
    whatever X-Forwarded-For a client wrote is never logged."""
    from htg_migration.client_ip import client_ip

    structlog.contextvars.bind_contextvars(ip=client_ip(request))

"""The check of one traffic file's rows: every error with its line, field and message, in English and Dutch."""

import datetime
import re
from dataclasses import dataclass, field
from typing import Any

from django.utils import translation
from django.utils.translation import gettext_lazy as _

from traffic.services.formats import COLUMNS, REQUIRED_COLUMNS

REPORT_LIMIT = 1000  # errors kept in the report; all are counted
COUNT_MAX = 2_147_483_647  # an integer column
SENDER_MAX = 100
GATEWAYS = frozenset(("htg", "digipoort"))
SCHEMES = frozenset(("htg", "oin", "eori", "other"))
ENVIRONMENTS = frozenset(("test", "production"))
DIRECTIONS = frozenset(("in", "out"))
DIGITS = re.compile(r"[0-9]{1,10}")
NEGATIVE = re.compile(r"-[0-9]+")
CONTROL = re.compile(r"[\x00-\x1f\x7f]")
MOMENT = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,6})?)?(Z|[+-][0-9]{2}(:?[0-9]{2})?)"
)
INDEX = {name: position for position, name in enumerate(COLUMNS)}


def message_pair(message: Any, params: dict[str, Any]) -> dict[str, str]:
    """The message in English and in Dutch, whatever the worker's language."""
    texts = {}
    for language in ("en", "nl"):
        with translation.override(language):
            texts[f"message_{language}"] = str(message) % params if params else str(message)
    return texts


@dataclass
class CheckResult:
    """What the check found: the file's gateway and day (from its first row), its rows, and its errors."""

    window: tuple[datetime.date, datetime.date]
    today: datetime.date
    flows: dict[str, int]
    gateway: str = ""
    day: datetime.date | None = None
    day_text: str = ""
    rows: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)
    error_count: int = 0
    seen: set[int] = field(default_factory=set)

    def add(self, line: int, field_name: str, message: Any, params: dict[str, Any] | None = None) -> None:
        self.error_count += 1
        if len(self.errors) < REPORT_LIMIT:
            error = {"field": field_name, **message_pair(message, params or {})}
            # The report is stored as jsonb, which holds no NUL: a NUL the file had is shown as U+FFFD.
            self.errors.append({"line": line, **{key: text.replace("\x00", "\ufffd") for key, text in error.items()}})

    def check_row(self, line: int, values: list[Any]) -> None:
        """One row's values in COLUMNS order: text (CSV or JSON strings), int (JSON numbers) or None (absent).
        A row that passes every rule takes the fast path; any other is checked again rule by rule, for its messages."""
        self.rows += 1
        if self._clean(values):
            return
        self._check_slowly(line, values)

    def _clean(self, values: list[Any]) -> bool:
        """Whether the row breaks no rule (no messages: the slow path finds them). Most rows of a file are clean."""
        day, gateway, scheme, sender, flow, environment, direction, messages, errors, first_at, last_at = values
        if not (
            self.day is not None
            and day == self.day_text
            and gateway == self.gateway
            and scheme in SCHEMES
            and environment in ENVIRONMENTS
            and direction in DIRECTIONS
            and type(sender) is str
            and 0 < len(sender) <= SENDER_MAX
            and type(flow) is str
            and flow.lower() in self.flows
            and type(messages) is str
            and DIGITS.fullmatch(messages)
            and type(errors) is str
            and DIGITS.fullmatch(errors)
            and not CONTROL.search(sender)
            and sender == sender.strip()
        ):
            return False
        count, failed = int(messages), int(errors)
        if count > COUNT_MAX or failed > count:
            return False
        if first_at or last_at:
            first = self._moment_quietly(first_at)
            last = self._moment_quietly(last_at)
            if first is False or last is False or (first is not None and last is not None and first > last):
                return False
        key = hash((scheme, sender, flow.lower(), environment, direction))
        if key in self.seen:
            return False
        self.seen.add(key)
        return True

    @staticmethod
    def _moment_quietly(value: Any) -> Any:
        """The moment, None when empty, False when not one."""
        if value is None or value == "":
            return None
        if type(value) is not str or not MOMENT.fullmatch(value):
            return False
        try:
            return datetime.datetime.fromisoformat(value)
        except ValueError:
            return False

    def _check_slowly(self, line: int, values: list[Any]) -> None:
        for name in REQUIRED_COLUMNS:
            value = values[INDEX[name]]
            if value is None or value == "":
                self.add(line, name, _("Required: this cell is empty."))
                return
        self._check_day(line, values[0])
        self._check_gateway(line, values[1])
        self._check_choice(
            line, "sender_scheme", values[2], SCHEMES, _("Unknown kind of sender: use htg, oin, eori or other.")
        )
        sender = values[3]
        if (
            not isinstance(sender, str)
            or len(sender) > SENDER_MAX
            or CONTROL.search(sender)
            or sender != sender.strip()
        ):
            self.add(
                line,
                "sender",
                _("A sender is text of at most %(max)s characters, without spaces around it."),
                {"max": SENDER_MAX},
            )
        flow = values[4]
        if not isinstance(flow, str) or flow.lower() not in self.flows:
            self.add(
                line,
                "flow",
                _("Unknown message flow %(code)s; the flows are: %(known)s."),
                {"code": str(flow)[:40], "known": ", ".join(sorted(self.flows))},
            )
        self._check_choice(line, "environment", values[5], ENVIRONMENTS, _("Use test or production."))
        self._check_choice(line, "direction", values[6], DIRECTIONS, _("Use in or out."))
        messages = self._count(line, "messages", values[7])
        errors = self._count(line, "errors", values[8])
        if messages is not None and errors is not None and errors > messages:
            self.add(line, "errors", _("More errors (rejected messages) than messages."))
        first_at = self._moment(line, "first_at", values[9])
        last_at = self._moment(line, "last_at", values[10])
        if first_at is not None and last_at is not None and first_at > last_at:
            self.add(line, "last_at", _("The last message comes before the first one."))
        key = hash((values[2], sender, str(flow).lower(), values[5], values[6]))
        if key in self.seen:
            self.add(
                line,
                "sender",
                _("The same sender, flow, environment and direction are on an earlier line: one row for each."),
            )
        self.seen.add(key)

    def _check_day(self, line: int, value: Any) -> None:
        if value == self.day_text and self.day is not None:
            return
        try:
            day = datetime.date.fromisoformat(value) if isinstance(value, str) and len(value) == 10 else None
        except ValueError:
            day = None
        if day is None:
            self.add(line, "day", _("Not a date: write it as YYYY-MM-DD, for example 2020-03-02."))
            return
        if self.day is None:
            start, end = self.window
            if day > self.today:
                self.add(line, "day", _("%(day)s is in the future: a file reports a day that is over."), {"day": day})
            elif not start <= day <= end:
                self.add(
                    line,
                    "day",
                    _("%(day)s is outside the programme (%(start)s to %(end)s)."),
                    {"day": day, "start": start, "end": end},
                )
            self.day, self.day_text = day, value
        elif day != self.day:
            self.add(
                line,
                "day",
                _("Another day than the file's (%(day)s, from its first row): a file holds one day."),
                {"day": self.day},
            )

    def _check_gateway(self, line: int, value: Any) -> None:
        if value == self.gateway:
            return
        if value not in GATEWAYS:
            self.add(line, "gateway", _("Unknown gateway: use htg or digipoort."))
        elif not self.gateway:
            self.gateway = value
        else:
            self.add(
                line,
                "gateway",
                _("Another gateway than the file's (%(gateway)s): a file holds one gateway."),
                {"gateway": self.gateway},
            )

    def _check_choice(self, line: int, name: str, value: Any, choices: frozenset[str], message: Any) -> None:
        if value not in choices:
            self.add(line, name, message)

    def _count(self, line: int, name: str, value: Any) -> int | None:
        if isinstance(value, bool):
            number = None
        elif isinstance(value, int):
            number = value
        elif isinstance(value, str) and DIGITS.fullmatch(value):
            number = int(value)
        elif isinstance(value, str) and NEGATIVE.fullmatch(value):
            self.add(line, name, _("A count cannot be negative."))
            return None
        else:
            number = None
        if number is None:
            self.add(line, name, _("Not a whole number of 0 or more (digits only)."))
            return None
        if number < 0:
            self.add(line, name, _("A count cannot be negative."))
            return None
        if number > COUNT_MAX:
            self.add(line, name, _("Too large: at most %(max)s."), {"max": COUNT_MAX})
            return None
        return number

    def _moment(self, line: int, name: str, value: Any) -> datetime.datetime | None:
        if value is None or value == "":
            return None
        try:
            moment = (
                datetime.datetime.fromisoformat(value) if isinstance(value, str) and MOMENT.fullmatch(value) else None
            )
        except ValueError:
            moment = None
        if moment is None:
            self.add(line, name, _("Not a date and time with its offset, for example 2020-03-02T08:15:00+01:00."))
            return None
        return moment

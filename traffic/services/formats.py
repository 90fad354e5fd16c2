"""The traffic file format (docs/traffic-format.md): its columns, and the rows of a CSV or JSON-lines file read
one by one with their line numbers. Reading never stops at a bad row: the check lists every error."""

import csv
import json
from collections.abc import Iterator
from typing import IO, Any

from django.utils.translation import gettext_lazy as _

COLUMNS = (
    "day",
    "gateway",
    "sender_scheme",
    "sender",
    "flow",
    "environment",
    "direction",
    "messages",
    "errors",
    "first_at",
    "last_at",
)
REQUIRED_COLUMNS = COLUMNS[:9]
OPTIONAL_COLUMNS = ("first_at", "last_at")
CSV_SUFFIXES = (".csv",)
JSON_LINES_SUFFIXES = (".jsonl", ".ndjson", ".json")
SUFFIXES = CSV_SUFFIXES + JSON_LINES_SUFFIXES
BYTE_ORDER_MARK = "\ufeff"


class RowProblem(Exception):
    """A line that cannot be read as a row (its cells or its JSON); `truncated` when it is the last line and ends
    without a line break, so most likely cut off."""

    def __init__(self, message: Any, params: dict[str, Any] | None = None, *, field: str = "") -> None:
        super().__init__(str(message))
        self.message = message
        self.params = params or {}
        self.field = field


def file_format(name: str) -> str | None:
    """ "csv" or "jsonl" by the name's extension; None for any other."""
    lowered = name.lower()
    if lowered.endswith(CSV_SUFFIXES):
        return "csv"
    if lowered.endswith(JSON_LINES_SUFFIXES):
        return "jsonl"
    return None


def decoded_lines(file: IO[bytes], on_bad_encoding: Any) -> Iterator[tuple[int, str, bool]]:
    """(line number, text, ends with a line break) for each line; a line that is not UTF-8 is reported through
    `on_bad_encoding(line)` and skipped."""
    number = 0
    for raw in file:
        number += 1
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            on_bad_encoding(number)
            continue
        if number == 1 and text.startswith(BYTE_ORDER_MARK):
            text = text[1:]
        yield number, text, raw.endswith(b"\n")


def csv_rows(lines: Iterator[tuple[int, str, bool]]) -> Iterator[tuple[int, list[str] | RowProblem, bool]]:
    """(line, cells or the problem, complete) per CSV record; the header is the first."""
    state = {"line": 0, "complete": True}

    def texts() -> Iterator[str]:
        for number, text, complete in lines:
            state["line"], state["complete"] = number, complete
            yield text

    reader = csv.reader(texts(), strict=True)
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            yield (
                int(state["line"]),
                RowProblem(_("The line is not valid CSV: %(detail)s."), {"detail": error}),
                bool(state["complete"]),
            )
            continue
        yield int(state["line"]), cells, bool(state["complete"])


def json_rows(lines: Iterator[tuple[int, str, bool]]) -> Iterator[tuple[int, dict[str, Any] | RowProblem, bool]]:
    """(line, object or the problem, complete) per non-empty line of a JSON-lines file."""
    for number, text, complete in lines:
        if not text.strip():
            continue
        try:
            value = json.loads(text)
        except (ValueError, RecursionError):  # RecursionError: nested deeper than the parser goes
            yield number, RowProblem(_("The line is not valid JSON.")), complete
            continue
        if not isinstance(value, dict):
            yield number, RowProblem(_("The line is not a JSON object ({...}).")), complete
            continue
        yield number, value, complete

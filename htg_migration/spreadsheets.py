"""The one way the app writes a spreadsheet (the weekly report, the registration list's export): text stays text.

A spreadsheet program runs a cell that starts with "=" as a formula, and in a CSV file also one that starts with
"+", "-", "@", a tab or a carriage return ("CSV injection", OWASP). A company names itself, so a name such as
`=HYPERLINK("http://x","y")` must reach the reader as those characters:

- XLSX: every string is a text cell (openpyxl's data type "s", never "f"), marked with Excel's own quote prefix when
  it looks like a formula, so that it stays text when someone edits it; characters XML cannot hold are left out;
  numbers and dates stay numbers and dates.
- CSV: a value that starts with one of those characters gets an apostrophe in front (OWASP's advice);
  `csv_unescape` takes it off again when the registration list is imported.
"""

import csv
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import openpyxl
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell, WriteOnlyCell
from openpyxl.worksheet.worksheet import Worksheet

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_ESCAPED_STARTS = (*FORMULA_STARTS, "'")


def workbook(*, write_only: bool = False) -> openpyxl.Workbook:
    """A new workbook; write its cells with xlsx_append and xlsx_put (write_only streams rows to the file)."""
    return openpyxl.Workbook(write_only=write_only)


def xlsx_cell(sheet: Any, value: Any) -> Cell | None:
    """`value` as a cell for `sheet.append` (also in a write-only sheet): a string as text, a number or date as
    itself. Always a cell of its own: a write-only sheet would give a plain value the style of the cell before it."""
    if value is None:
        return None
    if not isinstance(value, str):
        return WriteOnlyCell(sheet, value=value)
    cell = WriteOnlyCell(sheet, value=ILLEGAL_CHARACTERS_RE.sub("", value))
    cell.data_type = "s"  # openpyxl takes a string starting with "=" for a formula: it is text
    if cell.value.startswith(FORMULA_STARTS):
        cell.quotePrefix = True  # Excel keeps it text when someone edits the cell
    return cell


def xlsx_append(sheet: Any, values: Iterable[Any]) -> None:
    """Add a row of values to `sheet`, text as text."""
    sheet.append([xlsx_cell(sheet, value) for value in values])


def xlsx_put(sheet: Worksheet, *, row: int, column: int, value: Any) -> Cell:
    """Write one value at a place of a (not write-only) sheet, text as text; the cell, for its style."""
    cell = sheet.cell(row=row, column=column)
    written = xlsx_cell(sheet, value)
    if written is not None:
        cell.value, cell.data_type, cell.quotePrefix = written.value, written.data_type, written.quotePrefix
    return cell


def csv_escape(value: str) -> str:
    """An apostrophe in front of a value a spreadsheet would run as a formula (and of one that already starts with
    an apostrophe followed by such a character, so that csv_unescape(csv_escape(v)) == v for every v)."""
    if value.startswith(FORMULA_STARTS) or (len(value) > 1 and value[0] == "'" and value[1] in _ESCAPED_STARTS):
        return "'" + value
    return value


def csv_unescape(value: str) -> str:
    """Take off the apostrophe csv_escape put in front."""
    if len(value) > 1 and value[0] == "'" and value[1] in _ESCAPED_STARTS:
        return value[1:]
    return value


class _Echo:
    """A file-like object that hands back what is written: csv.writer then returns each line."""

    def write(self, value: str) -> str:
        return value


def csv_lines(header: Sequence[str], rows: Iterable[Sequence[Any]], *, delimiter: str = ";") -> Iterator[str]:
    """A CSV file as text, line by line (for streaming): UTF-8 with a byte order mark, so that Excel reads the
    accents right, ";" between cells as Dutch Excel expects, and every text value escaped."""
    writer = csv.writer(_Echo(), delimiter=delimiter, lineterminator="\r\n")
    yield "\ufeff" + writer.writerow([csv_escape(title) for title in header])
    for row in rows:
        yield writer.writerow([csv_escape(value) if isinstance(value, str) else value for value in row])

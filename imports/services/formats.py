"""The Digipoort registration list as a file (docs/import-format.md): its columns, reading and writing CSV and XLSX.

Reading yields every row as (line, cells), the header being line 1, as a spreadsheet numbers its rows; a file that
cannot be read at all raises UnreadableFile with a message in both languages. Parsing is left to the libraries:
the standard csv module and openpyxl (read-only and write-only modes, which stream instead of loading a whole sheet).
"""

import csv
import datetime
import itertools
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from typing import IO, Any

import openpyxl
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.utils.exceptions import InvalidFileException

COLUMNS = (
    "legal_name",
    "kvk_number",
    "eori",
    "role",
    "hub_eori",
    "flows",
    "contact_name",
    "contact_email",
    "contact_phone",
    "contact_language",
    "contact2_name",
    "contact2_email",
    "contact2_phone",
    "contact2_language",
)
REQUIRED_COLUMNS = ("legal_name", "eori")
CONTACT_PREFIXES = ("contact", "contact2")
FLOW_SEPARATOR = ";"
# Written: Dutch spreadsheet programs split CSV on ";". Read: whichever of these the header line holds most of.
CSV_DELIMITER = ";"
CSV_DELIMITERS = (";", ",", "\t")
SHEET_TITLE = "registrations"

# A spreadsheet runs a CSV cell that starts with one of these as a formula ("CSV injection"): the export puts an
# apostrophe in front, and the import takes it off again (only for CSV: XLSX cells are written as text).
FORMULA_STARTS = ("=", "+", "-", "@")
_ESCAPED_STARTS = (*FORMULA_STARTS, "'")

NOT_UTF8 = _("The file is not UTF-8 text. In Excel choose “Save as” and the type “CSV UTF-8”, then upload it again.")
NOT_CSV = _("The file cannot be read as CSV: %(reason)s.")
NOT_XLSX = _("The file cannot be read as an Excel workbook (.xlsx). Save it again as .xlsx or as CSV UTF-8.")
NO_SHEET = _("The workbook has no worksheet.")


class UnreadableFile(Exception):
    """The file as a whole cannot be read; `line` is where reading stopped (0: before the first line)."""

    def __init__(self, message: Promise | str, params: dict[str, Any] | None = None, line: int = 0) -> None:
        super().__init__(str(message))
        self.message = message
        self.params = params or {}
        self.line = line


def column_name(text: str) -> str:
    """A header cell as a column name: case, surrounding spaces, and spaces or dashes inside do not matter."""
    return text.strip().lstrip("\ufeff").lower().replace(" ", "_").replace("-", "_")


def csv_unescape(value: str) -> str:
    """Take off the apostrophe the export put in front of a value a spreadsheet would run as a formula."""
    if len(value) > 1 and value[0] == "'" and value[1] in _ESCAPED_STARTS:
        return value[1:]
    return value


def csv_escape(value: str) -> str:
    """The inverse of csv_unescape: csv_unescape(csv_escape(v)) == v for every v."""
    if value.startswith(FORMULA_STARTS) or (len(value) > 1 and value[0] == "'" and value[1] in _ESCAPED_STARTS):
        return "'" + value
    return value


def read_rows(file: IO[bytes], file_format: str) -> Iterator[tuple[int, list[str]]]:
    """Every row of the file as (line, cells); the header is line 1. Raises UnreadableFile."""
    if file_format == "xlsx":
        return _xlsx_rows(file)
    return _csv_rows(file)


def count_data_rows(file: IO[bytes], file_format: str) -> int:
    """How many rows follow the header, for the progress bar before the real reading: a quick first pass over a
    CSV file; the sheet's recorded size for a workbook (0 when it has none: the bar then fills at the end)."""
    if file_format == "xlsx":
        try:
            workbook = openpyxl.load_workbook(file, read_only=True, data_only=True)
        except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError):
            return 0
        try:
            rows = workbook.worksheets[0].max_row if workbook.worksheets else None
        finally:
            workbook.close()
        return max((rows or 1) - 1, 0)
    lines = sum(1 for raw in iter(file.readline, b"") if raw.strip())
    return max(lines - 1, 0)


def _decoded_lines(file: IO[bytes]) -> Iterator[str]:
    """The file's lines as text, decoded one by one, so that a byte that is not UTF-8 is reported on its own line."""
    for number, raw in enumerate(iter(file.readline, b""), start=1):
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise UnreadableFile(NOT_UTF8, line=number) from None
        yield text.removeprefix("\ufeff") if number == 1 else text


def _csv_rows(file: IO[bytes]) -> Iterator[tuple[int, list[str]]]:
    lines = _decoded_lines(file)
    header = next(lines, "")
    delimiter = max(CSV_DELIMITERS, key=header.count) if header.strip() else CSV_DELIMITER
    reader = csv.reader(itertools.chain([header], lines), delimiter=delimiter)
    line = 0
    try:
        for line, cells in enumerate(reader, start=1):
            yield line, [csv_unescape(cell.strip()) for cell in cells]
    except csv.Error as error:
        raise UnreadableFile(NOT_CSV, {"reason": str(error)}, line=line + 1) from None


def _cell_text(value: Any, *, pad_to: int = 0) -> str:
    """A cell's value as the text a person sees; whole numbers without ".0" (and zero-padded for KvK numbers, whose
    leading zero a spreadsheet drops when it takes them for numbers)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int):
        return str(value).zfill(pad_to) if value >= 0 else str(value)
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    return str(value).strip()


def _xlsx_rows(file: IO[bytes]) -> Iterator[tuple[int, list[str]]]:
    try:
        workbook = openpyxl.load_workbook(file, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError):
        raise UnreadableFile(NOT_XLSX) from None
    line = 0
    try:
        if not workbook.worksheets:
            raise UnreadableFile(NO_SHEET)
        kvk_position = -1
        for line, values in enumerate(workbook.worksheets[0].iter_rows(values_only=True), start=1):
            if line == 1:
                cells = [_cell_text(value) for value in values]
                names = [column_name(cell) for cell in cells]
                kvk_position = names.index("kvk_number") if "kvk_number" in names else -1
            else:
                cells = [
                    _cell_text(value, pad_to=8 if position == kvk_position else 0)
                    for position, value in enumerate(values)
                ]
            yield line, cells
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError):
        raise UnreadableFile(NOT_XLSX, line=line + 1) from None
    finally:
        workbook.close()


class _Echo:
    """A file-like object that hands back what is written: csv.writer then returns each line."""

    def write(self, value: str) -> str:
        return value


def csv_lines(rows: Iterable[Sequence[str]]) -> Iterator[str]:
    """The list as CSV text, line by line (for streaming): UTF-8 with a byte order mark, so that Excel reads the
    accents right, and ";" between cells, as Dutch Excel expects."""
    writer = csv.writer(_Echo(), delimiter=CSV_DELIMITER, lineterminator="\r\n")
    yield "\ufeff" + writer.writerow(COLUMNS)
    for row in rows:
        yield writer.writerow([csv_escape(value) for value in row])


def write_xlsx(rows: Iterable[Sequence[str]], target: IO[bytes]) -> None:
    """The list as one worksheet, every cell text (no formula runs, KvK numbers keep their leading zero)."""
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet(SHEET_TITLE)
    sheet.append(COLUMNS)
    for row in rows:
        sheet.append([_text_cell(sheet, value) for value in row])
    workbook.save(target)


def _text_cell(sheet: Any, value: str) -> Any:
    value = ILLEGAL_CHARACTERS_RE.sub("", value)
    if not value.startswith("="):
        return value  # openpyxl stores any other string as text
    cell = WriteOnlyCell(sheet, value=value)
    cell.data_type = "s"  # text, not a formula
    return cell

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
from contextlib import contextmanager
from typing import IO, Any
from xml.etree.ElementTree import ParseError

import openpyxl
from defusedxml import DefusedXmlException
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from openpyxl.utils.exceptions import InvalidFileException

from htg_migration import spreadsheets
from htg_migration.spreadsheets import csv_unescape

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

NOT_UTF8 = _("The file is not UTF-8 text. In Excel choose “Save as” and the type “CSV UTF-8”, then upload it again.")
NOT_CSV = _("The file cannot be read as CSV: %(reason)s.")
NOT_XLSX = _("The file cannot be read as an Excel workbook (.xlsx). Save it again as .xlsx or as CSV UTF-8.")
NO_SHEET = _("The workbook has no worksheet.")
NOT_XML = _(
    "The workbook cannot be read: its XML is damaged or holds what a workbook may not (a document type declaration "
    "or an undefined entity). Save it again in Excel as .xlsx or as CSV UTF-8."
)
# What openpyxl raises for a file that is not a workbook, and for XML it cannot read (the standard library's parser;
# defusedxml's refusals of entities and external references, which openpyxl uses when it is installed).
XLSX_ERRORS = (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError)
XML_ERRORS = (ParseError, DefusedXmlException)


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


def read_rows(file: IO[bytes], file_format: str) -> Iterator[tuple[int, list[str]]]:
    """Every row of the file as (line, cells); the header is line 1. Raises UnreadableFile."""
    if file_format == "xlsx":
        return _xlsx_rows(file)
    return _csv_rows(file)


def count_data_rows(file: IO[bytes], file_format: str) -> int:
    """How many rows follow the header, for the progress bar before the real reading: a quick first pass over the
    file (a workbook's rows as its sheet holds them, not its recorded size; 0 when the workbook cannot be read: the
    real reading then reports why)."""
    if file_format == "xlsx":
        try:
            with _first_sheet(file) as sheet:
                rows = sum(1 for _row in sheet.iter_rows(values_only=True))
        except (UnreadableFile, *XML_ERRORS, *XLSX_ERRORS):
            return 0
        return max(rows - 1, 0)
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


@contextmanager
def _first_sheet(file: IO[bytes]) -> Iterator[Any]:
    """The workbook's first worksheet, read as it is: openpyxl's read-only mode trusts the size the sheet records
    (`<dimension>`), and a stale one (left by a program that wrote the file) would hide rows and columns."""
    try:
        workbook = openpyxl.load_workbook(file, read_only=True, data_only=True)
    except (*XML_ERRORS, *XLSX_ERRORS) as error:
        # openpyxl hands on an XML error met while opening the workbook as the cause of its ValueError
        unreadable_xml = isinstance(error, XML_ERRORS) or isinstance(error.__cause__, XML_ERRORS)
        raise UnreadableFile(NOT_XML if unreadable_xml else NOT_XLSX) from None
    try:
        if not workbook.worksheets:
            raise UnreadableFile(NO_SHEET)
        sheet = workbook.worksheets[0]
        sheet.reset_dimensions()
        yield sheet
    finally:
        workbook.close()


def _xlsx_rows(file: IO[bytes]) -> Iterator[tuple[int, list[str]]]:
    with _first_sheet(file) as sheet:
        line = 0
        try:
            kvk_position = -1
            for line, values in enumerate(sheet.iter_rows(values_only=True), start=1):
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
        except XML_ERRORS:
            raise UnreadableFile(NOT_XML, line=line + 1) from None
        except (*XLSX_ERRORS, TypeError):
            raise UnreadableFile(NOT_XLSX, line=line + 1) from None


def csv_lines(rows: Iterable[Sequence[str]]) -> Iterator[str]:
    """The list as CSV text, line by line (for streaming), written by htg_migration.spreadsheets: a byte order mark,
    ";" between cells, and an apostrophe before a value a spreadsheet would run as a formula (the import takes it
    off again)."""
    return spreadsheets.csv_lines(COLUMNS, rows, delimiter=CSV_DELIMITER)


def write_xlsx(rows: Iterable[Sequence[str]], target: IO[bytes]) -> None:
    """The list as one worksheet, written by htg_migration.spreadsheets: every cell text (no formula runs, KvK numbers
    keep their leading zero)."""
    book = spreadsheets.workbook(write_only=True)
    sheet = book.create_sheet(SHEET_TITLE)
    spreadsheets.xlsx_append(sheet, COLUMNS)
    for row in rows:
        spreadsheets.xlsx_append(sheet, row)
    book.save(target)

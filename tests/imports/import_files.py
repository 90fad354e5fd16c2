"""Registration list files for the import tests: CSV and XLSX from rows, as people and spreadsheets write them."""

import csv
import io
import re
import zipfile
from pathlib import Path

import openpyxl
from django.core.files.uploadedfile import SimpleUploadedFile

from imports.services.formats import COLUMNS

ROOT = Path(__file__).resolve().parent.parent.parent
SHEET = "xl/worksheets/sheet1.xml"


def row(**values: str) -> dict[str, str]:
    """A row of the list: a Dutch direct user using AGS, with one contact, and `values` changed."""
    return {
        "legal_name": "Van Dam Logistiek B.V.",
        "kvk_number": "12345678",
        "eori": "NL123456789",
        "role": "direct",
        "hub_eori": "",
        "flows": "AGS",
        "contact_name": "Anna de Vries",
        "contact_email": "anna@vandam.example",
        "contact_phone": "+31 20 1234567",
        "contact_language": "nl",
        "contact2_name": "",
        "contact2_email": "",
        "contact2_phone": "",
        "contact2_language": "",
    } | values


def csv_bytes(rows: list[dict[str, str]], *, columns=COLUMNS, delimiter=";", bom=False) -> bytes:
    text = io.StringIO()
    writer = csv.writer(text, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(columns)
    for values in rows:
        writer.writerow([values.get(column, "") for column in columns])
    return ("\ufeff" if bom else "").encode() + text.getvalue().encode("utf-8")


def xlsx_bytes(rows: list[list[object]], *, columns=COLUMNS) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(list(columns))
    for values in rows:
        sheet.append(values)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def upload(content: bytes, name: str = "registrations.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


def xlsx_part_changed(content: bytes, part: str, change) -> bytes:
    """The workbook with one part's XML changed by `change` (bytes -> bytes), as another program might write it."""
    source = zipfile.ZipFile(io.BytesIO(content))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            target.writestr(info.filename, change(data) if info.filename == part else data)
    return buffer.getvalue()


def xlsx_recorded_size(content: bytes, reference: str) -> bytes:
    """The workbook with its sheet's recorded size (`<dimension ref="...">`) set to `reference`, e.g. a stale "A1:C2"
    left by a program that added rows and columns after writing it."""
    return xlsx_part_changed(
        content,
        SHEET,
        lambda xml: re.sub(rb'<dimension ref="[^"]*" ?/>', f'<dimension ref="{reference}"/>'.encode(), xml),
    )


def xlsx_with_extra_part(content: bytes, name: str, data: bytes) -> bytes:
    """The workbook with one more part in its archive (compressed: a long run of zeros takes a few kilobytes)."""
    buffer = io.BytesIO(content)
    with zipfile.ZipFile(buffer, "a", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(name, data)
    return buffer.getvalue()

"""Registration list files for the import tests: CSV and XLSX from rows, as people and spreadsheets write them."""

import csv
import io
from pathlib import Path

import openpyxl
from django.core.files.uploadedfile import SimpleUploadedFile

from imports.services.formats import COLUMNS

ROOT = Path(__file__).resolve().parent.parent.parent


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

"""Real files of each accepted type, and a few impostors, for the document upload tests."""

import io
import zipfile

import openpyxl
from django.core.files.uploadedfile import SimpleUploadedFile

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def xlsx_bytes() -> bytes:
    workbook = openpyxl.Workbook()
    workbook.active.append(["flow", "window"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def docx_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<document/>")
    return buffer.getvalue()


def zip_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("schema.xsd", "<schema/>")
    return buffer.getvalue()


VALID = {
    "specification.pdf": (PDF, "pdf"),
    "schedule.xlsx": (xlsx_bytes(), "xlsx"),
    "guide.docx": (docx_bytes(), "docx"),
    "schemas.zip": (zip_bytes(), "zip"),
    "readme.txt": ("Berichtspecificatie – versie 2\n".encode(), "txt"),
    "codes.csv": (b"code;omschrijving\nAGS;Aangifte\n", "csv"),
}


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)

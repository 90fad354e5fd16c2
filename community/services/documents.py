"""Specifications and schedules for the HTG Community area: checking an upload, keeping it, removing it.

A file is accepted only when its name's extension and its content agree (magic bytes; for XLSX and DOCX the parts
inside the ZIP container; for TXT and CSV valid UTF-8 without NUL bytes), it is not empty and not larger than
HTG_DOCUMENT_MAX_BYTES. A refused upload writes nothing: neither a row nor a file.
"""

import codecs
import zipfile
from pathlib import PurePath
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _

from community.models import Document
from htg_migration import clock

T = Document.FileType
EXTENSIONS: dict[str, str] = {
    ".pdf": T.PDF,
    ".xlsx": T.XLSX,
    ".docx": T.DOCX,
    ".zip": T.ZIP,
    ".txt": T.TXT,
    ".csv": T.CSV,
}
CONTENT_TYPES: dict[str, str] = {
    T.PDF: "application/pdf",
    T.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    T.DOCX: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    T.ZIP: "application/zip",
    T.TXT: "text/plain; charset=utf-8",
    T.CSV: "text/csv; charset=utf-8",
}
ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")  # a ZIP with entries, an empty ZIP
TEXT_SNIFF_BYTES = 1_000_000


def _office_part(file: IO[bytes], folder: str) -> bool:
    """An OOXML file is a ZIP with [Content_Types].xml and its main folder (xl/ for XLSX, word/ for DOCX)."""
    try:
        with zipfile.ZipFile(file) as archive:
            names = archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return False
    finally:
        file.seek(0)
    return "[Content_Types].xml" in names and any(name.startswith(folder) for name in names)


def _is_zip(file: IO[bytes]) -> bool:
    try:
        with zipfile.ZipFile(file):
            return True
    except (zipfile.BadZipFile, OSError, ValueError):
        return False
    finally:
        file.seek(0)


def _is_utf8_text(file: IO[bytes]) -> bool:
    decoder = codecs.getincrementaldecoder("utf-8")()
    read = 0
    try:
        while read < TEXT_SNIFF_BYTES:
            chunk = file.read(65_536)
            if not chunk:
                decoder.decode(b"", final=True)
                break
            if b"\x00" in chunk:
                return False
            decoder.decode(chunk)
            read += len(chunk)
    except UnicodeDecodeError:
        return False
    finally:
        file.seek(0)
    return True


def _content_matches(file_type: str, file: IO[bytes]) -> bool:
    file.seek(0)
    head = file.read(8)
    file.seek(0)
    if file_type == T.PDF:
        return head.startswith(b"%PDF-")
    if file_type == T.ZIP:
        return head.startswith(ZIP_MAGIC) and _is_zip(file)
    if file_type == T.XLSX:
        return head.startswith(b"PK\x03\x04") and _office_part(file, "xl/")
    if file_type == T.DOCX:
        return head.startswith(b"PK\x03\x04") and _office_part(file, "word/")
    # TXT and CSV: text, and not a binary file renamed.
    return not head.startswith((b"%PDF-", *ZIP_MAGIC)) and _is_utf8_text(file)


def document_file_check(*, uploaded_file: UploadedFile | None) -> str:
    """The upload's file type (Document.FileType), or ValidationError on the field "file" saying what is wrong."""
    if uploaded_file is None:
        raise ValidationError({"file": [_("Choose a file to upload.")]})
    file_type = EXTENSIONS.get(PurePath(uploaded_file.name or "").suffix.lower())
    if file_type is None:
        raise ValidationError(
            {"file": [_("This type of file is not accepted. Upload a PDF, XLSX, DOCX, ZIP, TXT or CSV file.")]}
        )
    size = uploaded_file.size or 0
    limit = settings.HTG_DOCUMENT_MAX_BYTES
    if size == 0:
        raise ValidationError({"file": [_("The file is empty.")]})
    if size > limit:
        raise ValidationError(
            {"file": [_("The file is too large: at most %(limit)s MB.") % {"limit": f"{limit / 1_000_000:g}"}]}
        )
    if not _content_matches(file_type, uploaded_file):
        raise ValidationError(
            {
                "file": [
                    _("The content of this file is not %(type)s, although its name ends in %(extension)s.")
                    % {"type": T(file_type).label, "extension": PurePath(uploaded_file.name or "").suffix.lower()}
                ]
            }
        )
    return file_type


@transaction.atomic
def document_upload(
    *,
    title_nl: str,
    title_en: str,
    kind: str,
    uploaded_file: UploadedFile | None,
    uploaded_by: Any,
    plateau_number: int | None = None,
) -> Document:
    """Publish a document. Bad input: ValidationError (a message per field), and nothing is written."""
    errors: dict[str, list[str]] = {}
    if not title_nl.strip():
        errors["title_nl"] = [_("Give the title in Dutch.")]
    if not title_en.strip():
        errors["title_en"] = [_("Give the title in English.")]
    if kind not in Document.Kind.values:
        errors["kind"] = [_("Choose specification or schedule.")]
    try:
        file_type = document_file_check(uploaded_file=uploaded_file)
    except ValidationError as error:
        errors.update(error.message_dict)
    if errors:
        raise ValidationError(errors)
    assert uploaded_file is not None  # checked above
    name = PurePath(uploaded_file.name or "document").name[-200:]
    document = Document(
        title_nl=title_nl.strip(),
        title_en=title_en.strip(),
        kind=kind,
        plateau_number=plateau_number,
        file_name=name,
        file_type=file_type,
        size=uploaded_file.size or 0,
        uploaded_by=uploaded_by,
        uploaded_at=clock.now(),
    )
    document.full_clean(exclude=["file", "uploaded_by"])
    # The file is written last, once everything else is known to be right; a failed insert removes it again.
    document.file.save(name, uploaded_file, save=False)
    stored_name = document.file.name or ""
    try:
        document.save()
    except Exception:
        document.file.storage.delete(stored_name)
        raise
    return document


@transaction.atomic
def document_delete(*, document_id: int) -> Document | None:
    """Withdraw a document from the community area; its file is removed once the deletion is committed. Returns the
    withdrawn document (its fields as they were, without a pk), or None when there was none with this id."""
    document = Document.objects.select_for_update().filter(pk=document_id).first()
    if document is None:
        return None
    storage, name = document.file.storage, document.file.name or ""
    document.delete()
    transaction.on_commit(lambda: storage.delete(name))
    return document


def document_content_type(document: Document) -> str:
    return CONTENT_TYPES.get(document.file_type, "application/octet-stream")

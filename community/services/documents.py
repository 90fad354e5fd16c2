"""Specifications and schedules for the HTG Community area: checking an upload, keeping it, removing it.

An upload is checked by htg_migration.uploads (PDF, XLSX, DOCX, ZIP, TXT or CSV, its content agreeing with its name,
not empty, not larger than HTG_DOCUMENT_MAX_BYTES). A refused upload writes nothing: neither a row nor a file.
"""

from pathlib import PurePath
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _

from community.models import Document
from htg_migration import clock, uploads

T = Document.FileType
# Document.FileType's values are these types' extensions without the dot.
ACCEPTED = (uploads.PDF, uploads.XLSX, uploads.DOCX, uploads.ZIP, uploads.TXT, uploads.CSV)
EXTENSIONS = tuple(upload_type.extension for upload_type in ACCEPTED)
CONTENT_TYPES: dict[str, str] = {
    T.PDF: "application/pdf",
    T.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    T.DOCX: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    T.ZIP: "application/zip",
    T.TXT: "text/plain; charset=utf-8",
    T.CSV: "text/csv; charset=utf-8",
}


def document_file_check(*, uploaded_file: UploadedFile | None) -> str:
    """The upload's file type (Document.FileType), or ValidationError on the field "file" saying what is wrong."""
    upload_type = uploads.upload_check(
        uploaded_file=uploaded_file, accepted=ACCEPTED, max_bytes=settings.HTG_DOCUMENT_MAX_BYTES
    )
    return T(upload_type.extension.removeprefix("."))


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

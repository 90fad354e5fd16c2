"""One check for every uploaded file: the registration list import and the documents of the HTG Community area.

A file is accepted only when its name's extension is one the caller accepts, it is not empty, not larger than the
caller's limit, and its content agrees with its extension: magic bytes; for XLSX and DOCX the parts inside the ZIP
container; for TXT and CSV UTF-8 text without NUL bytes. A refusal is a ValidationError on the field "file", worded
the same whoever asked.
"""

import codecs
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import PurePath
from typing import IO

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")  # a ZIP with entries, an empty ZIP
TEXT_SNIFF_BYTES = 1_000_000


def _head(file: IO[bytes]) -> bytes:
    file.seek(0)
    head = file.read(8)
    file.seek(0)
    return head


def _zip_names(file: IO[bytes]) -> set[str] | None:
    """The names inside a ZIP archive, or None when the file is not one."""
    try:
        with zipfile.ZipFile(file) as archive:
            return set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return None
    finally:
        file.seek(0)


def _is_pdf(file: IO[bytes]) -> bool:
    return _head(file).startswith(b"%PDF-")


def _is_zip(file: IO[bytes]) -> bool:
    return _head(file).startswith(ZIP_MAGIC) and _zip_names(file) is not None


def _office_parts(file: IO[bytes], folder: str) -> set[str] | None:
    """The part names of an Office Open XML file whose content lives under `folder` ("xl/", "word/"), else None."""
    names = _zip_names(file) if _head(file).startswith(b"PK\x03\x04") else None
    if names is None or "[Content_Types].xml" not in names or not any(name.startswith(folder) for name in names):
        return None
    return names


def _is_xlsx(file: IO[bytes]) -> bool:
    names = _office_parts(file, "xl/")
    return names is not None and "xl/workbook.xml" in names


def _is_docx(file: IO[bytes]) -> bool:
    return _office_parts(file, "word/") is not None


def _is_utf8_text(file: IO[bytes]) -> bool:
    """UTF-8 without NUL bytes in the first TEXT_SNIFF_BYTES, and not a PDF or ZIP file renamed."""
    if _head(file).startswith((b"%PDF-", *ZIP_MAGIC)):
        return False
    decoder = codecs.getincrementaldecoder("utf-8")()
    read = 0
    try:
        while read < TEXT_SNIFF_BYTES:
            chunk = file.read(min(65_536, TEXT_SNIFF_BYTES - read))
            if not chunk:
                decoder.decode(b"", final=True)
                break
            if b"\x00" in chunk:
                return False
            decoder.decode(chunk)  # a character cut off at the end of what was read does not count
            read += len(chunk)
    except UnicodeDecodeError:
        return False
    finally:
        file.seek(0)
    return True


@dataclass(frozen=True)
class UploadType:
    """A kind of file an upload may be: its extension, its name in messages, how its content is recognised, and what
    to do when the content is not what the extension says (said after the refusal)."""

    extension: str
    label: str | Promise
    content_matches: Callable[[IO[bytes]], bool]
    hint: str | Promise = ""


PDF = UploadType(".pdf", "PDF", _is_pdf)
XLSX = UploadType(".xlsx", "Excel (XLSX)", _is_xlsx)
DOCX = UploadType(".docx", "Word (DOCX)", _is_docx)
ZIP = UploadType(".zip", "ZIP", _is_zip)
TXT = UploadType(".txt", gettext_lazy("Text (TXT)"), _is_utf8_text)
CSV = UploadType(".csv", "CSV", _is_utf8_text, gettext_lazy("In Excel choose “Save as” and the type “CSV UTF-8”."))


def _refused(message: str) -> ValidationError:
    return ValidationError({"file": [message]})


def upload_check(*, uploaded_file: UploadedFile | None, accepted: Sequence[UploadType], max_bytes: int) -> UploadType:
    """The accepted type the upload is, or ValidationError on the field "file" saying what is wrong with it."""
    if uploaded_file is None:
        raise _refused(_("Choose a file to upload."))
    extension = PurePath(uploaded_file.name or "").suffix.lower()
    upload_type = next((candidate for candidate in accepted if candidate.extension == extension), None)
    if upload_type is None:
        types = ", ".join(candidate.extension.lstrip(".").upper() for candidate in accepted)
        raise _refused(_("This type of file is not accepted. Upload one of these types: %(types)s.") % {"types": types})
    size = uploaded_file.size or 0
    if size == 0:
        raise _refused(_("The file is empty."))
    if size > max_bytes:
        raise _refused(_("The file is too large: at most %(limit)s MB.") % {"limit": f"{max_bytes / 1_000_000:g}"})
    if not upload_type.content_matches(uploaded_file):
        message = _("The content of this file is not %(type)s, although its name ends in %(extension)s.") % {
            "type": upload_type.label,
            "extension": extension,
        }
        raise _refused(f"{message} {upload_type.hint}" if upload_type.hint else message)
    return upload_type

"""One check for every uploaded file: the registration list import and the documents of the HTG Community area.

A file is accepted only when its name's extension is one the caller accepts, it is not empty, not larger than the
caller's limit, and its content agrees with its extension: magic bytes; for XLSX and DOCX the parts inside the ZIP
container; for TXT and CSV UTF-8 text without NUL bytes. A refusal is a ValidationError on the field "file", worded
the same whoever asked.

An XLSX or DOCX file is a ZIP archive of XML parts, which a program unpacks and parses, so two more checks run before
any of that: the sizes its parts unpack to, as the archive's central directory records them, add up to at most
HTG_UPLOAD_MAX_UNPACKED_BYTES (a "zip bomb" is refused without unpacking it: the standard library's zipfile, which
openpyxl reads through, never unpacks a part beyond its recorded size), and no part declares a document type (a DTD,
which Office Open XML never uses, and through which XML declares entities: "billion laughs", external entities).
"""

import codecs
import zipfile
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import PurePath
from typing import IO
from xml.parsers import expat

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")  # a ZIP with entries, an empty ZIP
TEXT_SNIFF_BYTES = 1_000_000
XML_PART_SUFFIXES = (".xml", ".rels", ".vml")
PROLOG_CHUNK_BYTES = 4096


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


class _RootElementReached(Exception):
    pass


def _declares_a_document_type(part: IO[bytes]) -> bool:
    """Whether an XML part declares a document type. Read only up to its root element: the XML standard allows the
    declaration nowhere else. Not well-formed XML is not judged here (reading the file reports it)."""
    parser = expat.ParserCreate()
    declared = False

    def document_type(*_arguments: object) -> None:
        nonlocal declared
        declared = True
        raise _RootElementReached

    def root_element(*_arguments: object) -> None:
        raise _RootElementReached

    parser.StartDoctypeDeclHandler = document_type
    parser.StartElementHandler = root_element
    try:
        while chunk := part.read(PROLOG_CHUNK_BYTES):
            parser.Parse(chunk, False)
    except _RootElementReached:
        pass
    except expat.ExpatError:
        return False
    return declared


def _office_package_refusal(file: IO[bytes]) -> str | None:
    """Why an Office Open XML file may not be unpacked and parsed (see the module's docstring), or None."""
    limit = settings.HTG_UPLOAD_MAX_UNPACKED_BYTES
    try:
        with zipfile.ZipFile(file) as archive:
            parts = archive.infolist()
            if sum(part.file_size for part in parts) > limit:
                return _("The file unpacks to more than %(limit)s MB, more than a workbook or document may hold.") % {
                    "limit": f"{limit / 1_000_000:g}"
                }
            for part in parts:
                if part.filename.lower().endswith(XML_PART_SUFFIXES):
                    with archive.open(part) as stream:
                        if _declares_a_document_type(stream):
                            return _(
                                "The file holds a document type declaration (DTD), which Excel and Word files never "
                                "hold. Save it again in Excel or Word and upload that file."
                            )
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError, NotImplementedError, ValueError):
        return _("The file cannot be unpacked: it is damaged. Save it again and upload that file.")
    finally:
        file.seek(0)
    return None


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
    is_office_package: bool = False  # unpacked and parsed by a program: its unpacked size and its XML are checked


PDF = UploadType(".pdf", "PDF", _is_pdf)
XLSX = UploadType(".xlsx", "Excel (XLSX)", _is_xlsx, is_office_package=True)
DOCX = UploadType(".docx", "Word (DOCX)", _is_docx, is_office_package=True)
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
    if upload_type.is_office_package and (refusal := _office_package_refusal(uploaded_file)):
        raise _refused(refusal)
    return upload_type

"""One upload check for the registration list import and the documents: a bad file is refused by both with the same
message, and neither keeps anything."""

import io
import zipfile

import openpyxl
import pytest
from django.core.exceptions import ValidationError

from community.models import Document
from community.services.documents import document_file_check, document_upload
from imports.models import ImportBatch
from imports.services import import_batch_create, import_file_check
from tests.connections.factories import UserFactory
from tests.notifications.document_files import PDF, docx_bytes, upload, xlsx_bytes

pytestmark = pytest.mark.django_db

NOT_CSV = (
    "The content of this file is not CSV, although its name ends in .csv. "
    "In Excel choose “Save as” and the type “CSV UTF-8”."
)
NOT_XLSX = "The content of this file is not Excel (XLSX), although its name ends in .xlsx."


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def _refusals(make_file):
    """The "file" messages of the import and of the document upload, each given its own copy of the file."""
    refusals = []
    for create in (
        lambda: import_batch_create(created_by=UserFactory(), uploaded_file=make_file()),
        lambda: document_upload(
            title_nl="Lijst", title_en="List", kind="schedule", uploaded_file=make_file(), uploaded_by=None
        ),
    ):
        with pytest.raises(ValidationError) as refusal:
            create()
        refusals.append(refusal.value.message_dict)
    return refusals


def _nothing_kept(media_root):
    stored = [path for path in media_root.rglob("*") if path.is_file()] if media_root.exists() else []
    return (ImportBatch.objects.count(), Document.objects.count(), stored) == (0, 0, [])


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        pytest.param("list.csv", b"", "The file is empty.", id="empty"),
        pytest.param("list.csv", PDF, NOT_CSV, id="PDF named .csv"),
        pytest.param("list.csv", xlsx_bytes(), NOT_CSV, id="workbook named .csv"),
        pytest.param("list.csv", "legal_name;eori\r\nCafé;NL1\r\n".encode("cp1252"), NOT_CSV, id="not UTF-8"),
        pytest.param("list.csv", b"legal_name;eori\r\n\x00\x01", NOT_CSV, id="NUL bytes"),
        pytest.param("list.xlsx", b"legal_name;eori\r\n", NOT_XLSX, id="CSV named .xlsx"),
        pytest.param("list.xlsx", docx_bytes(), NOT_XLSX, id="DOCX named .xlsx"),
        pytest.param("list.xlsx", b"PK\x03\x04 broken", NOT_XLSX, id="broken ZIP named .xlsx"),
    ],
)
def test_a_bad_file_is_refused_by_the_import_and_the_documents_with_the_same_message(
    name, content, message, media_root
):
    refusals = _refusals(lambda: upload(name, content))

    assert refusals == [{"file": [message]}, {"file": [message]}]
    assert _nothing_kept(media_root)


def test_no_file_and_a_file_over_the_limit_are_refused_by_both_with_the_same_message(settings, media_root):
    # given: the same limit for both
    settings.HTG_IMPORT_MAX_BYTES = settings.HTG_DOCUMENT_MAX_BYTES = 1_000

    # then
    no_file = {"file": ["Choose a file to upload."]}
    assert _refusals(lambda: None) == [no_file, no_file]
    too_large = {"file": ["The file is too large: at most 0.001 MB."]}
    assert _refusals(lambda: upload("list.csv", b"a" * 1_001)) == [too_large, too_large]
    assert _nothing_kept(media_root)
    # exactly at the limit both accept it
    assert import_file_check(uploaded_file=upload("list.csv", b"a" * 1_000)) == "csv"
    assert document_file_check(uploaded_file=upload("list.csv", b"a" * 1_000)) == "csv"


def test_a_good_file_of_a_type_both_take_is_accepted_by_both():
    assert import_file_check(uploaded_file=upload("list.xlsx", xlsx_bytes())) == "xlsx"
    assert document_file_check(uploaded_file=upload("list.xlsx", xlsx_bytes())) == "xlsx"
    assert import_file_check(uploaded_file=upload("list.csv", "legal_name;eori\r\nCafé;NL1\r\n".encode())) == "csv"
    assert document_file_check(uploaded_file=upload("list.csv", "legal_name;eori\r\nCafé;NL1\r\n".encode())) == "csv"


def test_each_names_the_types_it_takes_when_the_type_is_refused(media_root):
    refusals = _refusals(lambda: upload("list.xls", b"\xd0\xcf\x11\xe0"))

    assert refusals == [
        {"file": ["This type of file is not accepted. Upload one of these types: CSV, XLSX."]},
        {"file": ["This type of file is not accepted. Upload one of these types: PDF, XLSX, DOCX, ZIP, TXT, CSV."]},
    ]
    assert _nothing_kept(media_root)


def _part_added(content: bytes, name: str, data: bytes) -> bytes:
    buffer = io.BytesIO(content)
    with zipfile.ZipFile(buffer, "a", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(name, data)
    return buffer.getvalue()


def _doctype_first(content: bytes, part: str, doctype: bytes) -> bytes:
    """The package with `doctype` put in front of one part's XML (after its XML declaration, if it has one)."""
    source = zipfile.ZipFile(io.BytesIO(content))
    assert part in source.namelist()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == part:
                declaration, _mark, rest = data.partition(b"?>") if data.startswith(b"<?xml") else (b"", b"", data)
                data = declaration + _mark + doctype + rest
            target.writestr(info.filename, data)
    return buffer.getvalue()


@pytest.fixture
def openpyxl_untouched(monkeypatch):
    """Fail the test if anything opens a workbook: the refusals below come before any parsing."""

    def load_workbook(*_args, **_kwargs):
        raise AssertionError("openpyxl opened the file")

    monkeypatch.setattr(openpyxl, "load_workbook", load_workbook)


def test_a_zip_bomb_is_refused_by_both_before_it_is_unpacked(settings, media_root, openpyxl_untouched):
    # given: a limit of 1 MB, and a workbook and a document with a part that unpacks to 2 MB (of zeros: 2 kB packed)
    settings.HTG_UPLOAD_MAX_UNPACKED_BYTES = 1_000_000
    bombs = {
        "list.xlsx": _part_added(xlsx_bytes(), "xl/media/zeros.bin", bytes(2_000_000)),
        "guide.docx": _part_added(docx_bytes(), "word/media/zeros.bin", bytes(2_000_000)),
    }
    assert all(len(content) < 20_000 for content in bombs.values())
    refused = {"file": ["The file unpacks to more than 1 MB, more than a workbook or document may hold."]}

    # then
    assert _refusals(lambda: upload("list.xlsx", bombs["list.xlsx"])) == [refused, refused]
    with pytest.raises(ValidationError) as document_refusal:
        document_file_check(uploaded_file=upload("guide.docx", bombs["guide.docx"]))
    assert document_refusal.value.message_dict == refused
    assert _nothing_kept(media_root)
    # and the same parts, within the limit, are accepted
    settings.HTG_UPLOAD_MAX_UNPACKED_BYTES = 3_000_000
    assert import_file_check(uploaded_file=upload("list.xlsx", bombs["list.xlsx"])) == "xlsx"
    assert document_file_check(uploaded_file=upload("guide.docx", bombs["guide.docx"])) == "docx"


@pytest.mark.parametrize(
    ("part", "doctype"),
    [
        pytest.param("xl/worksheets/sheet1.xml", b"<!DOCTYPE worksheet>", id="a bare DTD in the sheet"),
        pytest.param(
            "xl/styles.xml",
            b'<!DOCTYPE styleSheet [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>',
            id="entities (billion laughs) in the styles",
        ),
        pytest.param(
            "xl/workbook.xml",
            b'<!DOCTYPE workbook [<!ENTITY secret SYSTEM "file:///etc/passwd">]>',
            id="an external entity in the workbook",
        ),
        pytest.param("[Content_Types].xml", b"<!DOCTYPE Types>", id="a DTD in the content types"),
    ],
)
def test_a_workbook_that_declares_a_document_type_is_refused_by_both(part, doctype, media_root, openpyxl_untouched):
    # given
    workbook = openpyxl.Workbook()
    workbook.active.append(["legal_name", "eori"])
    workbook.active.append(["Van Dam B.V.", "NL123456789"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    content = _doctype_first(buffer.getvalue(), part, doctype)

    # when
    refusals = _refusals(lambda: upload("list.xlsx", content))

    # then
    refused = {
        "file": [
            "The file holds a document type declaration (DTD), which Excel and Word files never hold. "
            "Save it again in Excel or Word and upload that file."
        ]
    }
    assert refusals == [refused, refused]
    assert _nothing_kept(media_root)


def test_a_workbook_whose_xml_cannot_be_unpacked_is_refused_by_both(media_root, openpyxl_untouched):
    # given: the packed bytes of the workbook part garbled (its name and place in the archive intact)
    content = bytearray(xlsx_bytes())
    part = zipfile.ZipFile(io.BytesIO(bytes(content))).getinfo("xl/workbook.xml")
    start = part.header_offset + 30 + len(part.filename.encode()) + len(part.extra)
    content[start : start + part.compress_size] = b"\xff" * part.compress_size

    # when
    refusals = _refusals(lambda: upload("list.xlsx", bytes(content)))

    # then
    refused = {"file": ["The file cannot be unpacked: it is damaged. Save it again and upload that file."]}
    assert refusals == [refused, refused]
    assert _nothing_kept(media_root)

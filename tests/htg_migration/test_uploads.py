"""One upload check for the registration list import and the documents: a bad file is refused by both with the same
message, and neither keeps anything."""

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

"""Specifications and schedules: only real PDF, XLSX, DOCX, ZIP, TXT and CSV files within the size limit are kept."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from community.models import Document
from community.services.documents import document_delete, document_upload
from tests.connections.factories import team_member
from tests.notifications.document_files import PDF, VALID, docx_bytes, upload, xlsx_bytes, zip_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def _stored_files(media_root):
    return sorted(path.name for path in media_root.rglob("*") if path.is_file()) if media_root.exists() else []


def _upload(uploaded_file, **changes):
    fields = {"title_nl": "Specificatie AGS", "title_en": "AGS specification", "kind": "specification"}
    fields.update(changes)
    return document_upload(uploaded_file=uploaded_file, uploaded_by=None, **fields)


@pytest.mark.parametrize("name", sorted(VALID))
def test_each_accepted_type_is_kept_with_its_name_type_and_size(name, media_root):
    content, file_type = VALID[name]

    document = _upload(upload(name, content), plateau_number=1)

    document.refresh_from_db()
    assert (document.file_name, document.file_type, document.size, document.plateau_number) == (
        name,
        file_type,
        len(content),
        1,
    )
    assert document.file.read() == content
    assert _stored_files(media_root) == [name]


WRONG_TYPE = "This type of file is not accepted. Upload one of these types: PDF, XLSX, DOCX, ZIP, TXT, CSV."
NOT_CSV = (
    "The content of this file is not CSV, although its name ends in .csv. "
    "In Excel choose “Save as” and the type “CSV UTF-8”."
)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        (
            "setup.exe",
            b"MZ\x90\x00",
            WRONG_TYPE,
        ),
        ("noextension", PDF, WRONG_TYPE),
        (
            "spec.html",
            b"<html></html>",
            WRONG_TYPE,
        ),
        ("empty.pdf", b"", "The file is empty."),
        ("fake.pdf", b"MZ\x90\x00 not a pdf", "The content of this file is not PDF, although its name ends in .pdf."),
        ("sheet.xlsx", docx_bytes(), "The content of this file is not Excel (XLSX), although its name ends in .xlsx."),
        ("letter.docx", xlsx_bytes(), "The content of this file is not Word (DOCX), although its name ends in .docx."),
        ("letter.docx", zip_bytes(), "The content of this file is not Word (DOCX), although its name ends in .docx."),
        ("archive.zip", PDF, "The content of this file is not ZIP, although its name ends in .zip."),
        ("archive.zip", b"PK\x03\x04 broken", "The content of this file is not ZIP, although its name ends in .zip."),
        ("notes.txt", PDF, "The content of this file is not Text (TXT), although its name ends in .txt."),
        ("notes.txt", b"\x00\x01binary", "The content of this file is not Text (TXT), although its name ends in .txt."),
        ("codes.csv", "café".encode("latin-1"), NOT_CSV),
        ("codes.csv", zip_bytes(), NOT_CSV),
    ],
)
def test_a_wrong_type_or_an_impostor_is_refused_and_nothing_is_written(name, content, message, media_root):
    with pytest.raises(ValidationError) as refusal:
        _upload(upload(name, content))

    assert refusal.value.message_dict == {"file": [message]}
    assert Document.objects.count() == 0
    assert _stored_files(media_root) == []


def test_a_file_over_the_limit_is_refused(settings, media_root):
    settings.HTG_DOCUMENT_MAX_BYTES = 1_000

    with pytest.raises(ValidationError) as refusal:
        _upload(upload("big.txt", b"a" * 1_001))

    assert refusal.value.message_dict == {"file": ["The file is too large: at most 0.001 MB."]}
    assert (Document.objects.count(), _stored_files(media_root)) == (0, [])
    # exactly at the limit it is kept
    assert _upload(upload("big.txt", b"a" * 1_000)).size == 1_000


def test_missing_titles_kind_and_file_are_all_reported_and_nothing_is_written(media_root):
    with pytest.raises(ValidationError) as refusal:
        document_upload(title_nl=" ", title_en="", kind="poster", uploaded_file=None, uploaded_by=None)

    assert refusal.value.message_dict == {
        "title_nl": ["Give the title in Dutch."],
        "title_en": ["Give the title in English."],
        "kind": ["Choose specification or schedule."],
        "file": ["Choose a file to upload."],
    }
    assert (Document.objects.count(), _stored_files(media_root)) == (0, [])


def test_withdrawing_a_document_removes_the_row_and_then_its_file(media_root, django_capture_on_commit_callbacks):
    document = _upload(upload("specification.pdf", PDF))

    with django_capture_on_commit_callbacks(execute=True):
        document_delete(document_id=document.pk)

    assert (Document.objects.count(), _stored_files(media_root)) == (0, [])


# --- the admin uses the same checks ---


def test_the_admin_refuses_an_impostor_and_keeps_a_real_file(admin_client, admin_user, media_root):
    url = reverse("admin:community_document_add")
    fields = {"title_nl": "Planning", "title_en": "Schedule", "kind": "schedule", "plateau_number": ""}

    refused = admin_client.post(url, {**fields, "file": upload("planning.xlsx", PDF)})

    assert refused.status_code == 200
    assert "The content of this file is not Excel (XLSX), although its name ends in .xlsx." in refused.content.decode()
    assert (Document.objects.count(), _stored_files(media_root)) == (0, [])

    kept = admin_client.post(url, {**fields, "file": upload("planning.xlsx", xlsx_bytes())})

    assert kept.status_code == 302
    document = Document.objects.get()
    assert (document.file_type, document.file_name, document.uploaded_by) == ("xlsx", "planning.xlsx", admin_user)


# --- the team's page ---


def test_the_team_publishes_a_document_and_sees_an_impostor_refused(client, media_root):
    client.force_login(team_member())
    url = reverse("community:document_list")
    fields = {"title_nl": "Specificatie", "title_en": "Specification", "kind": "specification", "plateau_number": "2"}

    refused = client.post(url, {**fields, "file": upload("spec.pdf", b"GIF89a")})

    assert refused.status_code == 400
    assert "The content of this file is not PDF, although its name ends in .pdf." in refused.content.decode()
    assert (Document.objects.count(), _stored_files(media_root)) == (0, [])

    published = client.post(url, {**fields, "file": upload("spec.pdf", PDF)}, follow=True)

    assert [str(message) for message in published.context["messages"]] == [
        "Published in the HTG Community area: Specification."
    ]
    document = Document.objects.get()
    assert (document.plateau_number, document.kind) == (2, "specification")
    download = client.get(reverse("community:document_download", args=[document.pk]))
    assert b"".join(download.streaming_content) == PDF


def test_the_team_withdraws_a_document(client, media_root):
    client.force_login(team_member())
    document = _upload(upload("specification.pdf", PDF))

    response = client.post(reverse("community:document_delete", args=[document.pk]))

    assert response.status_code == 302
    assert Document.objects.count() == 0


def test_the_team_page_is_for_the_team_only(client, media_root):
    from tests.connections.factories import helpdesk_member
    from tests.connections.portal_factories import company_contact

    url = reverse("community:document_list")
    assert client.get(url).status_code == 302  # to the sign-in page
    for user in (helpdesk_member(), company_contact().user):
        client.force_login(user)
        assert client.get(url).status_code == 403
        assert client.post(url, {"title_nl": "x", "title_en": "x", "kind": "schedule"}).status_code == 403
    assert Document.objects.count() == 0


def test_the_admin_shows_a_published_file_as_the_teams_download_link(admin_client, media_root):
    document = _upload(upload("specification.pdf", PDF))

    page = admin_client.get(reverse("admin:community_document_change", args=[document.pk]))

    assert page.status_code == 200
    html = page.content.decode()
    assert f'href="/team/documents/{document.pk}/download/"' in html
    assert "/media/" not in html

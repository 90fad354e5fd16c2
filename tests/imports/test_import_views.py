"""The import and export pages: who may open them, uploads refused, the report, the import, the export."""

import io

import openpyxl
import pytest
from django.urls import reverse

from connections.models import Connection, Customer
from connections.services.staff import staff_groups_sync
from imports.models import ImportBatch
from imports.services.formats import COLUMNS
from tests.connections.factories import ConnectionFactory, CustomerFactory, UserFactory, helpdesk_member, team_member
from tests.imports.import_files import (
    SHEET,
    csv_bytes,
    row,
    upload,
    xlsx_bytes,
    xlsx_part_changed,
    xlsx_with_extra_part,
)

pytestmark = pytest.mark.django_db

LIST_URL = reverse("imports:import_list")
EXPORT_URL = reverse("imports:connection_export")


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def team_client(client):
    staff_groups_sync()
    user = team_member(first_name="Tessa", last_name="de Boer")
    client.force_login(user)
    client.user = user
    return client


def _batch(**values) -> ImportBatch:
    values = {"created_by": UserFactory(), "original_name": "lijst.csv", "file_format": "csv", **values}
    return ImportBatch.objects.create(file="imports/lijst.csv", **values)


def _urls(batch: ImportBatch) -> list[tuple[str, str]]:
    return [
        ("get", LIST_URL),
        ("post", LIST_URL),
        ("get", reverse("imports:import_detail", args=[batch.pk])),
        ("get", reverse("imports:import_progress", args=[batch.pk])),
        ("post", reverse("imports:import_apply", args=[batch.pk])),
        ("post", reverse("imports:import_resume", args=[batch.pk])),
        ("get", EXPORT_URL),
    ]


def test_anonymous_is_sent_to_sign_in_and_helpdesk_and_other_staff_are_refused(client):
    # given
    staff_groups_sync()
    batch = _batch(status="valid")

    # when / then: anonymous
    for method, url in _urls(batch):
        response = getattr(client, method)(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("login")), url

    # when / then: the helpdesk and staff outside the teams
    for user in (helpdesk_member(), UserFactory()):
        client.force_login(user)
        for method, url in _urls(batch):
            assert getattr(client, method)(url).status_code == 403, url

    # and nothing happened
    batch.refresh_from_db()
    assert batch.status == "valid"
    assert ImportBatch.objects.count() == 1


WRONG_TYPE = "This type of file is not accepted. Upload one of these types: CSV, XLSX."
NOT_CSV = (
    "The content of this file is not CSV, although its name ends in .csv. "
    "In Excel choose “Save as” and the type “CSV UTF-8”."
)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        pytest.param("lijst.xls", b"\xd0\xcf\x11\xe0", WRONG_TYPE, id="xls"),
        pytest.param("lijst.pdf", b"%PDF-1.4", WRONG_TYPE, id="pdf"),
        pytest.param(
            "lijst.xlsx",
            b"legal_name;eori\r\n",
            "The content of this file is not Excel (XLSX), although its name ends in .xlsx.",
            id="CSV named .xlsx",
        ),
        pytest.param(
            "lijst.csv",
            xlsx_bytes([]),
            NOT_CSV,
            id="workbook named .csv",
        ),
        pytest.param(
            "lijst.csv",
            "legal_name;eori\r\nCafé;NL1\r\n".encode("cp1252"),
            NOT_CSV,
            id="CSV not in UTF-8",
        ),
        pytest.param("lijst.csv", b"", "The file is empty.", id="empty"),
    ],
)
def test_a_wrong_kind_of_file_is_refused_with_a_clear_message_and_nothing_is_kept(team_client, name, content, message):
    # when
    response = team_client.post(LIST_URL, {"file": upload(content, name)})

    # then
    assert response.status_code == 400
    assert response.context["file_errors"] == [message]
    assert message in response.content.decode()
    assert ImportBatch.objects.count() == 0


def test_an_upload_without_a_file_is_refused(team_client):
    response = team_client.post(LIST_URL, {})
    assert response.status_code == 400
    assert response.context["file_errors"] == ["Choose a file to upload."]
    assert ImportBatch.objects.count() == 0


def test_a_file_over_the_size_limit_is_refused(team_client, settings):
    # given
    settings.HTG_IMPORT_MAX_BYTES = 1_000
    content = csv_bytes([row(eori=f"NL{100000000 + n}", kvk_number=f"{10000000 + n}") for n in range(20)])
    assert len(content) > 1_000

    # when
    response = team_client.post(LIST_URL, {"file": upload(content)})

    # then
    assert response.status_code == 400
    assert response.context["file_errors"] == ["The file is too large: at most 0.001 MB."]
    assert ImportBatch.objects.count() == 0


def test_an_upload_is_checked_then_imported_on_request(team_client, django_capture_on_commit_callbacks):
    # when: a valid file is uploaded
    with django_capture_on_commit_callbacks(execute=True):
        response = team_client.post(LIST_URL, {"file": upload(csv_bytes([row(flows="AGS;NCTS")]), "lijst.csv")})

    # then: its page shows what the import will do
    batch = ImportBatch.objects.get()
    detail = reverse("imports:import_detail", args=[batch.pk])
    assert response.status_code == 302
    assert response["Location"] == detail
    assert (batch.created_by, batch.original_name, batch.file_format, batch.status) == (
        team_client.user,
        "lijst.csv",
        "csv",
        "valid",
    )
    page = team_client.get(detail)
    assert page.context["running"] is False
    assert "No errors: this is what the import will do" in page.content.decode()
    assert Customer.objects.count() == 0

    # when: the team member imports it
    with django_capture_on_commit_callbacks(execute=True):
        response = team_client.post(reverse("imports:import_apply", args=[batch.pk]))

    # then
    assert response["Location"] == detail
    batch.refresh_from_db()
    assert (batch.status, batch.created_customers, batch.created_connections) == ("applied", 1, 2)
    assert Connection.objects.filter(customer__eori="NL123456789").count() == 2
    assert "Connections added" in team_client.get(detail).content.decode()


def test_the_report_is_shown_in_the_language_of_the_reader(team_client, django_capture_on_commit_callbacks):
    # given
    with django_capture_on_commit_callbacks(execute=True):
        team_client.post(LIST_URL, {"file": upload(csv_bytes([row(kvk_number="123")]))})
    detail = reverse("imports:import_detail", args=[ImportBatch.objects.get().pk])

    # when
    english = team_client.get(detail, headers={"accept-language": "en"})
    dutch = team_client.get(detail, headers={"accept-language": "nl"})

    # then
    assert english.context["errors"] == [
        {"line": 2, "field": "kvk_number", "message": "A KvK number has exactly 8 digits, for example 12345678."}
    ]
    assert dutch.context["errors"] == [
        {"line": 2, "field": "kvk_number", "message": "Een KvK-nummer heeft precies 8 cijfers, bijvoorbeeld 12345678."}
    ]
    assert "Een KvK-nummer heeft precies 8 cijfers" in dutch.content.decode()


def test_importing_a_batch_with_errors_is_refused(team_client):
    # given
    batch = _batch(status="invalid", error_count=1)

    # when
    response = team_client.post(reverse("imports:import_apply", args=[batch.pk]), follow=True)

    # then
    assert "Only a checked file without errors can be imported" in response.content.decode()
    batch.refresh_from_db()
    assert batch.status == "invalid"


def test_the_progress_endpoint_reads_the_batch_row(team_client):
    # given
    checking = _batch(status="validating", total_rows=10_000, processed_rows=4_000)
    imported = _batch(status="applied", total_rows=10, processed_rows=10)

    # when / then
    progress = reverse("imports:import_progress", args=[checking.pk])
    assert team_client.get(progress).json() == {"done": 4_000, "total": 10_000, "finished": False}
    progress = reverse("imports:import_progress", args=[imported.pk])
    assert team_client.get(progress).json() == {"done": 10, "total": 10, "finished": True}
    page = team_client.get(reverse("imports:import_detail", args=[checking.pk]))
    assert page.context["running"] is True
    assert 'data-progress-url="' + progress.replace(str(imported.pk), str(checking.pk)) in page.content.decode()


def test_start_again_queues_the_lost_task_of_a_batch_that_is_still_running(
    team_client, django_capture_on_commit_callbacks
):
    # given: a batch uploaded, its check task lost
    with django_capture_on_commit_callbacks(execute=False):
        team_client.post(LIST_URL, {"file": upload(csv_bytes([row()]))})
    batch = ImportBatch.objects.get()
    assert batch.status == "uploaded"

    # when
    with django_capture_on_commit_callbacks(execute=True):
        team_client.post(reverse("imports:import_resume", args=[batch.pk]))

    # then
    batch.refresh_from_db()
    assert batch.status == "valid"


def test_the_import_list_query_count_is_the_same_for_two_rows_and_for_twelve(team_client, django_assert_num_queries):
    # given
    for _ in range(2):
        _batch(status="invalid", errors=[{"line": 2, "field": "eori", "message_en": "x", "message_nl": "x"}])

    # when / then: session, user, their groups, the batches with their uploaders
    with django_assert_num_queries(4):
        response = team_client.get(LIST_URL)
    assert len(response.context["batches"]) == 2

    for _ in range(10):
        _batch(status="applied")
    with django_assert_num_queries(4):
        response = team_client.get(LIST_URL)
    assert len(response.context["batches"]) == 12


def test_the_export_streams_the_filtered_list_as_csv(team_client, programme_flows):
    # given
    kept = CustomerFactory(legal_name="Noord B.V.", eori="NL400000001", kvk_number="40000001")
    ConnectionFactory(customer=kept, flow=programme_flows["NCTS"])
    ConnectionFactory(customer=kept, flow=programme_flows["AGS"])
    ConnectionFactory(customer=CustomerFactory(legal_name="Zuid B.V."), flow=programme_flows["AGS"])

    # when
    response = team_client.get(EXPORT_URL, {"flow": "NCTS", "format": "csv"})

    # then
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="digipoort-registrations-')
    lines = b"".join(response.streaming_content).decode("utf-8").splitlines()
    assert lines == [
        "\ufefflegal_name;kvk_number;eori;role;hub_eori;flows;contact_name;contact_email;contact_phone;"
        "contact_language;contact2_name;contact2_email;contact2_phone;contact2_language",
        'Noord B.V.;40000001;NL400000001;direct;;"AGS;NCTS";;;;;;;;',  # quoted: ";" separates cells too
    ]


def test_the_export_as_xlsx_is_a_workbook_in_the_same_columns(team_client):
    # given
    ConnectionFactory(customer=CustomerFactory(legal_name="Noord B.V.", eori="NL400000001", kvk_number="04000001"))

    # when
    response = team_client.get(EXPORT_URL, {"format": "xlsx"})

    # then
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    values = list(workbook.worksheets[0].iter_rows(values_only=True))
    assert values[0][:6] == ("legal_name", "kvk_number", "eori", "role", "hub_eori", "flows")
    assert values[1][:6] == ("Noord B.V.", "04000001", "NL400000001", "direct", None, "AGS")


def test_the_export_refuses_an_unknown_format(team_client):
    response = team_client.get(EXPORT_URL, {"format": "pdf"})
    assert response.status_code == 400
    assert response.content.decode() == "Choose the format csv or xlsx."


def test_the_connection_list_links_to_the_export_of_its_filter(team_client):
    # given
    ConnectionFactory()

    # when
    response = team_client.get(reverse("connections:connection_list"), {"flow": "AGS", "state": "planned"})

    # then
    content = response.content.decode()
    assert f'href="{EXPORT_URL}?flow=AGS&amp;state=planned&amp;format=csv"' in content
    assert f'href="{EXPORT_URL}?flow=AGS&amp;state=planned&amp;format=xlsx"' in content


def test_a_zip_bomb_and_a_workbook_with_a_dtd_are_refused_at_the_upload_before_any_parsing(
    team_client, settings, monkeypatch
):
    # given: nothing may open a workbook; a limit of 1 MB unpacked
    monkeypatch.setattr(openpyxl, "load_workbook", lambda *args, **kwargs: pytest.fail("openpyxl opened the file"))
    settings.HTG_UPLOAD_MAX_UNPACKED_BYTES = 1_000_000
    workbook = xlsx_bytes([["Van Dam B.V.", "12345678", "NL123456789"]], columns=COLUMNS[:3])
    bomb = xlsx_with_extra_part(workbook, "xl/media/zeros.bin", bytes(2_000_000))
    dtd = xlsx_part_changed(workbook, SHEET, lambda xml: b'<!DOCTYPE x [<!ENTITY a "b">]>' + xml)

    for content, message in (
        (bomb, "The file unpacks to more than 1 MB, more than a workbook or document may hold."),
        (
            dtd,
            "The file holds a document type declaration (DTD), which Excel and Word files never hold. "
            "Save it again in Excel or Word and upload that file.",
        ),
    ):
        # when
        response = team_client.post(LIST_URL, {"file": upload(content, "lijst.xlsx")})

        # then
        assert response.status_code == 400
        assert response.context["file_errors"] == [message]
    assert ImportBatch.objects.count() == 0

"""Importing the registration list in a real browser: an error report, a corrected file, the import, its summary."""

import pytest
from playwright.sync_api import expect

from connections.models import Connection, Customer
from connections.services.staff import staff_groups_sync
from imports.models import ImportBatch
from tests.browser.conftest import assert_accessible, sign_in, staff_user
from tests.connections.factories import team_member
from tests.imports.import_files import csv_bytes, row

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
PASSWORD = "correct horse battery staple"


@pytest.fixture
def tessa(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    staff_groups_sync()
    return staff_user(team_member, "tessa", PASSWORD, first_name="Tessa", last_name="de Boer")


def _csv(kvk_number: str) -> dict:
    rows = [
        row(hub_eori="NL987654321", flows="AGS;NCTS"),
        row(legal_name="Hub Rotterdam B.V.", eori="NL987654321", kvk_number=kvk_number, role="hub",
            contact_name="Henk Bos", contact_email="henk@hub.example"),
    ]  # fmt: skip
    return {"name": "registraties.csv", "mimeType": "text/csv", "buffer": csv_bytes(rows)}


def _value(region, term: str):
    """The value of a term in a description list."""
    return region.locator(f"dt:text-is('{term}') + dd")


def test_an_import_with_an_error_report_then_corrected_and_imported(page, live_server, tessa):
    # given: she signs in and opens import and export
    sign_in(page, live_server, "tessa", PASSWORD)
    page.get_by_role("link", name="Import and export").click()
    expect(page.get_by_role("heading", name="Import and export", level=1)).to_be_visible()
    assert_accessible(page)

    # when: she uploads a list whose hub has a KvK number of seven digits
    page.get_by_label("File (CSV or XLSX)").set_input_files(_csv("8765432"))
    page.get_by_role("button", name="Upload and check").click()

    # then: the report names the line, the column and what is wrong; nothing was written
    expect(page.get_by_role("heading", name="Errors: nothing was written")).to_be_visible()
    expect(page.get_by_text("Errors found: 1, in a file of 2 rows.")).to_be_visible()
    report = page.get_by_role("table", name="Errors, by line")
    expect(report.get_by_role("row")).to_have_count(2)
    expect(report.get_by_role("row").nth(1).get_by_role("cell")).to_have_text(
        ["3", "kvk_number", "A KvK number has exactly 8 digits, for example 12345678."]
    )
    assert Customer.objects.count() == 0
    assert_accessible(page)

    # when: she corrects the file and uploads it again
    page.get_by_role("link", name="Upload a corrected file").click()
    page.get_by_label("File (CSV or XLSX)").set_input_files(_csv("87654321"))
    page.get_by_role("button", name="Upload and check").click()

    # then: what the import will do, before anything is written
    expect(page.get_by_role("heading", name="No errors: this is what the import will do")).to_be_visible()
    plan = page.get_by_role("region", name="No errors: this is what the import will do")
    expect(_value(plan, "New companies")).to_have_text("2")
    expect(_value(plan, "Companies updated")).to_have_text("0")
    expect(_value(plan, "New connections")).to_have_text("3")
    assert Customer.objects.count() == 0
    assert_accessible(page)

    # when: she imports it
    page.get_by_role("button", name="Import", exact=True).click()

    # then: the summary, and the companies with their hub and planned connections are there
    summary = page.get_by_role("region", name="Imported")
    expect(_value(summary, "Companies added")).to_have_text("2")
    expect(_value(summary, "Connections added")).to_have_text("3")
    expect(page.get_by_text("Status: Imported")).to_be_visible()
    assert_accessible(page)
    assert Customer.objects.get(eori="NL123456789").hub.eori == "NL987654321"
    assert Connection.objects.filter(state="planned").count() == 3

    # and: the list of imports shows both uploads
    page.get_by_role("link", name="Back to import and export").click()
    expect(page.get_by_role("link", name="registraties.csv")).to_have_count(2)
    assert_accessible(page)


def test_a_batch_being_checked_shows_its_progress_and_then_its_outcome(page, live_server, tessa):
    # given: a batch halfway through its check (as a worker leaves it)
    batch = ImportBatch.objects.create(
        created_by=tessa,
        file="imports/lijst.csv",
        original_name="lijst.csv",
        file_format="csv",
        status="validating",
        total_rows=100,
        processed_rows=40,
    )
    sign_in(page, live_server, "tessa", PASSWORD)

    # when
    page.goto(f"{live_server.url}/team/imports/{batch.pk}/")

    # then: a progress bar with the rows checked, and the page is accessible
    expect(page.get_by_role("progressbar", name="Rows checked")).to_have_attribute("value", "40")
    assert_accessible(page)

    # when: the check finishes (the worker writes the row)
    ImportBatch.objects.filter(pk=batch.pk).update(status="valid", processed_rows=100, created_customers=100)

    # then: the page notices by itself and shows the outcome
    expect(page.get_by_role("heading", name="No errors: this is what the import will do")).to_be_visible()
    expect(page.get_by_role("progressbar")).to_have_count(0)

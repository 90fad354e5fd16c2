"""A registration list with a NUL character in a cell (PostgreSQL cannot store one) is refused at the upload, with a
message, before a batch or a company is written. (An XLSX cell cannot hold one: XML forbids the character, and
openpyxl refuses to write or read it.)"""

import pytest
from django.core.exceptions import ValidationError

from connections.models import Customer
from imports.models import ImportBatch
from imports.services import import_batch_create
from tests.connections.factories import UserFactory
from tests.imports.import_files import csv_bytes, row, upload

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.mark.parametrize("column", ["legal_name", "eori", "contact_name", "contact_phone"])
def test_a_nul_character_in_a_csv_cell_is_refused_at_the_upload_and_nothing_is_written(column):
    content = csv_bytes([row(**{column: "Van\x00Dam"})])

    with pytest.raises(ValidationError) as refused:
        import_batch_create(created_by=UserFactory(), uploaded_file=upload(content, "list.csv"))

    assert refused.value.message_dict == {
        "file": [
            "The content of this file is not CSV, although its name ends in .csv. In Excel choose “Save as” and the "
            "type “CSV UTF-8”."
        ]
    }
    assert (ImportBatch.objects.count(), Customer.objects.count()) == (0, 0)

"""Import and export of the Digipoort registration list: checking, importing, re-importing, exporting."""

import datetime
import io

import openpyxl
import pytest
from django.db.models import F

from connections.models import Connection, Contact, Customer
from connections.selectors.connection_list import ConnectionFilters, connection_list
from connections.services.staff import staff_groups_sync
from htg_migration import uploads
from htg_migration.errors import ApplicationError
from imports.models import ImportBatch
from imports.selectors import registration_export_rows
from imports.services import import_batch_apply, import_batch_apply_request, import_batch_create
from imports.services.formats import COLUMNS, UnreadableFile, count_data_rows, csv_lines, read_rows, write_xlsx
from imports.tasks import import_batch_apply_task, import_batch_validate_task
from tests.connections.factories import (
    ConnectionFactory,
    ContactFactory,
    CustomerFactory,
    UserFactory,
    team_member,
    walk_to,
)
from tests.imports.import_files import (
    SHEET,
    csv_bytes,
    row,
    upload,
    xlsx_bytes,
    xlsx_part_changed,
    xlsx_recorded_size,
)

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2020, 5, 15)
_ROW = row(eori="NL500000000", kvk_number="50000000")
# Enough rows of that length to fill the part of a CSV file that the upload itself reads.
LINES_IN_1_MB = uploads.TEXT_SNIFF_BYTES // (len(csv_bytes([_ROW, _ROW])) - len(csv_bytes([_ROW]))) + 1


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def check(django_capture_on_commit_callbacks):
    """Upload a file as a team member would; the check runs as the task does once the upload is committed."""
    uploader = UserFactory()

    def check(content: bytes, name: str = "registrations.csv") -> ImportBatch:
        with django_capture_on_commit_callbacks(execute=True):
            batch = import_batch_create(created_by=uploader, uploaded_file=upload(content, name))
        batch.refresh_from_db()
        return batch

    return check


@pytest.fixture
def run_import(django_capture_on_commit_callbacks):
    def run_import(batch: ImportBatch) -> ImportBatch:
        with django_capture_on_commit_callbacks(execute=True):
            import_batch_apply_request(batch_id=batch.pk)
        batch.refresh_from_db()
        return batch

    return run_import


def register() -> tuple[list, list, list]:
    """Everything an import may touch, to compare before and after."""
    return (
        sorted(Customer.objects.values_list("eori", "legal_name", "kvk_number", "role", "hub__eori", "updated_at")),
        sorted(Contact.objects.values_list("customer__eori", "name", "email", "phone", "language", "is_primary")),
        sorted(Connection.objects.values_list("customer__eori", "flow__code", "state")),
    )


def summary(batch: ImportBatch) -> tuple:
    return (batch.status, batch.created_customers, batch.updated_customers, batch.created_connections)


# --- a valid file ------------------------------------------------------------------------------------------------


def test_a_valid_csv_is_checked_then_imported_with_hubs_contacts_and_planned_connections(check, run_import):
    # given: a hub, one of its clients abroad with two contacts, and a direct user
    rows = [
        row(),
        row(
            legal_name="Hub Douane Services B.V.",
            kvk_number="87654321",
            eori="NL987654321",
            role="hub",
            flows="AGS;NCTS",
            contact_name="Henk Bos",
            contact_email="henk@hub.example",
        ),
        row(
            legal_name="Spedition Müller GmbH",
            kvk_number="",
            eori="DE123456789012",
            hub_eori="NL987654321",
            flows="ncts, ags",
            contact_name="Jana Müller",
            contact_email="jana@mueller.example",
            contact_phone="+49 30 123456",
            contact_language="en",
            contact2_name="Jörg Weber",
            contact2_email="joerg@mueller.example",
            contact2_language="English",
        ),
    ]

    # when: it is checked
    batch = check(csv_bytes(rows))

    # then: valid, with what the import will do, and nothing written yet
    assert summary(batch) == ("valid", 3, 0, 5)
    assert (batch.total_rows, batch.processed_rows, batch.errors, batch.error_count) == (3, 3, [], 0)
    assert Customer.objects.count() == 0

    # when: it is imported
    batch = run_import(batch)

    # then
    assert summary(batch) == ("applied", 3, 0, 5)
    assert batch.finished_at is not None
    assert sorted(Customer.objects.values_list("eori", "legal_name", "kvk_number", "role", "hub__eori")) == [
        ("DE123456789012", "Spedition Müller GmbH", "", "direct", "NL987654321"),
        ("NL123456789", "Van Dam Logistiek B.V.", "12345678", "direct", None),
        ("NL987654321", "Hub Douane Services B.V.", "87654321", "hub", None),
    ]
    assert sorted(
        Contact.objects.values_list("customer__eori", "name", "email", "phone", "language", "is_primary")
    ) == [
        ("DE123456789012", "Jana Müller", "jana@mueller.example", "+49 30 123456", "en", True),
        ("DE123456789012", "Jörg Weber", "joerg@mueller.example", "", "en", False),
        ("NL123456789", "Anna de Vries", "anna@vandam.example", "+31 20 1234567", "nl", True),
        ("NL987654321", "Henk Bos", "henk@hub.example", "+31 20 1234567", "nl", True),
    ]
    assert sorted(Connection.objects.values_list("customer__eori", "flow__code", "state")) == [
        ("DE123456789012", "AGS", "planned"),
        ("DE123456789012", "NCTS", "planned"),
        ("NL123456789", "AGS", "planned"),
        ("NL987654321", "AGS", "planned"),
        ("NL987654321", "NCTS", "planned"),
    ]
    assert Customer.objects.filter(htg_number__isnull=False).count() == 0  # numbers are issued at intake only


def test_a_valid_xlsx_is_imported_with_dutch_words_and_numbers_as_spreadsheets_store_them(check, run_import):
    # given: a workbook in the file's columns; the KvK number typed as a number (its leading zero dropped), the
    # role and the language in Dutch, the phone number as a number
    rows = [
        ["Hub Noord B.V.", 1234567, "NL100000001", "Intermediair", "", "AGS", "Piet", "piet@noord.example", "", "nl"],
        ["Klant B.V.", "23456789", "nl 100 000 002", "Directe gebruiker", "NL100000001", "SW;NVWA", "Els",
         "els@klant.example", 31201234567, "Engels"],
    ]  # fmt: skip

    # when
    batch = run_import(check(xlsx_bytes(rows, columns=COLUMNS[:10]), name="lijst.xlsx"))

    # then
    assert summary(batch) == ("applied", 2, 0, 3)
    assert batch.file_format == "xlsx"
    assert sorted(Customer.objects.values_list("eori", "kvk_number", "role", "hub__eori")) == [
        ("NL100000001", "01234567", "hub", None),
        ("NL100000002", "23456789", "direct", "NL100000001"),
    ]
    assert sorted(Contact.objects.values_list("email", "phone", "language")) == [
        ("els@klant.example", "31201234567", "en"),
        ("piet@noord.example", "", "nl"),
    ]


def test_a_workbook_whose_recorded_size_is_stale_is_read_whole(check, run_import):
    # given: three companies with their flows, but the sheet records its size as the header and one row of three
    # columns (a stale `<dimension>`, which openpyxl's streaming mode would believe)
    rows = [[f"Bedrijf {n} B.V.", f"1000000{n}", f"NL10000000{n}", "direct", "", "AGS"] for n in range(1, 4)]
    content = xlsx_recorded_size(xlsx_bytes(rows, columns=COLUMNS[:6]), "A1:C2")

    # when
    batch = check(content, name="lijst.xlsx")

    # then: every row and every column is read, checked and imported
    assert (batch.total_rows, *summary(batch)) == (3, "valid", 3, 0, 3)
    batch = run_import(batch)
    assert summary(batch) == ("applied", 3, 0, 3)
    assert sorted(Connection.objects.values_list("customer__eori", "flow__code")) == [
        ("NL100000001", "AGS"),
        ("NL100000002", "AGS"),
        ("NL100000003", "AGS"),
    ]


def test_a_row_that_a_stale_recorded_size_would_hide_is_checked_too(check):
    # given: the third row has an error, and the sheet records only the header and the first row
    rows = [["Goed B.V.", "12345678", "NL123456789"], ["Ook goed B.V.", "12345679", "NL123456788"]]
    rows.append(["Fout B.V.", "123", "NL123456780"])
    before = register()

    # when
    batch = check(xlsx_recorded_size(xlsx_bytes(rows, columns=COLUMNS[:3]), "A1:C2"), name="lijst.xlsx")

    # then: reported, and nothing written
    assert (batch.status, batch.total_rows, batch.error_count) == ("invalid", 3, 1)
    assert (batch.errors[0]["line"], batch.errors[0]["field"]) == (4, "kvk_number")
    assert register() == before


NOT_XML = (
    "The workbook cannot be read: its XML is damaged or holds what a workbook may not (a document type declaration "
    "or an undefined entity). Save it again in Excel as .xlsx or as CSV UTF-8.",
    "De werkmap is niet te lezen: de XML is beschadigd of bevat wat een werkmap niet mag bevatten (een "
    "documenttypedeclaratie of een onbekende entiteit). Sla hem in Excel opnieuw op als .xlsx of als CSV UTF-8.",
)


def test_a_workbook_with_an_undefined_entity_is_reported_in_both_languages_and_nothing_is_written(registered, check):
    # given: a cell's XML names an entity nobody defined (not well-formed XML; the upload itself does not parse cells)
    content = xlsx_part_changed(
        xlsx_bytes([["Fout B.V.", "12345678", "NL123456780"]], columns=COLUMNS[:3]),
        SHEET,
        lambda xml: xml.replace(b"Fout B.V.", b"Fout &bogus; B.V."),
    )
    before = register()

    # when
    batch = check(content, name="lijst.xlsx")

    # then
    assert (batch.status, batch.error_count) == ("invalid", 1)
    assert batch.errors == [{"line": 2, "field": "", "message_en": NOT_XML[0], "message_nl": NOT_XML[1]}]  # its row
    assert register() == before


def test_entities_declared_in_a_workbook_are_never_expanded():
    # given: a sheet that declares entities which expand to ten times ten "a"s ("billion laughs", in small); the upload
    # refuses it (tests/htg_migration/test_uploads.py), and a file stored before that check is read safely too
    declarations = b'<!DOCTYPE worksheet [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
    content = xlsx_part_changed(
        xlsx_bytes([["Fout B.V.", "12345678", "NL123456780"]], columns=COLUMNS[:3]),
        SHEET,
        lambda xml: declarations + xml.replace(b"Fout B.V.", b"&b;"),
    )

    # when
    with pytest.raises(UnreadableFile) as refused:
        list(read_rows(io.BytesIO(content), "xlsx"))

    # then
    assert str(refused.value.message) == NOT_XML[0]
    assert count_data_rows(io.BytesIO(content), "xlsx") == 0


def test_a_csv_with_commas_a_byte_order_mark_and_headers_in_other_case_is_read(check):
    # given: as Excel's "CSV UTF-8" writes it with an English list separator
    columns = ("Legal Name", "KvK number", "EORI", "Flows")
    content = csv_bytes(
        [{"Legal Name": "Van Dam B.V.", "KvK number": "1234.5678", "EORI": "NL123456789", "Flows": "AGS;NCTS"}],
        columns=columns,
        delimiter=",",
        bom=True,
    )

    # when
    batch = check(content)

    # then
    assert summary(batch) == ("valid", 1, 0, 2)


def test_a_hub_defined_later_in_the_file_serves_the_clients_above_it(check, run_import):
    # given: the client on line 2 names a hub that only line 3 adds
    rows = [
        row(hub_eori="NL987654321"),
        row(legal_name="Late Hub B.V.", kvk_number="87654321", eori="NL987654321", role="hub", contact_email="h@l.nl"),
    ]

    # when
    batch = run_import(check(csv_bytes(rows)))

    # then
    assert summary(batch) == ("applied", 2, 0, 2)
    assert Customer.objects.get(eori="NL123456789").hub == Customer.objects.get(eori="NL987654321")


# --- every rule: line, column, message in English and Dutch, nothing written -------------------------------------


@pytest.fixture
def registered():
    """A direct user, and a hub with one client, registered before the upload."""
    direct = CustomerFactory(legal_name="Bestaand B.V.", eori="NL111111111", kvk_number="11111111")
    hub = CustomerFactory(legal_name="Hub B.V.", eori="NL222222222", kvk_number="22222222", role="hub")
    client = CustomerFactory(legal_name="Klant B.V.", eori="NL333333333", kvk_number="33333333", hub=hub)
    ConnectionFactory(customer=client)
    ContactFactory(customer=direct, email="info@bestaand.example")
    return direct, hub, client


HUB_STILL_SERVES_NL = (
    "Dit bedrijf is de hub van andere geregistreerde bedrijven: geef die eerst een andere hub, of houd de rol “hub”."
)
RULES = [
    pytest.param(
        [row(legal_name="")],
        (2, "legal_name", "Enter the company's legal name.", "Vul de statutaire naam van het bedrijf in."),
        id="legal name missing",
    ),
    pytest.param(
        [row(legal_name="x" * 201)],
        (2, "legal_name", "At most 200 characters (this has 201).", "Hoogstens 200 tekens (dit zijn er 201)."),
        id="legal name too long",
    ),
    pytest.param(
        [row(eori="")],
        (2, "eori", "Enter the company's EORI number.", "Vul het EORI-nummer van het bedrijf in."),
        id="EORI missing",
    ),
    pytest.param(
        [row(eori="NL12345")],
        (
            2,
            "eori",
            "A Dutch EORI number is NL followed by 9 digits, for example NL123456789.",
            "Een Nederlands EORI-nummer is NL gevolgd door 9 cijfers, bijvoorbeeld NL123456789.",
        ),
        id="Dutch EORI malformed",
    ),
    pytest.param(
        [row(eori="1234567890", kvk_number="")],
        (
            2,
            "eori",
            "An EORI number is a two-letter country code followed by up to 15 letters or digits, e.g. DE1234567890.",
            "Een EORI-nummer is een landcode van twee letters gevolgd door hoogstens 15 letters of cijfers, "
            "bijvoorbeeld DE1234567890.",
        ),
        id="foreign EORI malformed",
    ),
    pytest.param(
        [row(), row(legal_name="Dubbel B.V.", kvk_number="87654321", contact_email="b@dubbel.example")],
        (
            3,
            "eori",
            "This EORI number is also on line 2: one row per company.",
            "Dit EORI-nummer staat ook op regel 2: één rij per bedrijf.",
        ),
        id="EORI twice in the file",
    ),
    pytest.param(
        [row(kvk_number="1234567")],
        (
            2,
            "kvk_number",
            "A KvK number has exactly 8 digits, for example 12345678.",
            "Een KvK-nummer heeft precies 8 cijfers, bijvoorbeeld 12345678.",
        ),
        id="KvK malformed",
    ),
    pytest.param(
        [row(kvk_number="")],
        (
            2,
            "kvk_number",
            "A Dutch company needs its KvK number (8 digits).",
            "Een Nederlands bedrijf heeft een KvK-nummer nodig (8 cijfers).",
        ),
        id="KvK missing for a Dutch company",
    ),
    pytest.param(
        [row(), row(eori="NL123456780", contact_email="b@dubbel.example")],
        (3, "kvk_number", "This KvK number is also on line 2.", "Dit KvK-nummer staat ook op regel 2."),
        id="KvK twice in the file",
    ),
    pytest.param(
        [row(kvk_number="11111111")],
        (
            2,
            "kvk_number",
            "This KvK number belongs to another registered company (EORI NL111111111).",
            "Dit KvK-nummer hoort bij een ander geregistreerd bedrijf (EORI NL111111111).",
        ),
        id="KvK of another registered company",
    ),
    pytest.param(
        [row(role="expediteur")],
        (
            2,
            "role",
            "Choose direct user, hub or software supplier.",
            "Kies directe gebruiker, hub of softwareleverancier.",
        ),
        id="role unknown",
    ),
    pytest.param(
        [row(hub_eori="NL999999999")],
        (
            2,
            "hub_eori",
            "There is no company with EORI number NL999999999 in this file or in the register.",
            "Er is geen bedrijf met EORI-nummer NL999999999 in dit bestand of in het register.",
        ),
        id="hub unknown",
    ),
    pytest.param(
        [row(hub_eori="NL111111111")],
        (
            2,
            "hub_eori",
            "The company with EORI number NL111111111 is not a hub.",
            "Het bedrijf met EORI-nummer NL111111111 is geen hub.",
        ),
        id="hub is not a hub",
    ),
    pytest.param(
        [row(role="software_supplier", hub_eori="NL222222222")],
        (
            2,
            "hub_eori",
            "Only a direct user can be served through a hub.",
            "Alleen een directe gebruiker kan via een hub worden bediend.",
        ),
        id="only a direct user has a hub",
    ),
    pytest.param(
        [row(legal_name="Hub B.V.", eori="NL222222222", kvk_number="22222222", role="direct")],
        (
            2,
            "role",
            "This company is the hub of other registered companies: give them another hub first, or keep the role "
            "“hub”.",
            HUB_STILL_SERVES_NL,
        ),
        id="a hub that still serves clients stays a hub",
    ),
    pytest.param(
        [row(flows="AGS;XYZ")],
        (
            2,
            "flows",
            "Unknown message flow “XYZ”: use AGS, CID, EMCS, NCTS, SW, NVWA, separated by “;”.",
            "Onbekende berichtenstroom “XYZ”: gebruik AGS, CID, EMCS, NCTS, SW, NVWA, gescheiden door “;”.",
        ),
        id="flow unknown",
    ),
    pytest.param(
        [row(contact_name="")],
        (2, "contact_name", "Enter the contact's name.", "Vul de naam van de contactpersoon in."),
        id="contact name missing",
    ),
    pytest.param(
        [row(contact_email="anna@")],
        (2, "contact_email", "Enter a valid e-mail address.", "Vul een geldig e-mailadres in."),
        id="contact e-mail invalid",
    ),
    pytest.param(
        [row(contact_phone="0" * 31)],
        (2, "contact_phone", "At most 30 characters (this has 31).", "Hoogstens 30 tekens (dit zijn er 31)."),
        id="contact phone too long",
    ),
    pytest.param(
        [row(contact_language="de")],
        (
            2,
            "contact_language",
            "Choose Dutch or English as the preferred language.",
            "Kies Nederlands of Engels als voorkeurstaal.",
        ),
        id="contact language unknown",
    ),
    pytest.param(
        [row(contact2_name="Bob", contact2_email="ANNA@vandam.example")],
        (
            2,
            "contact2_email",
            "This e-mail address is already listed for this company.",
            "Dit e-mailadres staat al bij dit bedrijf.",
        ),
        id="the same contact twice",
    ),
]


@pytest.mark.parametrize(("rows", "expected"), RULES)
def test_each_rule_reports_line_column_and_message_in_both_languages_and_nothing_is_written(
    registered, check, rows, expected
):
    # given
    before = register()

    # when
    batch = check(csv_bytes(rows))

    # then: exactly this error, in English and in Dutch
    line, field, message_en, message_nl = expected
    assert batch.status == "invalid"
    assert batch.errors == [{"line": line, "field": field, "message_en": message_en, "message_nl": message_nl}]
    assert batch.error_count == 1
    assert (batch.created_customers, batch.updated_customers, batch.created_connections) == (0, 0, 0)
    # ... and nothing was written, nor can it be
    assert register() == before
    with pytest.raises(ApplicationError):
        import_batch_apply_request(batch_id=batch.pk)
    assert register() == before


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        pytest.param(
            csv_bytes([row()], columns=[column for column in COLUMNS if column != "eori"]),
            (
                1,
                "eori",
                "The column “eori” is missing: every file needs it.",
                "De kolom “eori” ontbreekt: elk bestand heeft die nodig.",
            ),
            id="required column missing",
        ),
        pytest.param(
            csv_bytes([row()], columns=(*COLUMNS, "vat_number")),
            (
                1,
                "vat_number",
                "Unknown column “vat_number”: see the import format for the column names.",
                "Onbekende kolom “vat_number”: zie het importformaat voor de kolomnamen.",
            ),
            id="unknown column",
        ),
        pytest.param(
            csv_bytes([row()], columns=(*COLUMNS, "EORI")),
            (1, "eori", "The column “eori” appears more than once.", "De kolom “eori” komt meer dan eens voor."),
            id="column twice",
        ),
        pytest.param(
            csv_bytes([]),
            (2, "", "The file has no rows below the header.", "Het bestand heeft geen rijen onder de kopregel."),
            id="no rows",
        ),
        pytest.param(
            csv_bytes([row()]) + b"Extra B.V.;10000009;NL100000009;;;;;;;;;;;;surplus\r\n",
            (
                3,
                "",
                "This line has more cells than the header has columns.",
                "Deze regel heeft meer cellen dan de kopregel kolommen heeft.",
            ),
            id="more cells than columns",
        ),
        pytest.param(
            # Valid UTF-8 for the first megabyte the upload looks at (htg_migration.uploads.TEXT_SNIFF_BYTES); the line
            # after it is Latin-1 (Excel's plain "CSV"), so only the check of the whole file finds it.
            csv_bytes([row(eori=f"NL{500000000 + n}", kvk_number=f"{50000000 + n}") for n in range(LINES_IN_1_MB)])
            + "Café B.V.;;NL100000009\r\n".encode("latin-1"),
            (
                LINES_IN_1_MB + 2,
                "",
                "The file is not UTF-8 text. In Excel choose “Save as” and the type “CSV UTF-8”, then upload it again.",
                "Het bestand is geen UTF-8-tekst. Kies in Excel “Opslaan als” en het type “CSV UTF-8” en upload het "
                "opnieuw.",
            ),
            id="not UTF-8",
        ),
    ],
)
def test_a_file_that_cannot_be_read_as_a_list_is_reported_and_nothing_is_written(registered, check, content, expected):
    # given
    before = register()

    # when
    batch = check(content)

    # then
    line, field, message_en, message_nl = expected
    assert batch.status == "invalid"
    assert batch.errors[0] == {"line": line, "field": field, "message_en": message_en, "message_nl": message_nl}
    assert batch.error_count == 1
    assert register() == before


def test_an_error_in_a_workbook_names_its_row(check):
    # given
    rows = [["Goed B.V.", "12345678", "NL123456789"], ["Fout B.V.", "123", "NL123456780"]]

    # when
    batch = check(xlsx_bytes(rows, columns=COLUMNS[:3]), name="lijst.xlsx")

    # then
    assert (batch.status, batch.error_count) == ("invalid", 1)
    assert (batch.errors[0]["line"], batch.errors[0]["field"]) == (3, "kvk_number")


def test_the_first_thousand_errors_are_listed_and_all_are_counted(check):
    # given: 1,005 rows, each with a bad KvK number
    rows = [row(eori=f"NL{600000000 + n}", kvk_number="1", contact_email=f"c{n}@x.example") for n in range(1005)]

    # when
    batch = check(csv_bytes(rows))

    # then
    assert (batch.status, batch.error_count, len(batch.errors)) == ("invalid", 1005, 1000)
    assert [error["line"] for error in batch.errors[:2]] == [2, 3]
    assert Customer.objects.count() == 0


# --- importing again ----------------------------------------------------------------------------------------------


def test_importing_the_same_file_again_changes_nothing_and_duplicates_nothing(check, run_import):
    # given: a file imported once
    hub = row(legal_name="Hub B.V.", kvk_number="87654321", eori="NL987654321", role="hub", contact_email="h@hub.nl")
    content = csv_bytes([row(contact2_name="Bob", contact2_email="bob@vandam.example", hub_eori="NL987654321"), hub])
    run_import(check(content))
    before = register()

    # when: the same file again
    batch = check(content)

    # then: nothing to do, and importing it does nothing
    assert summary(batch) == ("valid", 0, 0, 0)
    batch = run_import(batch)
    assert summary(batch) == ("applied", 0, 0, 0)
    assert register() == before


def test_an_updated_file_updates_changed_fields_and_contacts_and_adds_flows_without_duplicating(check, run_import):
    # given: the company registered with one contact and one connection (AGS) that has moved on
    staff_groups_sync()
    run_import(check(csv_bytes([row()])))
    connection = Connection.objects.get()
    walk_to(connection, "invited", team_member())

    # when: its name and its contact's phone and language changed (her e-mail typed in capitals: the same contact),
    # and a second contact and a flow are added
    updated = row(
        legal_name="Van Dam Logistiek en Opslag B.V.",
        flows="AGS;NCTS",
        contact_email="ANNA@VANDAM.EXAMPLE",
        contact_phone="+31 20 7654321",
        contact_language="en",
        contact2_name="Bob Jansen",
        contact2_email="bob@vandam.example",
    )
    batch = check(csv_bytes([updated]))

    # then: one company updated, one connection added; the existing connection is left as it is
    assert summary(batch) == ("valid", 0, 1, 1)
    batch = run_import(batch)
    assert summary(batch) == ("applied", 0, 1, 1)
    customer = Customer.objects.get()
    assert customer.legal_name == "Van Dam Logistiek en Opslag B.V."
    assert customer.updated_at > customer.created_at
    assert sorted(Contact.objects.values_list("name", "email", "phone", "language", "is_primary")) == [
        ("Anna de Vries", "ANNA@VANDAM.EXAMPLE", "+31 20 7654321", "en", True),
        ("Bob Jansen", "bob@vandam.example", "", "nl", False),
    ]
    # the digits the helpdesk's phone lookup compares follow the changed phone number
    assert Contact.objects.get(name="Anna de Vries").phone_digits == "31207654321"
    assert sorted(Connection.objects.values_list("flow__code", "state")) == [("AGS", "invited"), ("NCTS", "planned")]


def test_a_file_without_some_columns_leaves_those_fields_as_they_are(check, run_import):
    # given: a registered client of a hub, with a contact and a connection
    hub = CustomerFactory(role="hub", eori="NL222222222", kvk_number="22222222")
    client = CustomerFactory(eori="NL333333333", kvk_number="33333333", hub=hub, legal_name="Klant B.V.")
    ContactFactory(customer=client, email="info@klant.example")

    # when: a list of names, EORI numbers and flows only
    content = csv_bytes([{"legal_name": "Klant B.V.", "eori": "NL333333333", "flows": "EMCS"}],
                        columns=("legal_name", "eori", "flows"))  # fmt: skip
    batch = run_import(check(content))

    # then: only the flow is added
    assert summary(batch) == ("applied", 0, 0, 1)
    client.refresh_from_db()
    assert (client.kvk_number, client.role, client.hub_id) == ("33333333", "direct", hub.pk)
    assert list(client.contacts.values_list("email", flat=True)) == ["info@klant.example"]


def test_the_import_checks_again_against_the_register_as_it_is_when_it_runs(check, run_import):
    # given: a checked file, and meanwhile someone registers a company with its KvK number
    batch = check(csv_bytes([row()]))
    assert batch.status == "valid"
    CustomerFactory(eori="NL000000001", kvk_number="12345678")
    before = register()

    # when
    batch = run_import(batch)

    # then: the batch has errors now, and nothing of it was written
    assert batch.status == "invalid"
    assert [(error["line"], error["field"]) for error in batch.errors] == [(2, "kvk_number")]
    assert register() == before


# --- tasks run twice, failures -----------------------------------------------------------------------------------


def test_the_check_task_run_twice_stores_one_report(django_capture_on_commit_callbacks):
    # given: an uploaded batch whose check task has not run yet
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        batch = import_batch_create(created_by=UserFactory(), uploaded_file=upload(csv_bytes([row(kvk_number="1")])))
    assert len(callbacks) == 1
    assert batch.status == "uploaded"

    # when: the task runs twice (a redelivery)
    import_batch_validate_task.delay(batch.pk)
    batch.refresh_from_db()
    first = (batch.status, batch.errors, batch.error_count, batch.finished_at)
    import_batch_validate_task.delay(batch.pk)

    # then: the second run left the first one's report as it was
    batch.refresh_from_db()
    assert (batch.status, batch.errors, batch.error_count, batch.finished_at) == first
    assert (batch.status, batch.error_count, batch.errors[0]["line"], batch.errors[0]["field"]) == (
        "invalid",
        1,
        2,
        "kvk_number",
    )


def test_the_import_task_run_twice_imports_once(check, django_capture_on_commit_callbacks):
    # given: a checked batch whose import was requested
    batch = check(csv_bytes([row(flows="AGS;NCTS")]))
    with django_capture_on_commit_callbacks(execute=False):
        import_batch_apply_request(batch_id=batch.pk)
        import_batch_apply_request(batch_id=batch.pk)  # a second click: nothing more

    # when: the task runs twice
    import_batch_apply_task.delay(batch.pk)
    after_first = register()
    import_batch_apply_task.delay(batch.pk)

    # then: imported once, and the summary of the first run stands
    batch.refresh_from_db()
    assert summary(batch) == ("applied", 1, 0, 2)
    assert register() == after_first
    assert (Customer.objects.count(), Contact.objects.count(), Connection.objects.count()) == (1, 1, 2)


def test_a_failing_import_is_recorded_and_writes_nothing(check, monkeypatch, django_capture_on_commit_callbacks):
    # given
    batch = check(csv_bytes([row()]))

    def fail(**kwargs):
        Customer.objects.create(legal_name="Half", eori="NL555555555", kvk_number="55555555")
        raise RuntimeError("disk full")

    monkeypatch.setattr("imports.services.batches.registration_plan_apply", fail)

    # when
    with django_capture_on_commit_callbacks(execute=True):
        import_batch_apply_request(batch_id=batch.pk)

    # then
    batch.refresh_from_db()
    assert (batch.status, batch.failure) == ("failed", "RuntimeError: disk full")
    assert batch.finished_at is not None
    assert Customer.objects.count() == 0


def test_a_failing_check_is_recorded(django_capture_on_commit_callbacks):
    # given: an upload whose file is gone from storage by the time the task runs
    with django_capture_on_commit_callbacks(execute=False):
        batch = import_batch_create(created_by=UserFactory(), uploaded_file=upload(csv_bytes([row()])))
    batch.file.storage.delete(batch.file.name)

    # when
    import_batch_validate_task.delay(batch.pk)

    # then
    batch.refresh_from_db()
    assert batch.status == "failed"
    assert batch.failure.startswith("FileNotFoundError: ")
    assert batch.finished_at is not None
    assert Customer.objects.count() == 0


def test_a_batch_that_is_not_requested_is_not_imported_by_a_stray_task(check):
    # given: a checked batch nobody asked to import
    batch = check(csv_bytes([row()]))

    # when
    import_batch_apply(batch_id=batch.pk)

    # then
    batch.refresh_from_db()
    assert batch.status == "valid"
    assert Customer.objects.count() == 0


# --- export ------------------------------------------------------------------------------------------------------


@pytest.fixture
def programme(programme_flows):
    """Companies as the register holds them: a hub and its client abroad, odd names, several contacts, a withdrawn
    connection and a company without contacts."""
    staff_groups_sync()
    hub = CustomerFactory(legal_name="'t Hoen Hub B.V.", eori="NL200000001", kvk_number="02000001", role="hub")
    ContactFactory(customer=hub, name="Zoë de Wit", email="zoe@hoen.example", phone="+31 10 1234567")
    ContactFactory(customer=hub, name="Aad Kok", email="aad@hoen.example", is_primary=False, language="en")
    client = CustomerFactory(legal_name="Müller GmbH", eori="DE200000002", kvk_number="", hub=hub)
    ContactFactory(customer=client, name="Jana", email="jana@mueller.example", phone="-", language="en")
    odd = CustomerFactory(legal_name="=SUM(A1;A2) Trading", eori="NL200000003", kvk_number="20000003")
    for number in range(3):
        ContactFactory(customer=odd, name=f"Contact {number}", email=f"c{number}@odd.example", is_primary=number == 0)
    quiet = CustomerFactory(legal_name="Stil B.V.", eori="NL200000004", kvk_number="20000004", role="software_supplier")
    for customer, codes in ((hub, "AGS NCTS"), (client, "AGS NCTS SW"), (odd, "EMCS"), (quiet, "NVWA")):
        for code in codes.split():
            ConnectionFactory(customer=customer, flow=programme_flows[code])
    walk_to(Connection.objects.get(customer=client, flow__code="SW"), "withdrawn", team_member())
    return hub, client, odd, quiet


def test_the_export_has_one_row_per_company_of_the_filtered_list_in_the_import_format(programme):
    # given: the programme's companies

    # when: the list filtered on NCTS (two companies, one connection each) and unfiltered
    filtered = list(registration_export_rows(filters=ConnectionFilters(flow="NCTS"), today=TODAY))
    everything = list(registration_export_rows(filters=ConnectionFilters(), today=TODAY))

    # then: each company once, described whole (all its flows but the withdrawn one, two contacts at most)
    assert [values[2] for values in filtered] == ["NL200000001", "DE200000002"]
    assert filtered[0] == [
        "'t Hoen Hub B.V.", "02000001", "NL200000001", "hub", "", "AGS;NCTS",
        "Zoë de Wit", "zoe@hoen.example", "+31 10 1234567", "nl", "Aad Kok", "aad@hoen.example", "", "en",
    ]  # fmt: skip
    assert filtered[1][:6] == ["Müller GmbH", "", "DE200000002", "direct", "NL200000001", "AGS;NCTS"]
    assert [values[2] for values in everything] == ["NL200000001", "NL200000003", "DE200000002", "NL200000004"]
    assert everything[1][6:] == ["Contact 0", "c0@odd.example", "", "nl", "Contact 1", "c1@odd.example", "", "nl"]
    assert everything[3][5:7] == ["NVWA", ""]


@pytest.mark.parametrize(
    "query",
    [{}, {"flow": "AGS"}, {"role": "hub"}, {"state": "withdrawn"}, {"q": "müller"}, {"plateau": "2"}],
)
def test_the_export_takes_exactly_the_companies_of_the_connection_list(programme, query):
    # given
    filters = ConnectionFilters.from_query(query)

    # when
    exported = [values[2] for values in registration_export_rows(filters=filters, today=TODAY)]

    # then
    listed = {connection.customer.eori for connection in connection_list(filters=filters, today=TODAY)}
    assert sorted(exported) == sorted(listed)
    assert len(exported) == len(set(exported))


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_export_then_import_changes_nothing(programme, check, run_import, file_format):
    # given
    before = register()
    rows = registration_export_rows(filters=ConnectionFilters(), today=TODAY)
    if file_format == "csv":
        content = "".join(csv_lines(rows)).encode("utf-8")
    else:
        buffer = io.BytesIO()
        write_xlsx(rows, buffer)
        content = buffer.getvalue()

    # when
    batch = check(content, name=f"export.{file_format}")

    # then
    assert summary(batch) == ("valid", 0, 0, 0), batch.errors
    batch = run_import(batch)
    assert summary(batch) == ("applied", 0, 0, 0)
    assert register() == before


def test_the_csv_export_keeps_spreadsheets_from_running_cells_as_formulas(programme):
    # when
    text = "".join(csv_lines(registration_export_rows(filters=ConnectionFilters(role="direct"), today=TODAY)))

    # then: a byte order mark, ";" between cells, and an apostrophe before = + - @
    assert text.startswith("\ufefflegal_name;kvk_number;eori;role;hub_eori;flows;contact_name;")
    assert "'=SUM(A1;A2) Trading" in text
    assert ";'-;" in text


def test_the_xlsx_export_writes_a_name_that_looks_like_a_formula_as_text(programme):
    # given
    buffer = io.BytesIO()

    # when
    write_xlsx(registration_export_rows(filters=ConnectionFilters(role="direct"), today=TODAY), buffer)

    # then: text cells, marked as Excel marks text typed after an apostrophe; nothing is a formula
    sheet = openpyxl.load_workbook(io.BytesIO(buffer.getvalue())).active
    names = {row[0].value: row[0] for row in sheet.iter_rows(min_row=2)}
    odd = names["=SUM(A1;A2) Trading"]
    assert (odd.data_type, odd.quotePrefix) == ("s", True)
    assert [cell.coordinate for row in sheet.iter_rows() for cell in row if cell.data_type == "f"] == []


def test_updated_at_moves_only_for_companies_that_changed(check, run_import):
    # given: two companies imported
    content = csv_bytes(
        [row(), row(legal_name="B B.V.", eori="NL100000002", kvk_number="10000002", contact_email="b@b.nl")]
    )
    run_import(check(content))
    Customer.objects.update(updated_at=F("created_at"))

    # when: only the second is renamed
    rows = [row(), row(legal_name="B Nieuw B.V.", eori="NL100000002", kvk_number="10000002", contact_email="b@b.nl")]
    run_import(check(csv_bytes(rows)))

    # then
    changed = dict(Customer.objects.values_list("eori", "updated_at"))
    created = dict(Customer.objects.values_list("eori", "created_at"))
    assert changed["NL123456789"] == created["NL123456789"]
    assert changed["NL100000002"] > created["NL100000002"]


# --- on PostgreSQL: progress seen from outside the import's transaction, two runs at once ---------------------------


def _observer():
    from django.db import connections

    return connections.create_connection("default")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_progress_of_an_import_is_seen_while_its_transaction_is_still_open(monkeypatch):
    # given: a checked file of three companies, imported one company per chunk
    from imports.services import batches

    uploader = UserFactory()
    rows = [row(eori=f"NL{700000000 + n}", kvk_number=f"{70000000 + n}") for n in range(3)]
    batch = import_batch_create(created_by=uploader, uploaded_file=upload(csv_bytes(rows)))
    batch.refresh_from_db()
    assert batch.status == "valid"
    monkeypatch.setattr("imports.services.apply.CHUNK", 1)
    observer = _observer()
    seen: list[tuple[int, int]] = []
    real_apply = batches.registration_plan_apply

    def watched(*, plan, progress):
        def report(done, total):
            progress(done, total)
            with observer.cursor() as cursor:
                cursor.execute("SELECT processed_rows FROM connections_importbatch WHERE id = %s", [batch.pk])
                processed = cursor.fetchone()[0]
                cursor.execute("SELECT count(*) FROM connections_customer")
                seen.append((processed, cursor.fetchone()[0]))

        return real_apply(plan=plan, progress=report)

    monkeypatch.setattr(batches, "registration_plan_apply", watched)

    # when
    try:
        import_batch_apply_request(batch_id=batch.pk)  # the task runs on commit (eagerly in tests)
    finally:
        observer.close()

    # then: the rows done climbed while, outside, no company was there yet; then all of them at once
    assert seen == [(1, 0), (2, 0), (3, 0)]
    batch.refresh_from_db()
    assert summary(batch) == ("applied", 3, 0, 3)
    assert Customer.objects.count() == 3


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_runs_of_the_import_at_the_same_moment_import_once(django_capture_on_commit_callbacks):
    # given: a checked batch whose import was requested, its task not run yet
    import threading

    from django.db import connection as database

    batch = import_batch_create(created_by=UserFactory(), uploaded_file=upload(csv_bytes([row(flows="AGS;CID")])))
    with django_capture_on_commit_callbacks(execute=False):
        import_batch_apply_request(batch_id=batch.pk)
    results: list[str] = []
    start = threading.Barrier(2)

    def run() -> None:
        try:
            start.wait()
            results.append(import_batch_apply(batch_id=batch.pk).status)
        finally:
            database.close()

    # when: two workers run it at once
    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    # then: both see it imported; one company, two connections
    assert results == ["applied", "applied"]
    batch.refresh_from_db()
    assert summary(batch) == ("applied", 1, 0, 2)
    assert (Customer.objects.count(), Connection.objects.count()) == (1, 2)

"""Companies name themselves: the weekly report prints every name as written (an embedded Unicode font in the PDF)
and never runs one as a formula (text cells in the spreadsheet)."""

import datetime
import io
import unicodedata

import openpyxl
import pytest
from pypdf import PdfReader

from connections.models import Escalation
from reporting.selectors import dashboard_build
from reporting.services.pdf import report_pdf
from reporting.services.xlsx import report_xlsx
from tests.connections.factories import AMSTERDAM, ConnectionFactory, CustomerFactory, UserFactory, walk_to

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

SEED_DAY = datetime.date(2020, 5, 15)
NAMES = (
    "Kamiński Transport Sp. z o.o.",
    "Ελληνική Ναυτιλία Α.Ε.",
    "Транспортная компания Восток",
    "חברת הובלה",
    "شركة النقل",
    '=HYPERLINK("http://x","y")',
)


@pytest.fixture
def dashboard(settings):
    """A dashboard whose risk list holds a company of each name (an open escalation puts it there)."""
    settings.HTG_CLOCK_DATE = SEED_DAY
    settings.HTG_REPORT_LANGUAGE = "en"
    walker = UserFactory(is_superuser=True)
    for name in NAMES:
        connection = walk_to(ConnectionFactory(customer=CustomerFactory(legal_name=name)), "testing", walker)
        Escalation.objects.create(
            connection=connection,
            waiting_state="testing",
            reason="no answer",
            opened_at=datetime.datetime(2020, 4, 1, 10, tzinfo=AMSTERDAM),
        )
    built = dashboard_build(as_of=SEED_DAY, today=SEED_DAY)
    assert sorted(risk.customer for risk in built.risks) == sorted(NAMES)
    return built


def test_the_pdf_prints_every_name_as_text_in_an_embedded_font(dashboard):
    # when
    reader = PdfReader(io.BytesIO(report_pdf(dashboard)))

    # then: each name is text on a page, in reading order (not a box in its place). Arabic letters are drawn in
    # their joined forms, which NFKC takes back to the letters.
    text = unicodedata.normalize("NFKC", "\n".join(page.extract_text() for page in reader.pages))
    for name in NAMES:
        assert name in text
    # and every piece of text is set in DejaVu Sans, embedded in the file
    fonts = set()

    def font_of(text, _matrix, _text_matrix, font, _size):
        if text.strip() and font is not None:
            descriptor = font.get("/FontDescriptor", {})
            fonts.add((font["/BaseFont"].split("+")[-1], "/FontFile2" in descriptor))

    for page in reader.pages:
        page.extract_text(visitor_text=font_of)
    assert fonts == {("DejaVuSans", True), ("DejaVuSans-Bold", True)}


def test_the_spreadsheet_writes_a_name_that_looks_like_a_formula_as_text(dashboard):
    # when
    book = openpyxl.load_workbook(io.BytesIO(report_xlsx(dashboard)))

    # then: every name is a text cell holding exactly the name; no cell of the workbook is a formula
    risks = book["Risks"]
    names = {row[1].value: row[1] for row in risks.iter_rows(min_row=2)}
    assert sorted(names) == sorted(NAMES)
    assert {cell.data_type for cell in names.values()} == {"s"}
    assert names['=HYPERLINK("http://x","y")'].quotePrefix
    formulas = [cell.coordinate for sheet in book for row in sheet.iter_rows() for cell in row if cell.data_type == "f"]
    assert formulas == []

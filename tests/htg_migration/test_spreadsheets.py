"""Every spreadsheet the app writes goes through htg_migration.spreadsheets, which writes text as text: no cell a
company typed runs as a formula, in XLSX or in CSV."""

import ast
import io
from pathlib import Path

import openpyxl
from hypothesis import given
from hypothesis import strategies as st

from htg_migration.spreadsheets import csv_escape, csv_lines, csv_unescape, workbook, xlsx_append, xlsx_put
from tests.test_architecture import ROOT, _modules

HOSTILE = ['=HYPERLINK("http://x","y")', "+31 20 1234567", "-2+3", "@SUM(A1)", "\tcmd", "\r=1", "'=1", "Van Dam"]


@given(st.text())
def test_csv_unescape_undoes_csv_escape_for_every_text(value):
    assert csv_unescape(csv_escape(value)) == value


def test_csv_puts_an_apostrophe_before_every_start_owasp_names_and_leaves_other_text_alone():
    # when
    lines = list(csv_lines(["name", "count"], [[value, 3] for value in HOSTILE]))

    # then: each text value escaped (and quoted where CSV needs it), the number as it is
    assert lines == [
        "\ufeffname;count\r\n",
        '"\'=HYPERLINK(""http://x"",""y"")";3\r\n',
        "'+31 20 1234567;3\r\n",
        "'-2+3;3\r\n",
        "'@SUM(A1);3\r\n",
        "'\tcmd;3\r\n",
        '"\'\r=1";3\r\n',
        "''=1;3\r\n",
        "Van Dam;3\r\n",
    ]


def test_xlsx_cells_hold_text_as_text_and_numbers_as_numbers_in_both_kinds_of_workbook():
    for write_only in (False, True):
        # given
        book = workbook(write_only=write_only)
        sheet = book.create_sheet("names")
        for value in HOSTILE:
            xlsx_append(sheet, [value, 3, None])
        if not write_only:
            xlsx_put(sheet, row=20, column=1, value="=1+1")
            xlsx_put(sheet, row=20, column=2, value=4.5)
        buffer = io.BytesIO()

        # when
        book.save(buffer)

        # then
        cells = openpyxl.load_workbook(io.BytesIO(buffer.getvalue()))["names"]
        assert [(row[0].value, row[0].data_type, row[1].value) for row in cells.iter_rows(max_row=8)] == [
            ('=HYPERLINK("http://x","y")', "s", 3),
            ("+31 20 1234567", "s", 3),
            ("-2+3", "s", 3),
            ("@SUM(A1)", "s", 3),
            ("\tcmd", "s", 3),
            ("\n=1", "s", 3),  # XML reads a carriage return as a line feed
            ("'=1", "s", 3),
            ("Van Dam", "s", 3),
        ]
        assert [row[0].quotePrefix for row in cells.iter_rows(max_row=8)] == [True] * 6 + [False, False]
        assert cells["B1"].data_type == "n"
        if not write_only:
            assert (cells["A20"].value, cells["A20"].data_type, cells["B20"].value) == ("=1+1", "s", 4.5)


WRITERS = {"csv.writer", "csv.DictWriter", "openpyxl.Workbook", "Workbook", "openpyxl.workbook.Workbook"}


def _spreadsheet_writers(path: Path) -> list[str]:
    """The calls in a module that start writing a spreadsheet (a workbook, a CSV writer)."""
    return [
        f"{path.relative_to(ROOT)}: {ast.unparse(node.func)}"
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path)))
        if isinstance(node, ast.Call) and ast.unparse(node.func) in WRITERS
    ]


# CSV that no person opens: the rows fed to PostgreSQL's COPY (a traffic file in JSON lines, made CSV on the way).
COPY_INPUT = {"traffic/services/apply.py: csv.writer"}


def test_only_the_helper_starts_a_spreadsheet():
    helper = ROOT / "htg_migration" / "spreadsheets.py"
    writers = [writer for path in _modules() if path != helper for writer in _spreadsheet_writers(path)]
    assert [writer for writer in writers if writer not in COPY_INPUT] == []
    assert sorted(_spreadsheet_writers(helper)) == [
        "htg_migration/spreadsheets.py: csv.writer",
        "htg_migration/spreadsheets.py: openpyxl.Workbook",
    ]

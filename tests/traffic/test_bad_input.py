"""Bad input (issue 18, item 6): a clear message per problem, nothing applied, the file's row kept with its report."""

import pytest

from tests.traffic.files import apply, receive, row, traffic_csv, traffic_json_lines, traffic_settings  # noqa: F401
from traffic.models import TrafficCount, TrafficFile, TrafficSender
from traffic.services.formats import COLUMNS

S = TrafficFile.Status
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("traffic_settings")]


def _rejected(content: bytes, name: str = "htg-2020-03-02.csv") -> list[tuple[int, str, str]]:
    traffic_file = apply(receive(content, name=name))
    assert traffic_file.status == S.REJECTED
    assert TrafficCount.objects.count() == 0
    assert TrafficSender.objects.count() == 0
    return [(error["line"], error["field"], error["message_en"]) for error in traffic_file.report]


def test_an_unknown_column_is_named():
    report = _rejected(traffic_csv([row(colour="red")], columns=[*COLUMNS, "colour"]))
    assert report == [(1, "colour", f"Unknown column colour; the columns are: {', '.join(COLUMNS)}.")]


def test_a_missing_column_is_named():
    report = _rejected(traffic_csv([row()], columns=[name for name in COLUMNS if name != "errors"]))
    assert report[0] == (1, "errors", "The column is missing.")


def test_negative_counts_are_refused_per_cell():
    report = _rejected(traffic_csv([row(), row(flow="NCTS", messages="-5", errors="-1")]))
    assert report == [(3, "messages", "A count cannot be negative."), (3, "errors", "A count cannot be negative.")]


def test_unicode_digits_and_huge_numbers_are_not_counts():
    report = _rejected(traffic_csv([row(messages="١٢"), row(flow="NCTS", messages="99999999999")]))
    assert [(line, field) for line, field, _message in report] == [(2, "messages"), (3, "messages")]


def test_a_day_outside_the_programme_is_refused():
    report = _rejected(traffic_csv([row(day="2019-06-03", first_at="", last_at="")]))
    assert report == [(2, "day", "2019-06-03 is outside the programme (2019-12-02 to 2020-06-30).")]


def test_a_day_in_the_future_is_refused():
    report = _rejected(traffic_csv([row(day="2020-05-20", first_at="", last_at="")]))
    assert report == [(2, "day", "2020-05-20 is in the future: a file reports a day that is over.")]


def test_two_days_in_one_file_are_refused():
    report = _rejected(traffic_csv([row(), row(day="2020-03-03", flow="NCTS", first_at="", last_at="")]))
    assert report == [(3, "day", "Another day than the file's (2020-03-02, from its first row): a file holds one day.")]


def test_an_unknown_flow_code_is_refused():
    report = _rejected(traffic_csv([row(flow="TELEX")]))
    assert report == [(2, "flow", "Unknown message flow TELEX; the flows are: ags, cid, emcs, ncts, nvwa, sw.")]


def test_a_file_that_is_not_utf8_is_refused_with_its_lines():
    content = traffic_csv([row(sender="Müller")]).decode().encode("latin-1")
    report = _rejected(content)
    assert report == [(2, "", "The line is not UTF-8 text. Save the file as UTF-8.")]


def test_a_truncated_last_line_is_named_so():
    content = traffic_csv([row(), row(flow="NCTS")])
    report = _rejected(content[: len(content) - 30])
    assert report == [
        (3, "", "The last line is cut off: the file ends in the middle of a row. Was it copied completely?")
    ]


def test_a_truncated_last_json_line_is_named_so():
    content = traffic_json_lines([row(), row(flow="NCTS")])
    report = _rejected(content[:-20], name="htg-2020-03-02.jsonl")
    assert report[0][0] == 2 and report[0][2].startswith("The last line is cut off")


def test_a_file_past_the_size_limit_keeps_its_row_with_the_reason(settings, tmp_path):
    # given: an inbox file larger than the limit
    settings.HTG_TRAFFIC_MAX_BYTES = 1000
    settings.HTG_TRAFFIC_INBOX = str(tmp_path / "inbox")
    (tmp_path / "inbox").mkdir()
    (tmp_path / "inbox" / "big.csv").write_bytes(traffic_csv([row(sender=f"S{number}") for number in range(50)]))
    from traffic.services.receive import traffic_inbox_scan

    # when
    [file_id] = traffic_inbox_scan()
    # then
    traffic_file = TrafficFile.objects.get(pk=file_id)
    assert traffic_file.status == S.REJECTED
    assert traffic_file.report[0]["message_en"].startswith("The file is 0.0 MB; at most 0.001 MB is accepted")
    assert (tmp_path / "inbox" / "rejected" / f"{file_id}-big.csv").exists()
    assert TrafficCount.objects.count() == 0


def test_an_upload_past_the_size_limit_is_refused_before_a_row(settings):
    from django.core.exceptions import ValidationError

    settings.HTG_TRAFFIC_MAX_BYTES = 1000
    with pytest.raises(ValidationError):
        receive(traffic_csv([row(sender=f"S{number}") for number in range(50)]))
    assert TrafficFile.objects.count() == 0


def test_bad_cells_each_get_a_message():
    content = traffic_csv(
        [
            row(gateway="telex", environment="acceptance", direction="sideways", sender_scheme="kvk"),
            row(flow="NCTS", errors="11", first_at="yesterday", last_at="2020-03-02T07:00:00+01:00"),
            row(flow="EMCS", sender=""),
            row(),
            row(),
        ]
    )
    report = _rejected(content)
    assert [(line, field) for line, field, _message in report] == [
        (2, "gateway"),
        (2, "sender_scheme"),
        (2, "environment"),
        (2, "direction"),
        (3, "errors"),
        (3, "first_at"),
        (4, "sender"),
        (6, "sender"),
    ]


def test_the_report_is_also_in_dutch():
    traffic_file = apply(receive(traffic_csv([row(messages="-1")])))
    assert traffic_file.report[0]["message_nl"]
    assert set(traffic_file.report[0]) == {"line", "field", "message_en", "message_nl"}


def test_an_unknown_kind_of_file_is_refused_at_upload():
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        receive(b"PK\x03\x04", name="traffic.xlsx")
    assert TrafficFile.objects.count() == 0


def test_a_nul_in_a_cell_or_a_column_name_is_reported_not_a_check_that_never_ends():
    # The report is jsonb, which cannot hold a NUL: the check used to fail on saving it and the file stayed "checking".
    content = traffic_csv([row(flow="A\x00GS")], columns=[*COLUMNS[:-1], "last\x00at"])
    report = _rejected(content)
    assert (1, "last\ufffdat", f"Unknown column last\ufffdat; the columns are: {', '.join(COLUMNS)}.") in report
    assert report[-1][:2] == (2, "flow") and "A\ufffdGS" in report[-1][2]


def test_json_nested_deeper_than_the_parser_goes_is_a_line_that_is_not_json():
    report = _rejected(b"[" * 100_000 + b"\n" + traffic_json_lines([row()]), name="htg-2020-03-02.jsonl")
    assert report == [(1, "", "The line is not valid JSON.")]


def test_a_check_that_fails_unforeseen_rejects_the_file_with_a_report_rather_than_checking_for_ever(monkeypatch):
    # given: the content's check breaks on something nobody foresaw
    def broken(**_kwargs):
        raise ValueError("unforeseen")

    monkeypatch.setattr("traffic.services.check.traffic_content_check", broken)

    # when / then: rejected, with the reason, nothing counted
    assert _rejected(traffic_csv([row()])) == [
        (
            0,
            "",
            "The check could not read this file to its end (an unexpected error, logged for the team). Nothing was "
            "applied: send the file again, or ask the team.",
        )
    ]


def test_a_check_that_loses_the_database_leaves_the_file_to_be_checked_again(monkeypatch):
    from django.db import OperationalError

    # given: the database goes away in the middle of the check
    def away(**_kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr("traffic.services.check.traffic_content_check", away)

    # when
    with pytest.raises(OperationalError):
        receive(traffic_csv([row()]))

    # then: not rejected: still waiting for its check (the every-minute resume runs it again), nothing counted
    assert TrafficFile.objects.get().status == S.CHECKING
    assert TrafficCount.objects.count() == 0

"""The check of a received traffic file as a whole, in the worker: the file-level problems (type, size, encoding,
header, a cut-off last line) and every row's (traffic/services/rows.py). A file with any error is rejected and
writes nothing; its report stays on its row."""

import datetime
import logging
from typing import IO, Any

from django.conf import settings
from django.db import DatabaseError, transaction
from django.db.models import Max, Min
from django.utils.translation import gettext_lazy as _

from htg_migration import clock
from plateaus.models import MessageFlow, Plateau, Programme
from traffic.models import TrafficFile
from traffic.services.formats import (
    COLUMNS,
    REQUIRED_COLUMNS,
    RowProblem,
    csv_rows,
    decoded_lines,
    file_format,
    json_rows,
)
from traffic.services.rows import INDEX, CheckResult

S = TrafficFile.Status
logger = logging.getLogger(__name__)
UNREADABLE = _(
    "The check could not read this file to its end (an unexpected error, logged for the team). Nothing was applied: "
    "send the file again, or ask the team."
)
TRUNCATED = _("The last line is cut off: the file ends in the middle of a row. Was it copied completely?")


def programme_window() -> tuple[datetime.date, datetime.date]:
    """The days traffic may report: from the first plateau's start to the last programme's deadline."""
    starts = Plateau.objects.aggregate(planned=Min("planned_start"), actual=Min("actual_start"))
    start = min(day for day in (starts["planned"], starts["actual"], datetime.date.max) if day is not None)
    end = Programme.objects.aggregate(end=Max("deadline"))["end"] or datetime.date.min
    return start, end


def flow_codes() -> dict[str, int]:
    return {code.lower(): pk for pk, code in MessageFlow.objects.values_list("pk", "code")}


def _row_problem(result: CheckResult, line: int, problem: RowProblem, complete: bool, last: bool) -> None:
    if last and not complete:
        result.add(line, "", TRUNCATED)
    else:
        result.add(line, problem.field, problem.message, problem.params)


def _check_csv(result: CheckResult, file: IO[bytes]) -> None:
    lines = decoded_lines(
        file, lambda line: result.add(line, "", _("The line is not UTF-8 text. Save the file as UTF-8."))
    )
    records = csv_rows(lines)
    positions: list[int | None] = []
    width = 0
    pending: tuple[int, Any, bool] | None = None
    for record in records:
        if not positions and not width:
            line, header, _complete = record
            if isinstance(header, RowProblem):
                result.add(line, "", header.message, header.params)
                return
            width = len(header)
            names = [name.strip() for name in header]
            for name in names:
                if name not in INDEX:
                    result.add(
                        line,
                        name[:40],
                        _("Unknown column %(column)s; the columns are: %(columns)s."),
                        {"column": name[:40], "columns": ", ".join(COLUMNS)},
                    )
                elif names.count(name) > 1:
                    result.add(line, name, _("This column appears more than once."))
            for name in REQUIRED_COLUMNS:
                if name not in names:
                    result.add(line, name, _("The column is missing."))
            positions = [names.index(name) if name in names else None for name in COLUMNS]
            continue
        if pending is not None:
            _csv_record(result, positions, width, pending, last=False)
        pending = record
    if pending is not None:
        _csv_record(result, positions, width, pending, last=True)
    elif not width:
        result.add(0, "", _("The file is empty."))


def _csv_record(
    result: CheckResult, positions: list[int | None], width: int, record: tuple[int, Any, bool], *, last: bool
) -> None:
    line, cells, complete = record
    if isinstance(cells, RowProblem):
        _row_problem(result, line, cells, complete, last)
        return
    if not cells:
        result.add(line, "", _("An empty line: remove it (a row on every line)."))
        return
    if len(cells) != width:
        if last and not complete:
            result.add(line, "", TRUNCATED)
        else:
            result.add(
                line,
                "",
                _("The line has %(found)s cells; the header has %(expected)s."),
                {"found": len(cells), "expected": width},
            )
        return
    result.check_row(line, [cells[position] if position is not None else None for position in positions])


def _check_json_lines(result: CheckResult, file: IO[bytes]) -> None:
    lines = decoded_lines(
        file, lambda line: result.add(line, "", _("The line is not UTF-8 text. Save the file as UTF-8."))
    )
    pending: tuple[int, Any, bool] | None = None
    for record in json_rows(lines):
        if pending is not None:
            _json_record(result, pending, last=False)
        pending = record
    if pending is not None:
        _json_record(result, pending, last=True)


def _json_record(result: CheckResult, record: tuple[int, Any, bool], *, last: bool) -> None:
    line, value, complete = record
    if isinstance(value, RowProblem):
        _row_problem(result, line, value, complete, last)
        return
    unknown = [key for key in value if key not in INDEX]
    for key in unknown:
        result.add(
            line,
            str(key)[:40],
            _("Unknown column %(column)s; the columns are: %(columns)s."),
            {"column": str(key)[:40], "columns": ", ".join(COLUMNS)},
        )
    if unknown:
        return
    result.check_row(line, [value.get(name) for name in COLUMNS])


def traffic_content_check(*, name: str, size: int, file: IO[bytes]) -> CheckResult:
    """Every problem of a traffic file's content, none written anywhere (the caller stores the result)."""
    result = CheckResult(window=programme_window(), today=clock.today(), flows=flow_codes())
    kind = file_format(name)
    if size > settings.HTG_TRAFFIC_MAX_BYTES:
        result.add(0, "", size_refusal(size), {})
    elif kind is None:
        result.add(0, "", _("Unknown kind of file: name it .csv (CSV) or .jsonl (JSON lines)."))
    elif kind == "csv":
        _check_csv(result, file)
    else:
        _check_json_lines(result, file)
    if not result.error_count and not result.rows:
        result.add(0, "", _("The file has no rows."))
    return result


def size_refusal(size: int) -> Any:
    from django.utils.text import format_lazy

    return format_lazy(
        _("The file is {size} MB; at most {limit} MB is accepted (one file per gateway per day). Nothing was read."),
        size=f"{size / 1_000_000:.1f}",
        limit=f"{settings.HTG_TRAFFIC_MAX_BYTES / 1_000_000:g}",
    )


def _content_result(traffic_file: TrafficFile) -> CheckResult:
    """The content's check; a file the check cannot get through (its content gone from the storage, an error nobody
    foresaw) is rejected with a report that says so, rather than left "checking" and tried again every minute for
    ever. The database being away is no reason to reject: that error goes up, and the check runs again later."""
    try:
        with traffic_file.file.open("rb") as content:
            return traffic_content_check(name=traffic_file.name, size=traffic_file.size, file=content)
    except DatabaseError:
        raise
    except Exception:
        logger.exception("traffic file %s: the check could not read it", traffic_file.pk)
        result = CheckResult(window=(datetime.date.min, datetime.date.max), today=datetime.date.max, flows={})
        result.add(0, "", UNREADABLE)
        return result


def traffic_file_check(*, file_id: int) -> TrafficFile:
    """Check a received file as a whole and record the result: checked (ready to apply) or rejected (its report).
    Safe to run twice: a file that is no longer waiting for its check is returned as it is."""
    with transaction.atomic():
        traffic_file = TrafficFile.objects.select_for_update().get(pk=file_id)
        if traffic_file.status not in (S.RECEIVED, S.CHECKING):
            return traffic_file
        if traffic_file.status == S.RECEIVED:
            traffic_file.start_check()
            traffic_file.save(update_fields=["status"])
    earlier = (
        TrafficFile.objects.filter(sha256=traffic_file.sha256, pk__lt=file_id)
        .exclude(status=S.REJECTED)
        .order_by("pk")
        .first()
    )
    if earlier is not None:
        result = CheckResult(window=(datetime.date.min, datetime.date.max), today=datetime.date.max, flows={})
        result.add(
            0,
            "",
            _("The same content was received before, on %(when)s as %(name)s: it is not applied twice."),
            {"when": f"{earlier.received_at:%Y-%m-%d %H:%M}", "name": earlier.name},
        )
    else:
        result = _content_result(traffic_file)
    with transaction.atomic():
        traffic_file = TrafficFile.objects.select_for_update().get(pk=file_id)
        if traffic_file.status != S.CHECKING:
            return traffic_file
        traffic_file.gateway = result.gateway
        traffic_file.day = result.day
        traffic_file.rows = result.rows
        traffic_file.report = result.errors
        traffic_file.error_count = result.error_count
        traffic_file.duplicate_of = earlier
        if result.error_count:
            traffic_file.reject()
        else:
            traffic_file.pass_check()
        traffic_file.save(
            update_fields=["gateway", "day", "rows", "report", "error_count", "duplicate_of", "status", "checked_at"]
        )
    if traffic_file.status == S.CHECKED and traffic_file.source != TrafficFile.Source.UPLOAD:
        # The gateways' own feed (the inbox, the API) has nobody to press Apply: a clean file is applied at once.
        from traffic.services.apply import traffic_file_apply_request

        traffic_file = traffic_file_apply_request(file_id=file_id)
    return traffic_file

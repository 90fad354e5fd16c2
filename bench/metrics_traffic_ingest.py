"""`traffic_ingest_rows_per_s` (issue 18, item 8), registered in bench/run.py: a gateway's file of 1,000,000 rows
checked and applied through the traffic app's own services, as its two tasks run them, beside PostgreSQL's COPY of
the same rows into an unlogged table without indexes. The rate hardly depends on the register's size (the file's
senders are its own), so it is measured once per run, at the first size."""

import csv
import io
import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from django.db.backends.base.base import BaseDatabaseWrapper

    from bench.run import BenchContext, Metric

ROWS = 1_000_000
DAY = "2019-12-07"  # a Saturday at the programme's start: no other traffic file for it
FLOWS = ("AGS", "NCTS")
ENVIRONMENTS = ("test", "production")
DIRECTIONS = ("in", "out")
SENDER_PREFIX = "BENCH-"
MOMENTS = ("first_at", "last_at")
_measured: list[bool] = []


def traffic_file(rows: int = ROWS) -> bytes:
    """A file of `rows` rows for HTG on DAY: every sender with each flow, environment and direction."""
    combinations = len(FLOWS) * len(ENVIRONMENTS) * len(DIRECTIONS)
    target = io.StringIO()
    writer = csv.writer(target, lineterminator="\n")
    writer.writerow(
        [
            "day",
            "gateway",
            "sender_scheme",
            "sender",
            "flow",
            "environment",
            "direction",
            "messages",
            "errors",
            *MOMENTS,
        ]
    )
    times = (f"{DAY}T07:02:11+01:00", f"{DAY}T18:45:03+01:00")
    for number in range(rows // combinations):
        sender = f"{SENDER_PREFIX}{number:07d}"
        for flow in FLOWS:
            for environment in ENVIRONMENTS:
                for direction in DIRECTIONS:
                    writer.writerow(
                        [
                            DAY,
                            "htg",
                            "htg",
                            sender,
                            flow,
                            environment,
                            direction,
                            1 + number % 97,
                            number % 97 // 40,
                            *times,
                        ]
                    )
    return target.getvalue().encode("utf-8")


def _copy_seconds(connection: "BaseDatabaseWrapper", content: bytes) -> float:
    """PostgreSQL's COPY of the file's rows into an unlogged table of the same columns without indexes."""
    from traffic.services.apply import STAGING_COLUMNS

    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_floor_traffic")
        cursor.execute(f"CREATE UNLOGGED TABLE bench_floor_traffic ({STAGING_COLUMNS})")
        started = time.perf_counter()
        cursor.cursor.copy_expert(
            "COPY bench_floor_traffic FROM STDIN WITH (FORMAT csv, HEADER true)", io.BytesIO(content)
        )
        seconds = time.perf_counter() - started
        cursor.execute("DROP TABLE bench_floor_traffic")
    return seconds


def _remove(connection: "BaseDatabaseWrapper", file_id: int) -> None:
    """Take the bench's counts, senders and rollup out again, so the metrics after this one see the seed only."""
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM traffic_trafficcount WHERE day = %s AND file_id = %s", [DAY, file_id])
        cursor.execute("DELETE FROM traffic_trafficsender WHERE identity LIKE %s", [f"{SENDER_PREFIX}%"])
        cursor.execute("DELETE FROM traffic_trafficdaily WHERE day = %s AND gateway = 'htg'", [DAY])


def traffic_ingest_metrics(context: "BenchContext") -> list["Metric"]:
    from django.core.files.base import ContentFile

    from bench.run import rate_metric, vacuum
    from traffic.models import TrafficFile
    from traffic.services.apply import traffic_file_apply
    from traffic.services.check import traffic_file_check

    if _measured:
        return []
    _measured.append(True)
    if TrafficFile.objects.filter(gateway="htg", day=DAY, status=TrafficFile.Status.APPLIED).exists():
        raise RuntimeError(f"the bench's day {DAY} has HTG traffic already")
    content = traffic_file()
    rows = ROWS // 8 * 8
    row = TrafficFile.objects.create(
        name="bench-htg-2019-12-07.csv",
        sha256=f"bench-{time.time_ns()}",
        size=len(content),
        source=TrafficFile.Source.UPLOAD,
        file=ContentFile(content, name="bench-htg-2019-12-07.csv"),
    )
    try:
        started = time.perf_counter()
        checked = traffic_file_check(file_id=row.pk)
        check_seconds = time.perf_counter() - started
        if checked.status != TrafficFile.Status.CHECKED:
            raise RuntimeError(f"the bench file did not pass its check: {checked.report[:3]}")
        started = time.perf_counter()
        applied = traffic_file_apply(file_id=row.pk)
        apply_seconds = time.perf_counter() - started
        if applied.status != TrafficFile.Status.APPLIED:
            raise RuntimeError(f"the bench file was not applied: {applied.status} {applied.report[:3]}")
        print(
            f"bench: traffic file of {rows} rows ({len(content) / 1e6:.1f} MB): checked in {check_seconds:.1f} s, "
            f"applied in {apply_seconds:.1f} s",
            flush=True,
        )
        _remove(context.connection, row.pk)
        vacuum(context.connection, "traffic_trafficsender")
        floor_seconds = _copy_seconds(context.connection, content)
    finally:
        _remove(context.connection, row.pk)
        row.file.delete(save=False)
        TrafficFile.objects.filter(pk=row.pk).delete()
    rate = rows / (check_seconds + apply_seconds)
    return [rate_metric("traffic_ingest_rows_per_s", context.size, rate, "rows/s", rows / floor_seconds)]

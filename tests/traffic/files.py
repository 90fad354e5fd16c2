"""Traffic files for the tests (docs/traffic-format.md)."""

import csv
import io
import json
from typing import Any

import pytest

from traffic.models import TrafficFile
from traffic.services.apply import traffic_file_apply
from traffic.services.check import traffic_file_check
from traffic.services.formats import COLUMNS
from traffic.services.receive import traffic_file_receive

DAY = "2020-03-02"


def row(**overrides: Any) -> dict[str, Any]:
    values = {
        "day": DAY,
        "gateway": "htg",
        "sender_scheme": "htg",
        "sender": "HTG-0000001-8",
        "flow": "AGS",
        "environment": "production",
        "direction": "out",
        "messages": "10",
        "errors": "1",
        "first_at": f"{DAY}T08:00:00+01:00",
        "last_at": f"{DAY}T17:00:00+01:00",
    }
    values.update(overrides)
    return values


def traffic_csv(rows: list[dict[str, Any]], columns: tuple[str, ...] | list[str] = COLUMNS) -> bytes:
    target = io.StringIO()
    writer = csv.writer(target, lineterminator="\n")
    writer.writerow(columns)
    for values in rows:
        writer.writerow([values.get(name, "") for name in columns])
    return target.getvalue().encode("utf-8")


def traffic_json_lines(rows: list[dict[str, Any]]) -> bytes:
    return "".join(json.dumps(values) + "\n" for values in rows).encode("utf-8")


def receive(content: bytes, name: str = "htg-2020-03-02.csv", user: Any = None) -> TrafficFile:
    """Uploaded and checked (the check the worker runs), the row read again."""
    traffic_file = traffic_file_receive(
        name=name, content=io.BytesIO(content), size=len(content), source="upload", uploaded_by=user
    )
    traffic_file_check(file_id=traffic_file.pk)
    return TrafficFile.objects.get(pk=traffic_file.pk)


def apply(traffic_file: TrafficFile) -> TrafficFile:
    traffic_file_apply(file_id=traffic_file.pk)
    return TrafficFile.objects.get(pk=traffic_file.pk)


@pytest.fixture
def traffic_settings(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.HTG_CLOCK_DATE = __import__("datetime").date(2020, 5, 15)
    settings.HTG_TRAFFIC_INBOX = ""
    return settings

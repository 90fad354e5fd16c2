"""Counts written as an applied file would leave them, then derived.refresh run for that gateway and day: the
evidence and dashboard tests' way to put traffic in (the file checks and COPY are the ingest's own tests)."""

import datetime
import hashlib

from django.db import connection as database

from traffic.models import TrafficFile, TrafficSender
from traffic.services.derived import refresh
from traffic.services.partitions import ensure_month


def sender(*, gateway: str, identity: str, customer=None, scheme: str | None = None) -> TrafficSender:
    scheme = scheme or ("htg" if gateway == "htg" else "eori")
    found, _created = TrafficSender.objects.get_or_create(
        gateway=gateway,
        scheme=scheme,
        identity=identity,
        defaults={
            "customer": customer,
            "first_seen": datetime.date(2020, 1, 1),
            "last_seen": datetime.date(2020, 1, 1),
        },
    )
    return found


def apply_day(gateway: str, day: datetime.date, rows: list[tuple]) -> TrafficFile:
    """One applied file of `gateway` for `day`: rows of (sender, flow, environment, messages), replacing what that
    gateway's earlier file of the day counted; then the rollup and the evidence are derived as the apply does."""
    ensure_month(day)
    name = f"{gateway}-{day.isoformat()}-{len(rows)}.csv"
    with database.cursor() as cursor:
        cursor.execute("DELETE FROM traffic_trafficcount WHERE gateway = %s AND day = %s", [gateway, day])
        cursor.execute(
            "UPDATE traffic_trafficfile SET status = 'replaced' WHERE gateway = %s AND day = %s", [gateway, day]
        )
    traffic_file = TrafficFile.objects.create(
        gateway=gateway,
        day=day,
        name=name,
        sha256=hashlib.sha256(f"{name}{rows}".encode()).hexdigest(),
        size=1,
        source=TrafficFile.Source.UPLOAD,
        status=TrafficFile.Status.APPLIED,
        rows=len(rows),
    )
    with database.cursor() as cursor:
        for row_sender, flow, environment, messages in rows:
            cursor.execute(
                "INSERT INTO traffic_trafficcount (day, file_id, gateway, environment, direction, flow_id, sender_id, "
                "customer_id, messages, errors) VALUES (%s, %s, %s, %s, 'in', %s, %s, %s, %s, 0)",
                [day, traffic_file.pk, gateway, environment, flow.pk, row_sender.pk, row_sender.customer_id, messages],
            )
            TrafficSender.objects.filter(pk=row_sender.pk).update(last_seen=day)
    refresh(gateway=gateway, day=day)
    return traffic_file

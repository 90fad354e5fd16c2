"""Applying a checked traffic file, in one transaction: its rows COPied into a staging table of their own, the
senders upserted (matched to customers by HTG number, EORI, or the OIN made from a KvK number), the counts written
into the month's partition, the earlier file for the same gateway and day replaced, and the rollup refreshed.

Idempotent: the file's row is locked first and its state decides (an applied file is not applied again), and the
gateway and day are locked too, so two files for the same day apply one after the other, the later replacing the
earlier."""

import csv
import json
import tempfile
from typing import IO, Any

from django.db import connection, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from connections.services.submit_tokens import submit_owner_user, submit_token_claim, submit_token_record
from htg_migration.errors import ApplicationError, ConflictError
from traffic.models import TrafficFile
from traffic.services import derived
from traffic.services.formats import BYTE_ORDER_MARK, COLUMNS, file_format
from traffic.services.partitions import ensure_month
from traffic.services.rows import message_pair

S = TrafficFile.Status
STAGING_COLUMNS = """
    day date, gateway text, sender_scheme text, sender text, flow text, environment text, direction text,
    messages integer, errors integer, first_at timestamptz, last_at timestamptz
"""
SENDERS_UPSERT = """
INSERT INTO traffic_trafficsender (gateway, scheme, identity, customer_id, first_seen, last_seen, messages_total)
SELECT %(gateway)s, g.scheme, g.identity, coalesce(h.id, e.id, o.id), %(day)s, %(day)s, g.messages
FROM (
    SELECT sender_scheme AS scheme, sender AS identity, sum(messages) AS messages
    FROM {staging} GROUP BY 1, 2
) g
LEFT JOIN connections_customer h ON g.scheme = 'htg' AND h.htg_number = g.identity
LEFT JOIN connections_customer e ON g.scheme = 'eori' AND e.eori = upper(g.identity)
LEFT JOIN connections_customer o
    ON g.scheme = 'oin' AND g.identity ~ '^00000003[0-9]{{8}}0000$' AND o.kvk_number = substr(g.identity, 9, 8)
ORDER BY g.scheme, g.identity
ON CONFLICT (gateway, scheme, identity) DO UPDATE SET
    customer_id = coalesce(EXCLUDED.customer_id, traffic_trafficsender.customer_id),
    first_seen = least(traffic_trafficsender.first_seen, EXCLUDED.first_seen),
    last_seen = greatest(traffic_trafficsender.last_seen, EXCLUDED.last_seen),
    messages_total = traffic_trafficsender.messages_total + EXCLUDED.messages_total
"""
COUNTS_INSERT = """
INSERT INTO traffic_trafficcount (day, file_id, gateway, environment, direction, flow_id, sender_id, customer_id,
                                  messages, errors, first_at, last_at)
SELECT st.day, %(file)s, st.gateway, st.environment, st.direction, f.id, s.id, s.customer_id,
       st.messages, st.errors, st.first_at, st.last_at
FROM {staging} st
JOIN plateaus_messageflow f ON lower(f.code) = lower(st.flow)
JOIN traffic_trafficsender s ON s.gateway = st.gateway AND s.scheme = st.sender_scheme AND s.identity = st.sender
"""
SENDERS_SUBTRACT = """
UPDATE traffic_trafficsender s SET messages_total = s.messages_total - c.messages
FROM (
    SELECT sender_id, sum(messages) AS messages FROM traffic_trafficcount
    WHERE day = %(day)s AND file_id = %(file)s GROUP BY sender_id
) c
WHERE s.id = c.sender_id
"""
LATER_APPLIED = gettext_lazy(
    "A file for this gateway and day that was received later is applied already: this one is not applied."
)
DUPLICATE = gettext_lazy("The same content was applied already (%(name)s): it is not applied twice.")


def _copy_into(staging: str, traffic_file: TrafficFile, content: IO[bytes]) -> None:
    """The file's rows into the staging table through the driver's COPY (psycopg2's copy_expert)."""
    with connection.cursor() as cursor:
        if file_format(traffic_file.name) == "csv":
            header = content.readline().decode("utf-8").removeprefix(BYTE_ORDER_MARK)
            columns = [name.strip() for name in next(csv.reader([header]))]
            content.seek(0)
            nullable = [name for name in ("first_at", "last_at") if name in columns]
            force_null = f", FORCE_NULL ({', '.join(nullable)})" if nullable else ""
            cursor.copy_expert(
                f"COPY {staging} ({', '.join(columns)}) FROM STDIN WITH (FORMAT csv, HEADER true{force_null})",
                content,
            )
            return
        # JSON lines: made into CSV on the way (a temporary file, so a large one stays out of memory).
        with tempfile.TemporaryFile("w+", encoding="utf-8", newline="") as converted:
            writer = csv.writer(converted)
            for line in content:
                if line.strip():
                    row = json.loads(line)
                    writer.writerow([row.get(name) if row.get(name) is not None else "" for name in COLUMNS])
            converted.seek(0)
            cursor.copy_expert(
                f"COPY {staging} ({', '.join(COLUMNS)}) FROM STDIN WITH (FORMAT csv, FORCE_NULL (first_at, last_at))",
                converted,
            )


def _reject(traffic_file: TrafficFile, message: Any, params: dict[str, Any]) -> TrafficFile:
    traffic_file.report = [{"line": 0, "field": "", **message_pair(message, params)}]
    traffic_file.error_count = 1
    traffic_file.reject()
    traffic_file.save(update_fields=["report", "error_count", "status", "checked_at"])
    return traffic_file


@transaction.atomic
def traffic_file_apply(*, file_id: int) -> TrafficFile:
    """Apply a checked file (see the module's description); a file in any other state is returned unchanged."""
    traffic_file = TrafficFile.objects.select_for_update().get(pk=file_id)
    if traffic_file.status not in (S.CHECKED, S.APPLYING) or traffic_file.day is None:
        return traffic_file
    gateway, day = traffic_file.gateway, traffic_file.day
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext('traffic-day'), hashtext(%s))", [f"{gateway}:{day}"])
    same = TrafficFile.objects.filter(sha256=traffic_file.sha256, status=S.APPLIED).exclude(pk=file_id).first()
    if same is not None:
        return _reject(traffic_file, DUPLICATE, {"name": same.name})
    earlier = TrafficFile.objects.select_for_update().filter(gateway=gateway, day=day, status=S.APPLIED).first()
    if earlier is not None and (earlier.received_at, earlier.pk) > (traffic_file.received_at, traffic_file.pk):
        return _reject(traffic_file, LATER_APPLIED, {})
    ensure_month(day)
    staging = f"traffic_staging_{traffic_file.pk}"
    with connection.cursor() as cursor:
        # A table of this transaction's own (no session state: it is dropped before the commit), unlogged and
        # without indexes, so the COPY is as cheap as it gets.
        cursor.execute(f"CREATE UNLOGGED TABLE {staging} ({STAGING_COLUMNS})")
        with traffic_file.file.open("rb") as content:
            _copy_into(staging, traffic_file, content)
        if earlier is not None:
            cursor.execute(SENDERS_SUBTRACT, {"day": day, "file": earlier.pk})
            cursor.execute("DELETE FROM traffic_trafficcount WHERE day = %s AND file_id = %s", [day, earlier.pk])
        cursor.execute(SENDERS_UPSERT.format(staging=staging), {"gateway": gateway, "day": day})
        cursor.execute(COUNTS_INSERT.format(staging=staging), {"file": traffic_file.pk})
        written = cursor.rowcount
        cursor.execute(f"DROP TABLE {staging}")
    if written != traffic_file.rows:
        raise ApplicationError(
            _("The file's rows changed after its check (%(rows)s checked, %(written)s written): nothing applied.")
            % {"rows": traffic_file.rows, "written": written}
        )
    if earlier is not None:
        earlier.replace(by=traffic_file)
        earlier.save(update_fields=["status", "replaced_by"])
    traffic_file.apply()
    traffic_file.save(update_fields=["status", "applied_at"])
    derived.refresh(gateway=gateway, day=day)
    return traffic_file


@transaction.atomic
def traffic_file_apply_request(*, file_id: int, requested_by: Any = None, submit_token: Any = None) -> TrafficFile:
    """The team's (or the API's) go for a checked file: it moves to "applying" and the worker applies it. The page's
    submit token makes a double click one request; a file already applying or applied is returned as it is; any
    other state is a conflict (409)."""
    owner = submit_owner_user(requested_by)
    if submit_token_claim(token=submit_token, owner=owner, model=TrafficFile) is not None:
        return TrafficFile.objects.get(pk=file_id)
    traffic_file = TrafficFile.objects.select_for_update().get(pk=file_id)
    submit_token_record(token=submit_token, owner=owner, created=traffic_file)
    if traffic_file.status in (S.APPLYING, S.APPLIED):
        return traffic_file
    if traffic_file.status != S.CHECKED:
        raise ConflictError(
            _("Only a checked file without errors can be applied."), extra={"status": traffic_file.status}
        )
    traffic_file.start_apply()
    traffic_file.save(update_fields=["status"])
    from traffic.tasks import traffic_file_apply_task

    transaction.on_commit(lambda: traffic_file_apply_task.delay(traffic_file.pk))
    return traffic_file

"""Demo data: writing the rows in bulk with PostgreSQL's COPY (ids reserved first)."""

import io
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from django.db import connection as database
from django.db import models

from connections.models import Connection, ConnectionEvent, Contact, Customer, HtgNumberAllocation
from connections.services.demo.timeline import Calendar

BATCH_ROWS = 100_000
FREE_TEXT_COLUMNS = frozenset({"legal_name", "name", "email", "phone", "vpn_details", "note"})
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})

# The columns each table gets, in COPY order; values ending in "_at" are moments (see Calendar).
COLUMNS: dict[type[models.Model], tuple[str, ...]] = {
    Customer: ("id", "legal_name", "kvk_number", "eori", "role", "hub_id", "htg_number", "created_at", "updated_at"),
    HtgNumberAllocation: ("id", "number", "customer_id", "issued_at"),
    Contact: ("customer_id", "name", "email", "phone", "language", "is_primary"),
    Connection: (
        "id",
        "customer_id",
        "flow_id",
        "channel",
        "tls_version",
        "vpn_peer_address",
        "vpn_details",
        "assigned_to_id",
        "state",
        "state_before_hold",
        "state_changed_at",
        "due_on",
        "created_at",
    ),
    ConnectionEvent: ("connection_id", "transition", "from_state", "to_state", "note", "created_at"),
}


class RowSink:
    """Collects rows per table and writes them in batches with COPY.

    A background thread runs each COPY on the same database connection (so in the same transaction)
    while the caller builds the next batch: the database works on one core while Python works on the other. Use it
    as a context manager: leaving it waits for the last COPY, so nothing runs on the connection afterwards.
    """

    def __init__(self, *, calendar: Calendar) -> None:
        self.calendar = calendar
        self.rows: dict[type[models.Model], list[tuple[Any, ...]]] = {model: [] for model in COLUMNS}
        self.writer = ThreadPoolExecutor(max_workers=1)
        self.pending: list[Future[None]] = []

    def __enter__(self) -> "RowSink":
        return self

    def __exit__(self, exc_type: object, exc: object, traceback: object) -> None:
        self.writer.shutdown(wait=True, cancel_futures=exc_type is not None)

    def add(self, model: type[models.Model], row: tuple[Any, ...]) -> None:
        rows = self.rows[model]
        rows.append(row)
        if len(rows) >= BATCH_ROWS:
            self.flush(model)

    def flush(self, model: type[models.Model]) -> None:
        rows, self.rows[model] = self.rows[model], []
        if not rows:
            return
        columns = COLUMNS[model]
        moments = [position for position, name in enumerate(columns) if name.endswith("_at")]
        buffer = self._copy_text(rows, columns, moments)
        while len(self.pending) > 1:  # at most one batch waits while one is written: memory stays bounded
            self.pending.pop(0).result()
        quote = database.ops.quote_name
        sql = f"COPY {quote(model._meta.db_table)} ({', '.join(quote(column) for column in columns)}) FROM STDIN"
        database.ensure_connection()
        self.pending.append(self.writer.submit(_copy, database.connection, sql, buffer))

    def _copy_text(self, rows: list[tuple[Any, ...]], columns: Sequence[str], moments: list[int]) -> io.StringIO:
        texts, text = self.calendar.texts, self.calendar.text
        free_text = [position for position, name in enumerate(columns) if name in FREE_TEXT_COLUMNS]
        lines = []
        for row in rows:
            values = ["\\N" if value is None else value if type(value) is str else str(value) for value in row]
            for position in free_text:
                values[position] = values[position].translate(_COPY_ESCAPES)
            for position in moments:
                values[position] = texts.get(row[position]) or text(row[position])
            lines.append("\t".join(values))
        lines.append("")
        return io.StringIO("\n".join(lines))

    def wait(self) -> None:
        """Wait for every COPY sent: the connection must not run anything else meanwhile (libpq allows one)."""
        while self.pending:
            self.pending.pop(0).result()

    def flush_all(self) -> None:
        for model in COLUMNS:
            self.flush(model)
        self.wait()


def _copy(raw_connection: Any, sql: str, buffer: io.StringIO) -> None:
    with raw_connection.cursor() as cursor:
        cursor.copy_expert(sql, buffer)


def reserve_ids(model: type[models.Model], count: int) -> list[int]:
    """Ids for rows not written yet, so that rows can refer to each other before they go in."""
    if count == 0:
        return []
    table = model._meta.db_table
    with database.cursor() as cursor:
        cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", [table, count])
        return [row[0] for row in cursor.fetchall()]

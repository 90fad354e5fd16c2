"""Budget of the registration list import (issue 3, item 5): `import_s`, registered in bench/run.py."""

import io
import time
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from django.db.backends.base.base import BaseDatabaseWrapper

    from bench.run import BenchContext, Metric

EORI_PREFIX = "IMP"  # foreign EORI numbers of the file's companies: letters the seed never uses, so never taken


def _new_numbers(taken: set[str], digits: int, start: int) -> "Any":
    number = start
    while True:
        text = f"{number:0{digits}d}"
        if text not in taken:
            yield text
        number += 1


def registration_file(*, today: Any) -> tuple[bytes, int]:
    """The seeded register exported (the export of the whole list) and every row turned into a new company: new
    EORI and KvK numbers, names and e-mail addresses; a client's hub becomes the new twin of its hub, defined
    somewhere in the same file. Importing it adds as many companies, contacts and connections as the seed has."""
    from connections.models import Customer
    from connections.selectors.connection_list import ConnectionFilters
    from imports.selectors import registration_export_rows
    from imports.services.formats import csv_lines

    taken_kvk = set(Customer.objects.exclude(kvk_number="").values_list("kvk_number", flat=True))
    taken_dutch = {eori[2:] for eori in Customer.objects.filter(eori__startswith="NL").values_list("eori", flat=True)}
    kvk_numbers = _new_numbers(taken_kvk, 8, 90_000_000)
    dutch_numbers = _new_numbers(taken_dutch, 9, 900_000_000)
    twins: dict[str, str] = {}

    def twin(eori: str) -> str:
        if eori not in twins:
            dutch = eori.startswith("NL")
            twins[eori] = f"NL{next(dutch_numbers)}" if dutch else f"{eori[:2]}{EORI_PREFIX}{len(twins)}"
        return twins[eori]

    rows = []
    for values in registration_export_rows(filters=ConnectionFilters(), today=today):
        values[0] = f"{values[0]} (nieuw)"[:200]
        values[1] = next(kvk_numbers) if values[1] else ""
        values[2] = twin(values[2])
        values[4] = twin(values[4]) if values[4] else ""
        for position in (7, 11):  # the contacts' e-mail addresses
            if values[position]:
                values[position] = f"nieuw.{values[position]}"
        rows.append(values)
    return "".join(csv_lines(rows)).encode("utf-8"), len(rows)


def _copy_seconds(connection: "BaseDatabaseWrapper", table: str, where: str, ids: list[int]) -> float:
    """PostgreSQL's COPY of these rows into an unlogged copy of the table without indexes (only the COPY is timed)."""
    quote = connection.ops.quote_name
    floor_table = quote(f"bench_floor_{table}")
    buffer = io.StringIO()
    with connection.cursor() as cursor:
        raw = cursor.cursor  # psycopg2's own cursor: COPY
        raw.copy_expert(
            cursor.mogrify(f"COPY (SELECT * FROM {quote(table)} WHERE {where} = ANY(%s)) TO STDOUT", [ids]).decode(),  # noqa: S608
            buffer,
        )
        cursor.execute(f"DROP TABLE IF EXISTS {floor_table}")
        cursor.execute(f"CREATE UNLOGGED TABLE {floor_table} (LIKE {quote(table)} INCLUDING DEFAULTS)")
        buffer.seek(0)
        started = time.perf_counter()
        raw.copy_expert(f"COPY {floor_table} FROM STDIN", buffer)
        seconds = time.perf_counter() - started
        cursor.execute(f"DROP TABLE {floor_table}")
    return seconds


def _remove(connection: "BaseDatabaseWrapper", customer_ids: list[int]) -> None:
    """Take the imported companies out again, so that the metrics after this one see the seeded register."""
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM connections_connection WHERE customer_id = ANY(%s)", [customer_ids])
        cursor.execute("DELETE FROM connections_contact WHERE customer_id = ANY(%s)", [customer_ids])
        cursor.execute("UPDATE connections_customer SET hub_id = NULL WHERE id = ANY(%s)", [customer_ids])
        cursor.execute("DELETE FROM connections_customer WHERE id = ANY(%s)", [customer_ids])


def import_metrics(context: "BenchContext") -> list["Metric"]:
    from django.contrib.auth.models import User
    from django.core.files.base import ContentFile

    from bench.run import metric
    from connections.models import Connection, Contact, Customer
    from htg_migration import clock
    from imports.models import ImportBatch
    from imports.services import import_batch_apply, import_batch_validate

    content, rows = registration_file(today=clock.today())
    first_new_id = (Customer.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1
    user = User.objects.order_by("id").first()
    if user is None:
        raise RuntimeError("the seed made no user")
    batch = ImportBatch.objects.create(
        created_by=user,
        file=ContentFile(content, name="bench-registrations.csv"),
        original_name="bench-registrations.csv",
        file_format=ImportBatch.Format.CSV,
    )
    try:
        started = time.perf_counter()
        checked = import_batch_validate(batch_id=batch.pk)
        validate_seconds = time.perf_counter() - started
        if checked.status != ImportBatch.Status.VALID:
            raise RuntimeError(f"the bench file did not pass its check: {checked.status} {checked.errors[:3]}")
        ImportBatch.objects.filter(pk=batch.pk).update(status=ImportBatch.Status.APPLYING)  # what "Import" does
        started = time.perf_counter()
        applied = import_batch_apply(batch_id=batch.pk)
        apply_seconds = time.perf_counter() - started
        if applied.status != ImportBatch.Status.APPLIED or applied.created_customers != rows:
            raise RuntimeError(f"the bench import did not import: {applied.status} {applied.failure}")
        print(
            f"bench: import of {rows} rows ({len(content) / 1e6:.1f} MB): checked in {validate_seconds:.1f} s, "
            f"imported in {apply_seconds:.1f} s ({applied.created_customers} companies, "
            f"{applied.created_connections} connections)",
            flush=True,
        )
        customer_ids = list(Customer.objects.filter(id__gte=first_new_id).values_list("id", flat=True))
        contact_ids = list(Contact.objects.filter(customer_id__in=customer_ids).values_list("id", flat=True))
        connection_ids = list(Connection.objects.filter(customer_id__in=customer_ids).values_list("id", flat=True))
        floor = (
            _copy_seconds(context.connection, Customer._meta.db_table, "id", customer_ids)
            + _copy_seconds(context.connection, Contact._meta.db_table, "id", contact_ids)
            + _copy_seconds(context.connection, Connection._meta.db_table, "id", connection_ids)
        )
        _remove(context.connection, customer_ids)
    finally:
        batch.file.delete(save=False)
        ImportBatch.objects.filter(pk=batch.pk).delete()
    return [metric("import_s", context.size, validate_seconds + apply_seconds, "s", floor)]

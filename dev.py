#!/usr/bin/env python3
"""The two commands of README.md, for a fresh machine that has only Python 3.11.

    python3.11 dev.py run [--port N]   install, migrate, load demo data, run the app with a worker and the scheduler
    python3.11 dev.py test [ARGS]      install the test dependencies, then lint, type-check and run the whole suite
    python3.11 dev.py bench [ARGS]     install what the benchmarks need (`make bench`), then run bench/run.py
    python3.11 dev.py load [ARGS]      the same, then the load test bench/load/run.py (`make load`)

Both create .venv/ beside this file and install exactly the versions pinned in pyproject.toml. Without DATABASE_URL,
`run` uses an embedded PostgreSQL in var/postgres (htg_migration/embedded_db.py), started here and stopped on Ctrl-C;
`test` does the same when no PostgreSQL answers on 127.0.0.1:5432 (HTG_TEST_POSTGRES_PROBE=host:port asks elsewhere).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import signal
import socket
import subprocess
import sys
import tomllib
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
PYTHON = VENV / "bin" / "python"
VAR = ROOT / "var"
EMBEDDED_DATA = VAR / "postgres"
DEMO_DATE = "2020-05-15"


def _requirements(extras: list[str]) -> list[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    requirements = list(project["dependencies"])
    for extra in extras:
        requirements += project["optional-dependencies"][extra]
    return requirements


def ensure_environment(extras: list[str]) -> None:
    """Create .venv and install the pinned requirements, unless exactly these are installed already."""
    if sys.version_info[:2] != (3, 11):
        sys.exit(f"Python 3.11 is needed (this is {sys.version.split()[0]}): run `python3.11 dev.py ...`.")
    if not PYTHON.exists():
        print("Creating .venv ...", flush=True)
        venv.create(VENV, with_pip=True)
    requirements = _requirements(extras)
    stamp = VENV / f".installed-{hashlib.sha256(' '.join(requirements).encode()).hexdigest()[:16]}"
    if stamp.exists():
        return
    print("Installing the pinned requirements ...", flush=True)
    subprocess.run(
        [PYTHON, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", *requirements], check=True
    )
    stamp.touch()


def manage(*arguments: str, environment: dict[str, str]) -> None:
    subprocess.run([PYTHON, "manage.py", *arguments], cwd=ROOT, env=environment, check=True)


def embedded_database_start() -> tuple[str, bool]:
    """Start the embedded PostgreSQL in var/postgres or find it running: its DATABASE_URL, whether this started it."""
    print(f"Starting the embedded PostgreSQL in {EMBEDDED_DATA} ...", flush=True)
    output = subprocess.run(
        [PYTHON, "-m", "htg_migration.embedded_db", "start", str(EMBEDDED_DATA)],
        cwd=ROOT,
        check=True,
        stdout=subprocess.PIPE,
        text=True,
    ).stdout
    answer = json.loads(output)
    print(f"The embedded PostgreSQL runs at DATABASE_URL={answer['url']}", flush=True)
    return answer["url"], answer["started"]


def embedded_database_stop() -> None:
    print("Stopping the embedded PostgreSQL ...", flush=True)
    subprocess.run([PYTHON, "-m", "htg_migration.embedded_db", "stop", str(EMBEDDED_DATA)], cwd=ROOT, check=False)


def run(arguments: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="dev.py run")
    parser.add_argument("--port", type=int, default=8000, help="the app's port on 127.0.0.1 (default 8000)")
    port = parser.parse_args(arguments).port
    ensure_environment([])
    for folder in ("mail", "broker", "broker-processed"):
        (VAR / folder).mkdir(parents=True, exist_ok=True)
    environment = {
        "DJANGO_SETTINGS_MODULE": "htg_migration.settings.local",
        "PYTHONUNBUFFERED": "1",
        # The demo relives the 2020 programme in mid-May, not years after its deadline (htg_migration/clock.py).
        "HTG_CLOCK_DATE": DEMO_DATE,
        # The links in e-mails lead to this run's port.
        "HTG_TEAM_URL": f"http://127.0.0.1:{port}/",
        "HTG_PORTAL_URL": f"http://127.0.0.1:{port}/portal/",
        **os.environ,
    }
    embedded = not os.environ.get("DATABASE_URL")
    if embedded:
        # The demo's own database: this command stops it at the end, also when an earlier run left it running.
        environment["DATABASE_URL"], _started = embedded_database_start()
    try:
        serve(environment, port=port)
    except KeyboardInterrupt:
        pass
    finally:
        if embedded:
            embedded_database_stop()


# The demo loader, in order (tests/test_demo_loader.py runs the same steps on an empty database): the companies with
# the team's workspace (slots in every open booking window, escalations, callback requests, portal contacts), their
# message traffic through both gateways, the
# community area's news and documents, a weekly report, and the sign-in details of the staff and portal users.
DEMO_COMMANDS: list[list[str]] = [
    ["seed_demo", "--customers", "500", "--seed", "1", "--as-of", DEMO_DATE, "--if-empty"],
    ["demo_traffic", "--as-of", DEMO_DATE, "--if-empty"],
    ["demo_community"],
    ["weekly_report", "--as-of", DEMO_DATE],
    ["demo_users"],
]


def serve(environment: dict[str, str], *, port: int) -> None:
    """Migrate, load the demo, and run the app with a worker and the scheduler until Ctrl-C."""
    manage("migrate", "--no-input", "-v", "0", environment=environment)
    for command in DEMO_COMMANDS:
        manage(*command, environment=environment)
    print(f"E-mails are written as files to {VAR / 'mail'}", flush=True)
    worker = subprocess.Popen(
        [
            PYTHON,
            *["-m", "celery", "-A", "htg_migration", "worker", "--beat", "--pool", "threads", "--concurrency", "2"],
            *["--loglevel", "INFO"],
            "--schedule",
            str(VAR / "celerybeat-schedule"),
        ],
        cwd=ROOT,
        env=environment,
    )
    try:
        print(f"The programme's clock reads {environment['HTG_CLOCK_DATE']} (HTG_CLOCK_DATE).", flush=True)
        print(
            f"The app runs at http://127.0.0.1:{port} (Ctrl-C stops the app, the worker and the scheduler).", flush=True
        )
        subprocess.run([PYTHON, "manage.py", "runserver", f"127.0.0.1:{port}"], cwd=ROOT, env=environment, check=False)
    except KeyboardInterrupt:
        pass
    finally:
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(timeout=15)
        except subprocess.TimeoutExpired:
            worker.kill()


def _postgres_answers(address: str) -> bool:
    host, _, port = address.rpartition(":")
    try:
        with socket.create_connection((host, int(port)), timeout=2):
            return True
    except OSError:
        return False


def test(arguments: list[str]) -> int:
    ensure_environment(["test"])
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "htg_migration.settings.test"}
    started = False
    if not os.environ.get("DATABASE_URL") and not _postgres_answers(
        os.environ.get("HTG_TEST_POSTGRES_PROBE", "127.0.0.1:5432")
    ):
        # The tests borrow the embedded server: stopped at the end only if this command started it.
        environment["DATABASE_URL"], started = embedded_database_start()
    try:
        return checks_and_suite(arguments, environment)
    finally:
        if started:
            embedded_database_stop()


def checks_and_suite(arguments: list[str], environment: dict[str, str]) -> int:
    steps: list[list[str | Path]] = [
        [PYTHON, "-m", "ruff", "check", "."],
        [PYTHON, "-m", "ruff", "format", "--check", "."],
        [PYTHON, "manage.py", "makemigrations", "--check", "--dry-run"],
        [PYTHON, "-m", "mypy", "."],
    ]
    for step in steps:
        print("$", " ".join(str(part) for part in step[1:]), flush=True)
        if subprocess.run(step, cwd=ROOT, env=environment, check=False).returncode != 0:
            print(f"FAILED: {' '.join(str(part) for part in step[1:])}", flush=True)
            return 1
    workers = ["-n", os.environ.get("HTG_TEST_WORKERS", "auto")] if "-n" not in arguments else []
    return subprocess.run([PYTHON, "-m", "pytest", *workers, *arguments], cwd=ROOT, env=environment).returncode


def bench(arguments: list[str]) -> int:
    """`make bench`: the benchmarks need more than the app (an SMTP sink, aiosmtpd, for the e-mail rate), so this
    installs the `bench` extra first; right after `dev.py run` on a fresh clone, or on its own."""
    ensure_environment(["bench"])
    return subprocess.run([PYTHON, "bench/run.py", *arguments], cwd=ROOT).returncode


def load(arguments: list[str]) -> int:
    """`make load`: Locust and the SMTP server come with the `bench` extra, installed first."""
    ensure_environment(["bench"])
    return subprocess.run([PYTHON, "bench/load/run.py", *arguments], cwd=ROOT).returncode


def main() -> int:
    if len(sys.argv) < 2 or sys.argv[1] not in {"run", "test", "bench", "load"}:
        print(__doc__)
        return 2
    if sys.argv[1] == "run":
        run(sys.argv[2:])
        return 0
    if sys.argv[1] == "bench":
        return bench(sys.argv[2:])
    if sys.argv[1] == "load":
        return load(sys.argv[2:])
    return test(sys.argv[2:])


if __name__ == "__main__":
    sys.exit(main())

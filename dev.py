#!/usr/bin/env python3
"""The two commands of README.md, for a fresh machine that has only Python 3.11.

    python3.11 dev.py run    install, migrate, load demo data, run the app with a worker and the scheduler
    python3.11 dev.py test   install the test dependencies, then lint, type-check and run the whole suite

Both create .venv/ beside this file and install exactly the versions pinned in pyproject.toml.
"""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import tomllib
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
PYTHON = VENV / "bin" / "python"
VAR = ROOT / "var"
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


def run() -> None:
    ensure_environment([])
    for folder in ("mail", "broker", "broker-processed"):
        (VAR / folder).mkdir(parents=True, exist_ok=True)
    environment = {
        "DJANGO_SETTINGS_MODULE": "htg_migration.settings.local",
        "PYTHONUNBUFFERED": "1",
        # The demo relives the 2020 programme in mid-May, not years after its deadline (htg_migration/clock.py).
        "HTG_CLOCK_DATE": DEMO_DATE,
        **os.environ,
    }
    manage("migrate", "--no-input", "-v", "0", environment=environment)
    manage(
        "seed_demo", "--customers", "500", "--seed", "1", "--as-of", DEMO_DATE, "--if-empty", environment=environment
    )
    manage("demo_users", environment=environment)
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
        print("The app runs at http://127.0.0.1:8000 (Ctrl-C stops the app, the worker and the scheduler).", flush=True)
        subprocess.run([PYTHON, "manage.py", "runserver", "127.0.0.1:8000"], cwd=ROOT, env=environment, check=False)
    except KeyboardInterrupt:
        pass
    finally:
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(timeout=15)
        except subprocess.TimeoutExpired:
            worker.kill()


def test(arguments: list[str]) -> int:
    ensure_environment(["test"])
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "htg_migration.settings.test"}
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


def main() -> int:
    if len(sys.argv) < 2 or sys.argv[1] not in {"run", "test"}:
        print(__doc__)
        return 2
    if sys.argv[1] == "run":
        run()
        return 0
    return test(sys.argv[2:])


if __name__ == "__main__":
    sys.exit(main())

"""Backup and restore (docs/operations.md): deploy/backup.sh dumps the database, deploy/restore.sh restores it into a
new, empty one; every table has the same rows and the dashboard the same figures. A database that is not empty is
refused and left as it was."""

import datetime
import os
import subprocess
import uuid
from pathlib import Path

import psycopg2
import pytest
from django.db import connection

from connections.services.demo.service import demo_seed
from reporting.selectors.build import dashboard_build

ROOT = Path(__file__).resolve().parent.parent
SEED_DAY = datetime.date(2020, 5, 15)


def _url(name: str) -> str:
    options = connection.settings_dict
    return f"postgres://{options['USER']}@{options['HOST'] or '127.0.0.1'}:{options['PORT'] or 5432}/{name}"


def _admin():
    options = connection.settings_dict
    admin = psycopg2.connect(
        dbname="postgres", user=options["USER"], host=options["HOST"] or "127.0.0.1", port=options["PORT"] or 5432
    )
    admin.autocommit = True
    return admin


def _row_counts(url: str) -> dict[str, int]:
    with psycopg2.connect(url) as database, database.cursor() as cursor:
        cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")
        tables = [name for (name,) in cursor.fetchall()]
        counts = {}
        for table in tables:
            cursor.execute(f'SELECT count(*) FROM "{table}"')  # noqa: S608 - names from pg_tables
            counts[table] = cursor.fetchone()[0]
    database.close()
    return counts


def _run(script: str, *arguments: str, environment: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["bash", str(ROOT / "deploy" / script), *arguments],
        env={**os.environ, **(environment or {})},
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.fixture
def restored_database():
    name = f"{connection.settings_dict['NAME']}_restored_{uuid.uuid4().hex[:8]}"
    admin = _admin()
    with admin.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    yield name
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.close()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_backup_restored_into_a_new_database_has_every_row_and_the_same_dashboard(tmp_path, restored_database):
    # given: a programme of 60 companies, its dashboard and its rows
    demo_seed(customers=60, seed=5, as_of=SEED_DAY, reset=True)
    figures = dashboard_build(as_of=SEED_DAY, today=SEED_DAY)
    source = _url(connection.settings_dict["NAME"])
    before = _row_counts(source)

    # when: backed up, and restored into a new database
    backup = _run("backup.sh", str(tmp_path / "htg.dump"), environment={"DATABASE_URL": source})
    assert backup.returncode == 0, backup.stderr
    assert Path(backup.stdout.strip()).is_file()
    assert not list(tmp_path.glob("*.partial"))
    restore = _run("restore.sh", str(tmp_path / "htg.dump"), _url(restored_database))
    assert restore.returncode == 0, restore.stderr

    # then: every table has the same number of rows
    after = _row_counts(_url(restored_database))
    assert after == before
    assert after["connections_connection"] > 0

    # and the dashboard, computed on the restored database, shows the same figures
    saved = connection.settings_dict["NAME"]
    connection.close()
    connection.settings_dict["NAME"] = restored_database
    try:
        restored_figures = dashboard_build(as_of=SEED_DAY, today=SEED_DAY)
    finally:
        connection.close()
        connection.settings_dict["NAME"] = saved
    assert restored_figures == figures


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_restore_into_a_database_that_has_tables_is_refused_and_changes_nothing(tmp_path):
    # given: a backup, and the live database as the (wrong) target
    source = _url(connection.settings_dict["NAME"])
    assert _run("backup.sh", str(tmp_path / "htg.dump"), environment={"DATABASE_URL": source}).returncode == 0
    before = _row_counts(source)

    # when
    refused = _run("restore.sh", str(tmp_path / "htg.dump"), source)

    # then
    assert refused.returncode == 2
    assert "Refused: the target database has" in refused.stderr
    assert _row_counts(source) == before


def test_a_backup_without_a_database_url_says_so():
    environment = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    result = subprocess.run(
        ["bash", str(ROOT / "deploy" / "backup.sh")], env=environment, capture_output=True, text=True, check=False
    )
    assert result.returncode != 0
    assert "Set DATABASE_URL" in result.stderr

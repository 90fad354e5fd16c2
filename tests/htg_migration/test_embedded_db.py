"""The demo's embedded PostgreSQL (htg_migration/embedded_db.py): started, reused, restarted after a kill, stopped."""

import os
import signal

import psutil
import psycopg2
import pytest

from htg_migration.embedded_db import (
    _postmaster,
    embedded_database_start,
    embedded_database_stop,
    embedded_database_url,
)


def _query(url: str, sql: str) -> list[tuple]:
    import dj_database_url

    options = dj_database_url.parse(url)
    connection = psycopg2.connect(
        dbname=options["NAME"], user=options["USER"], host=options["HOST"], port=options["PORT"]
    )
    try:
        connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute(sql)
            return cursor.fetchall() if cursor.description else []
    finally:
        connection.close()


@pytest.fixture
def data(tmp_path):
    folder = tmp_path / "postgres"
    yield folder
    embedded_database_stop(data=folder)


def test_a_postmaster_pid_naming_a_gone_or_foreign_process_is_no_server(tmp_path):
    # given: a pid file of a process that is not PostgreSQL (this test), and one of no process at all
    (tmp_path / "postmaster.pid").write_text(f"{os.getpid()}\n{tmp_path}\n1\n5432\n")
    foreign = _postmaster(tmp_path)
    (tmp_path / "postmaster.pid").write_text("999999999\n/\n1\n5432\n")
    gone = _postmaster(tmp_path)
    (tmp_path / "postmaster.pid").write_text("not a pid\n")
    garbled = _postmaster(tmp_path)

    # then
    assert (foreign, gone, garbled) == (None, None, None)


def test_the_url_names_the_loopback_port():
    assert embedded_database_url(port=54321) == "postgres://postgres@127.0.0.1:54321/htg"


def test_the_server_starts_with_pg_trgm_is_reused_restarts_after_a_kill_and_stops(data):
    # when: started on an empty folder, then asked again
    url, started = embedded_database_start(data=data)
    again_url, started_again = embedded_database_start(data=data)

    # then: one server on a loopback port, the database htg in it, pg_trgm available (the helpdesk's migrations
    # create it)
    assert (started, started_again, again_url) == (True, False, url)
    assert url.startswith("postgres://postgres@127.0.0.1:")
    assert _query(url, "SELECT inet_server_addr() = '127.0.0.1'") == [(True,)]
    assert _query(url, "SELECT current_database()") == [("htg",)]
    _query(url, "CREATE EXTENSION IF NOT EXISTS pg_trgm")
    assert _query(url, "SELECT similarity('VAN DMA', 'VAN DAM') > 0.3") == [(True,)]
    _query(url, "CREATE TABLE kept (id int)")

    # when: the server is killed outright, leaving its postmaster.pid behind
    process = _postmaster(data)
    assert process is not None
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    assert (data / "postmaster.pid").exists()
    restarted_url, restarted = embedded_database_start(data=data)

    # then: it starts again on the same data (on a free port, perhaps another one)
    assert restarted is True
    assert _query(restarted_url, "SELECT to_regclass('kept') IS NOT NULL") == [(True,)]

    # when: stopped, twice
    pid = _postmaster(data).pid
    stopped, stopped_again = embedded_database_stop(data=data), embedded_database_stop(data=data)

    # then: the server is gone, and a second stop finds nothing to stop
    assert (stopped, stopped_again) == (True, False)
    assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    assert _postmaster(data) is None

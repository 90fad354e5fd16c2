"""The load test's users (bench/load/locustfile.py, `make load`) for a few seconds against the app on the test database:
the script works, every page of the mix is hit, nothing fails, and each step and contact log the users made is
stored exactly once. No timing is asserted: that is what `make load` measures."""

import datetime
import os
import socket
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from bench.load.data import check, plan, writes_check
from bench.load.run import read_stats
from bench.load.sink import MailboxHandler
from connections.services.demo import demo_seed, demo_team_members
from connections.services.demo.workspace import demo_workspace_seed

ROOT = Path(__file__).resolve().parent.parent
AS_OF = datetime.date(2020, 5, 15)
APP_PAGES = {
    "team: dashboard",
    "team: connection list (filtered)",
    "team: connection page",
    "team: step (and the page after it)",
    "helpdesk: lookup by HTG number",
    "helpdesk: lookup by name",
    "helpdesk: customer card",
    "helpdesk: contact log",
    "portal: sign-in page",
    "portal: sign-in link (ask)",
    "portal: sign-in e-mail arrives",
    "portal: sign-in link (open)",
    "portal: sign-in link (use) and status",
    "portal: status page",
    "portal: booking page",
}
PEER_PAGES = {
    "admin: connection changelist (filtered)",
    "admin: connection change page",
    "admin: customer changelist by HTG number",
    "admin: customer changelist by name",
    "admin: customer change page",
}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def mail_dir(tmp_path, settings):
    """An SMTP server that writes each message to the recipient's folder (as in `make load`), and the app sending
    to it: the companies read their sign-in links there."""
    folder = tmp_path / "mail"
    port = free_port()
    controller = Controller(MailboxHandler(folder), hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "notifications.backends.SmtpEmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_USE_TLS = False
    yield folder
    controller.stop()


def locust(*, host: str, users: int, classes: list[str], prefix: Path, plan_path: Path, journal: Path) -> None:
    environment = {
        **os.environ,
        "LOAD_PLAN": str(plan_path),
        "LOAD_JOURNAL": str(journal),
        "LOAD_QUICK_WAIT_SECONDS": "0.1",
        "LOAD_EACH_TASK_FIRST": "1",
    }
    command = [
        sys.executable, "-m", "locust", "-f", str(ROOT / "bench" / "load" / "locustfile.py"), "--headless",
        "--users", str(users), "--spawn-rate", str(users), "--run-time", "10s", "--stop-timeout", "60",
        "--host", host, "--csv", str(prefix), "--only-summary", *classes,
    ]  # fmt: skip
    finished = subprocess.run(
        command, cwd=ROOT, env=environment, capture_output=True, text=True, timeout=180, check=False
    )
    assert finished.returncode == 0, finished.stdout[-4000:] + finished.stderr[-4000:]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_load_test_users_hit_every_page_and_lose_nothing(live_server, settings, mail_dir, tmp_path):
    # given: a small register on the pinned day, with the team's workspace (slots to book), and the run's plan
    settings.HTG_CLOCK_DATE = AS_OF
    demo_seed(customers=120, seed=1, as_of=AS_OF)
    team_ids, _created = demo_team_members()
    demo_workspace_seed(team_ids=team_ids, as_of=AS_OF)
    plan_path, journal = tmp_path / "plan.json", tmp_path / "journal.jsonl"
    plan(plan_path, mail_dir, 3)

    # when: one team member, one helpdesk member and one company, then two administrators on the admin
    locust(
        host=live_server.url,
        users=3,
        classes=["TeamMember", "HelpdeskStaff", "Company"],
        prefix=tmp_path / "app",
        plan_path=plan_path,
        journal=journal,
    )
    locust(
        host=live_server.url,
        users=2,
        classes=["AdminTeamMember", "AdminHelpdeskStaff"],
        prefix=tmp_path / "peer",
        plan_path=plan_path,
        journal=tmp_path / "peer-journal.jsonl",
    )

    # then: every page was asked for, none failed, and what the users did is stored exactly once
    app = {page["name"]: page for page in read_stats(tmp_path / "app_stats.csv")}
    peer = {page["name"]: page for page in read_stats(tmp_path / "peer_stats.csv")}
    assert set(app) >= APP_PAGES, APP_PAGES - set(app)
    assert set(peer) >= PEER_PAGES, PEER_PAGES - set(peer)
    assert [name for name, page in {**app, **peer}.items() if page["failures"]] == []
    assert all(page["requests"] > 0 for page in [*app.values(), *peer.values()])
    outcome = check(plan_path, journal)
    assert outcome["transitions"]["made"] >= 2  # a hold and its resume at least
    assert outcome["transitions"]["matches"], outcome["transitions"]
    assert outcome["contacts_logged"]["made"] >= 1
    assert outcome["contacts_logged"]["matches"], outcome["contacts_logged"]
    assert outcome["ok"], outcome


def entry(outcome: str, connection: int = 1) -> dict[str, object]:
    return {"kind": "transition", "connection": connection, "name": "hold", "outcome": outcome}


def key(found: dict[str, object]) -> tuple[object, object]:
    return (found["connection"], found["name"])


@pytest.mark.parametrize(
    ("entries", "stored", "problem"),
    [
        ([entry("confirmed")], {}, "missing"),  # confirmed to the user, not in the timeline: lost
        ([entry("confirmed")], {(1, "hold"): 2}, "duplicated"),
        ([entry("refused")], {(1, "hold"): 1}, "unrecorded"),  # a refused step wrote something
        ([entry("unanswered")], {(1, "hold"): 2}, "duplicated"),  # in flight at the stop: once at most
        ([], {(2, "hold"): 1}, "unrecorded"),
    ],
)
def test_the_check_names_a_write_lost_doubled_or_unasked(entries, stored, problem):
    # when
    outcome = writes_check(entries, key, Counter(stored))

    # then
    assert outcome["matches"] is False
    assert outcome[problem] != []


@pytest.mark.parametrize("stored", [{}, {(1, "hold"): 1}])
def test_a_write_in_flight_when_the_clock_stopped_may_be_stored_once_or_not(stored):
    # when
    outcome = writes_check([entry("confirmed", 3), entry("unanswered")], key, Counter({(3, "hold"): 1, **stored}))

    # then
    assert outcome["matches"] is True
    assert (outcome["made"], outcome["found"], outcome["unanswered"]) == (1, 1, 1)
    assert outcome["unanswered_stored"] == len(stored)

"""The "Load test" section of docs/benchmarks.md from a run of `make load` (bench/load/run.py)."""

import re
from pathlib import Path
from typing import Any

GOAL_P95_MS = 300
COMMAND = "make load"
NOT_PAGES = {"portal: sign-in e-mail arrives"}  # the locustfile's wait for the e-mail, reported beside the pages


def render_section(results: dict[str, Any]) -> str:
    machine = results["machine"]

    def table(pages: list[dict[str, Any]]) -> list[str]:
        lines = [
            "| page | requests | failures | p50 ms | p95 ms | p99 ms | p95 ≤ 300 ms |",
            "|---|---:|---:|---:|---:|---:|---|",
        ]
        for page in pages:
            met = "met" if page["p95_ms"] <= GOAL_P95_MS else "missed"
            if page["name"] in NOT_PAGES:
                met = "(no page: the worker's e-mail)"
            lines.append(
                f"| {page['name']} | {page['requests']} | {page['failures']} | {page['p50_ms']:g} | {page['p95_ms']:g} "
                f"| {page['p99_ms']:g} | {met} |"
            )
        return lines

    checks = results["checks"]
    transitions = checks.get("transitions", {})
    contacts = checks.get("contacts_logged", {})
    lines = [
        "## Load test",
        "",
        f"Made with `{COMMAND}` (`python3.11 dev.py load`; this run: `{results['command']}`): {results['users']} "
        f"concurrent users for "
        f"{results['seconds']} s, headless Locust (bench/load/locustfile.py), against the production shape on "
        "loopback: gunicorn with `htg_migration.settings.production` (3 workers, as the Dockerfile), PostgreSQL with "
        f"{results['customers']:,} customers (`seed_demo`, seed 1, as of 15 May 2020), Redis for sessions, cache and "
        "broker, one Celery worker and `celery beat` running, and an SMTP server on loopback. The mix: the team "
        "(4 in 10: dashboard, the connection list with filters, a connection's page, a step: hold and resume), the "
        "helpdesk (3 in 10: lookup by HTG number and by a misspelt name, the customer card, a contact logged) and "
        "companies (3 in 10: a sign-in link asked, read from the mailbox and used, the status page, the booking page). "
        "Users wait 2 to 8 s (companies 3 to 10 s) between pages. Staff are signed in before the clock starts "
        "(each account through Django's login, as at the start of a working day: the password hash, PBKDF2 by design "
        "slow, is not part of three minutes of work); companies sign in with their e-mailed link during the run, and "
        "the wait for that e-mail is shown beside the pages. Goals: p95 of every page at most 300 ms, no failures, "
        "nothing lost.",
        "",
        f"Measured on {machine['nproc']} CPUs ({machine['cpu']}), {machine.get('memory') or 'memory unknown'}, on "
        f"{machine['date']}, PostgreSQL {machine['postgresql']}, Python {machine['python']}; the machine's load "
        f"(1-minute average) as the run ended: {machine.get('load', 'unknown')} (the app's own processes included: "
        f"well above {machine['nproc']} means other work shared the machine and the times are slower for it).",
        "",
        "### The app",
        "",
        *table(results["pages"]),
        "",
        "### The peer: the stock Django admin on the same data",
        "",
        "The same users' shape against the admin's changelists and change pages (what a team would otherwise use): "
        "the team's share on the connection changelist filtered by state and flow and a connection's change page, "
        "the helpdesk's share on the customer changelist searched by HTG number and by name (spelt right: the admin "
        "finds nothing for a misspelt one) and a customer's change page. The admin has no dashboard, no step, no "
        "contact log and no company pages.",
        "",
        *table(results["peer"]),
        "",
        "### Nothing lost",
        "",
        f"- steps confirmed to the team: {transitions.get('made', 0)}, each in the timeline exactly as often: "
        f"{'yes' if transitions.get('matches') else 'no'} (missing {len(transitions.get('missing', []))}, "
        f"duplicated {len(transitions.get('duplicated', []))}, unrecorded {len(transitions.get('unrecorded', []))}); "
        f"refused as a conflict (two users on one connection), nothing written: {transitions.get('refused', 0)}; "
        f"in flight when the clock stopped: {transitions.get('unanswered', 0)} "
        f"(carried out: {transitions.get('unanswered_stored', 0)})",
        f"- contacts logged: {contacts.get('made', 0)}, each stored exactly as often: "
        f"{'yes' if contacts.get('matches') else 'no'}; in flight when the clock stopped: "
        f"{contacts.get('unanswered', 0)} (carried out: {contacts.get('unanswered_stored', 0)})",
        "- e-mails queued during the run, by status after the worker finished: "
        + (
            ", ".join(f"{status} {count}" for status, count in checks.get("emails_queued_by_status", {}).items())
            or "none"
        ),
        f"- failures: {results['failure_messages'] or 'none'}",
        "",
    ]
    return "\n".join(lines)


def docs_write(path: Path, section: str) -> None:
    """Put the section in place of the previous "## Load test" (up to the next level-2 heading), or at the end."""
    text = path.read_text() if path.exists() else "# Benchmarks\n"
    pattern = re.compile(r"^## Load test\n.*?(?=^## |\Z)", re.S | re.M)
    if pattern.search(text):
        text = pattern.sub(lambda _match: section + "\n", text, count=1).rstrip("\n") + "\n"
    else:
        text = text.rstrip("\n") + "\n\n" + section
    path.write_text(text)

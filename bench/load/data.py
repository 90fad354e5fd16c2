"""The load test's data around the seeded register (bench/load/run.py runs these in a Django process with the
production settings):

    python -m bench.load.data plan PLAN_FILE MAIL_DIR USERS   the accounts and the samples the users ask for
    python -m bench.load.data check PLAN_FILE JOURNAL_FILE    what the users did, each in the database exactly once

The staff accounts (load-team-N, load-helpdesk-N, load-admin-N) have no usable password: each is signed in here,
through Django's login, before the clock starts (a working day's first sign-in is not what three minutes of work
measure), and the users carry those sessions' cookies.
"""

import json
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

LIST_STATES = ["invited", "intake_received", "slot_offered", "slot_booked", "testing"]
SAMPLES = 200
COMPANIES = 300
OUTBOX_WAIT_SECONDS = 120


def accounts_ensure(
    *, prefix: str, count: int, password_hash: str, groups: list[str], admin: bool = False
) -> list[str]:
    """`count` staff accounts `prefix`-1.. with this password hash, in these groups (or, for the admin, superusers:
    the admin is theirs alone, htg_migration/admin.py)."""
    from django.contrib.auth.models import Group, User

    names = [f"{prefix}-{number}" for number in range(1, count + 1)]
    existing = set(User.objects.filter(username__in=names).values_list("username", flat=True))
    User.objects.bulk_create(
        [User(username=name, email=f"{name}@load.example", is_staff=True) for name in names if name not in existing]
    )
    users = User.objects.filter(username__in=names)
    users.update(password=password_hash, is_active=True, is_staff=True, is_superuser=admin)
    chosen = list(Group.objects.filter(name__in=groups))
    for user in users:
        user.groups.set(chosen)
    return names


def staff_sessions(usernames: list[str]) -> dict[str, str]:
    """Each account signed in through Django's login (its signals too: the session's start and limits, the sign-in
    audit), as at the start of a working day: the session keys, for the users' cookies."""
    from django.contrib.auth.models import User
    from django.test import Client

    sessions = {}
    for user in User.objects.filter(username__in=usernames):
        client = Client(SERVER_NAME="127.0.0.1")
        client.force_login(user)
        sessions[user.username] = str(client.session.session_key)
    return sessions


def companies_sample(count: int) -> list[dict[str, Any]]:
    """Contacts of companies with an HTG number and a connection offered a slot (their booking page has slots to
    show): one per address, drawn with a fixed seed."""
    import random

    from connections.models import Connection, Contact

    offered = dict(
        Connection.objects.filter(state="slot_offered", customer__htg_number__isnull=False)
        .order_by("customer_id", "id")
        .values_list("customer_id", "id")
    )
    rows = (
        Contact.objects.filter(customer_id__in=list(offered), user__isnull=True)
        .exclude(email="")
        .order_by("id")
        .values_list("email", "customer_id")
    )
    by_address: dict[str, int] = {}
    counted = Counter(email.lower() for email, _customer in rows)
    for email, customer_id in rows:
        if counted[email.lower()] == 1:
            by_address[email.lower()] = customer_id
    chosen = random.Random(5).sample(sorted(by_address), min(count, len(by_address)))
    return [{"email": email, "connection": offered[by_address[email]]} for email in chosen]


def plan(path: Path, mail_dir: Path, users: int) -> None:
    import random

    from django.conf import settings
    from django.contrib.auth.hashers import make_password
    from django.db.models import Max

    from bench.metrics_helpdesk import htg_samples, name_samples
    from connections.models import ConnectionEvent, Customer, HelpdeskContact
    from connections.permissions import CONNECTION_TEAM, HELPDESK
    from connections.services.staff import staff_groups_sync
    from notifications.models import OutboxEmail
    from plateaus.models import MessageFlow
    from plateaus.selectors import plateau_numbers

    staff_groups_sync()
    unusable = make_password(None)  # no password signs these accounts in: only the sessions made here
    accounts = {
        "team": accounts_ensure(prefix="load-team", count=users, password_hash=unusable, groups=[CONNECTION_TEAM]),
        "helpdesk": accounts_ensure(prefix="load-helpdesk", count=users, password_hash=unusable, groups=[HELPDESK]),
        "admin": accounts_ensure(prefix="load-admin", count=users, password_hash=unusable, groups=[], admin=True),
    }
    legal_names = list(Customer.objects.order_by("id").values_list("legal_name", flat=True))
    content = {
        "accounts": accounts,
        "session_cookie": settings.SESSION_COOKIE_NAME,
        "sessions": staff_sessions([name for names in accounts.values() for name in names]),
        "plateaus": list(plateau_numbers()),
        "flows": list(MessageFlow.objects.order_by("id").values_list("id", flat=True)),
        "list_states": LIST_STATES,
        "htg_numbers": htg_samples(SAMPLES),
        "names": name_samples(SAMPLES // 2),
        "admin_names": random.Random(6).sample(legal_names, min(SAMPLES // 2, len(legal_names))),
        "companies": companies_sample(COMPANIES),
        "mail_dir": str(mail_dir),
        "marks": {
            "event": ConnectionEvent.objects.aggregate(last=Max("id"))["last"] or 0,
            "contact": HelpdeskContact.objects.aggregate(last=Max("id"))["last"] or 0,
            "email": OutboxEmail.objects.aggregate(last=Max("id"))["last"] or 0,
        },
    }
    if not content["companies"] or not content["htg_numbers"]:
        raise SystemExit("load: the register has no companies to sign in or no HTG numbers: seed it first")
    path.write_text(json.dumps(content, indent=1))


def writes_check(entries: list[dict[str, Any]], key: Any, stored: Counter[Any]) -> dict[str, Any]:
    """Each write the users saw confirmed is stored as often as it was confirmed. A write whose answer never came (in
    flight when locust stopped) or failed may be stored once or not at all; a refused one, never; nothing else."""
    made = Counter(key(entry) for entry in entries if entry["outcome"] == "confirmed")
    uncertain = Counter(key(entry) for entry in entries if entry["outcome"] in UNCERTAIN_OUTCOMES)
    missing = sorted(str(found) for found in made if stored.get(found, 0) < made[found])
    duplicated = sorted(
        str(found) for found in made | uncertain if stored.get(found, 0) > made[found] + uncertain[found]
    )
    unrecorded = sorted(str(found) for found in stored if found not in made and found not in uncertain)
    return {
        "made": sum(made.values()),
        "found": sum(min(count, stored.get(found, 0)) for found, count in made.items()),
        "unanswered": sum(uncertain.values()),
        "unanswered_stored": sum(
            max(0, min(count, stored.get(found, 0) - made[found])) for found, count in uncertain.items()
        ),
        "refused": sum(1 for entry in entries if entry["outcome"] == "refused"),
        "missing": missing,
        "duplicated": duplicated,
        "unrecorded": unrecorded,
        "matches": not (missing or duplicated or unrecorded),
    }


UNCERTAIN_OUTCOMES = ("unanswered", "failed")


def check(plan_path: Path, journal_path: Path) -> dict[str, Any]:
    """Each step the team saw confirmed is in the timeline exactly once and each contact logged is one row; nothing
    else was written for those accounts; and every e-mail the run queued was sent (waiting for the worker)."""
    from connections.models import ConnectionEvent, HelpdeskContact
    from notifications.models import OutboxEmail

    content = json.loads(plan_path.read_text())
    marks = content["marks"]
    journal = [json.loads(line) for line in journal_path.read_text().splitlines() if line.strip()]
    events = ConnectionEvent.objects.filter(id__gt=marks["event"], actor__username__in=content["accounts"]["team"])
    transitions = writes_check(
        [entry for entry in journal if entry["kind"] == "transition"],
        lambda entry: (entry["connection"], entry["name"]),
        Counter(events.values_list("connection_id", "transition")),
    )
    rows = HelpdeskContact.objects.filter(
        id__gt=marks["contact"], recorded_by__username__in=content["accounts"]["helpdesk"]
    )
    contacts = writes_check(
        [entry for entry in journal if entry["kind"] == "contact"],
        lambda entry: (entry["user"], entry["customer"]),
        Counter(rows.values_list("recorded_by__username", "customer_id")),
    )

    queued = OutboxEmail.objects.filter(id__gt=marks["email"])
    deadline = time.monotonic() + OUTBOX_WAIT_SECONDS
    while time.monotonic() < deadline and queued.filter(status__in=PENDING_STATUSES).exists():
        time.sleep(2)
    emails = dict(Counter(queued.values_list("status", flat=True)))
    return {
        "transitions": transitions,
        "contacts_logged": contacts,
        "emails_queued_by_status": emails,
        "ok": transitions["matches"] and contacts["matches"] and set(emails) <= set(DELIVERED_STATUSES),
    }


PENDING_STATUSES = ("queued", "sending", "unknown")  # the worker still has them (or will retry them)
DELIVERED_STATUSES = ("sent", "suppressed")  # handed to the SMTP server, or rightly not sent


def main() -> int:
    import django

    django.setup()
    if sys.argv[1] == "plan":
        plan(Path(sys.argv[2]), Path(sys.argv[3]), int(sys.argv[4]))
        return 0
    if sys.argv[1] == "check":
        print(json.dumps(check(Path(sys.argv[2]), Path(sys.argv[3]))))
        return 0
    raise SystemExit(__doc__)


if __name__ == "__main__":
    sys.exit(main())

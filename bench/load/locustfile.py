"""The load test's users (`make load`, bench/load/run.py): the team, the helpdesk and the companies as they use the
app, and the same mix's shape against the stock Django admin (the peer a team would otherwise use).

The run's plan (LOAD_PLAN: a JSON file, `python -m bench.load.data plan`) names the accounts, the HTG
numbers and names the helpdesk is asked for, and the companies' addresses. Every step a user makes and every contact
logged is written to LOAD_JOURNAL (one JSON line each, with its outcome) when locust stops; the runner then checks
each confirmed one is in the database exactly once.

Requests are named by page ("team: dashboard"), not by URL, so a page's figures are one row whatever the ids.
"""

import email
import email.policy
import itertools
import json
import os
import random
import re
import time
from pathlib import Path
from typing import Any

from locust import HttpUser, between, constant, events, task

PLAN: dict[str, Any] = json.loads(Path(os.environ["LOAD_PLAN"]).read_text()) if os.environ.get("LOAD_PLAN") else {}
JOURNAL: list[dict[str, Any]] = []
ACCOUNT_NUMBERS = {kind: itertools.count() for kind in ("team", "helpdesk", "admin", "companies")}

CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
TEAM_CONNECTION_LINK = re.compile(r'href="/team/connections/(\d+)/"')
ADMIN_CHANGE_LINK = re.compile(r'href="/admin/connections/(connection|customer)/(\d+)/change/[^"]*"')
SIGN_IN_LINK = re.compile(r"/portal/sign-in/([A-Za-z0-9_-]{20,})/")
MAIL_WAIT_SECONDS = 90
# tests/test_load_test.py: a short pause instead of a person's, and each task once first, so every page is hit.
QUICK_WAIT = os.environ.get("LOAD_QUICK_WAIT_SECONDS")
EACH_TASK_FIRST = bool(os.environ.get("LOAD_EACH_TASK_FIRST"))


def think(low: float, high: float) -> Any:
    """The pause between two pages: a person's (reading, typing), or the test's short one."""
    return constant(float(QUICK_WAIT)) if QUICK_WAIT else between(low, high)


def each_task_once(user: Any) -> None:
    if EACH_TASK_FIRST:
        for action in dict.fromkeys(user.tasks):
            action(user)


@events.quitting.add_listener
def journal_write(environment: Any, **_kwargs: Any) -> None:
    """Write what the users did, for the runner's checks (after locust stopped every user)."""
    path = os.environ.get("LOAD_JOURNAL")
    if path:
        Path(path).write_text("".join(json.dumps(entry) + "\n" for entry in JOURNAL))


def journal_entry(**fields: Any) -> dict[str, Any]:
    """A write about to be sent, "unanswered" until its answer comes ("confirmed", "refused", "failed"): a request
    still in flight when locust stops may or may not have been carried out, and the check allows for that."""
    entry = {**fields, "outcome": "unanswered"}
    JOURNAL.append(entry)
    return entry


def next_account(kind: str) -> int:
    return next(ACCOUNT_NUMBERS[kind])


class StaffUser(HttpUser):
    """A member of staff, already signed in (the day's sign-in happened before the clock started: the runner signed
    every account in through Django's login, `bench.load.data.staff_sessions`): the session's cookie is set."""

    abstract = True
    wait_time = think(2, 8)  # reading the page, typing
    kind = ""

    def on_start(self) -> None:
        accounts = PLAN["accounts"][self.kind]
        self.number = next_account(self.kind)
        self.username = accounts[self.number % len(accounts)]
        self.rng = random.Random(f"{self.kind}-{self.number}")
        self.client.cookies.set(PLAN["session_cookie"], PLAN["sessions"][self.username])

    def post_form(self, url: str, page_text: str, data: dict[str, str], *, name: str) -> Any:
        return self.client.post(
            url, data={**data, "csrfmiddlewaretoken": csrf(page_text)}, name=name, catch_response=True
        )


def csrf(text: str) -> str:
    match = CSRF_INPUT.search(text)
    return match.group(1) if match else ""


class TeamMember(StaffUser):
    """The connection team: the dashboard, the list with its filters, a connection's page, and now and then a step
    (put on hold, then resume: both always possible from an invited connection, so the register stays as it was)."""

    weight = 4
    kind = "team"

    def on_start(self) -> None:
        super().on_start()
        self.seen: list[int] = []
        each_task_once(self)

    @task(2)
    def dashboard(self) -> None:
        self.client.get("/team/dashboard/", name="team: dashboard")

    @task(4)
    def connection_list(self) -> None:
        query = {"plateau": str(self.rng.choice(PLAN["plateaus"])), "state": self.rng.choice(PLAN["list_states"])}
        if self.rng.random() < 0.3:
            query["sort"] = "due"
        if self.rng.random() < 0.2:
            query["overdue"] = "1"
        response = self.client.get("/team/connections/", params=query, name="team: connection list (filtered)")
        self.seen = [int(found) for found in TEAM_CONNECTION_LINK.findall(response.text)] or self.seen

    @task(4)
    def connection_page(self) -> None:
        if not self.seen:
            self.connection_list()
        if self.seen:
            self.client.get(f"/team/connections/{self.rng.choice(self.seen)}/", name="team: connection page")

    @task(1)
    def step(self) -> None:
        """Hold and resume an invited connection from a page of the list of its own (few users pick the same)."""
        query = {"state": "invited", "page": str(self.number % 40 + 1)}
        listed = self.client.get("/team/connections/", params=query, name="team: connection list (filtered)")
        candidates = [int(found) for found in TEAM_CONNECTION_LINK.findall(listed.text)]
        if not candidates:
            return
        connection_id = self.rng.choice(candidates)
        url = f"/team/connections/{connection_id}/"
        page = self.client.get(url, name="team: connection page")
        for transition, expected_state in (("hold", "invited"), ("resume", "on_hold")):
            entry = journal_entry(kind="transition", user=self.username, connection=connection_id, name=transition)
            with self.post_form(
                f"{url}step/",
                page.text,
                {"transition": transition, "expected_state": expected_state, "note": "load test"},
                name="team: step (and the page after it)",
            ) as response:
                page = response
                if response.status_code != 200:
                    response.failure(f"step {transition} answered {response.status_code}")
                    entry["outcome"] = "failed"
                    return
                if "message--success" in response.text:
                    entry["outcome"] = "confirmed"
                elif "message--error" in response.text:
                    # Someone else moved it first: the app refuses clearly (a conflict), which is no error.
                    entry["outcome"] = "refused"
                    return
                else:
                    response.failure(f"step {transition}: no confirmation on the page")
                    entry["outcome"] = "failed"
                    return


class HelpdeskStaff(StaffUser):
    """The helpdesk (NHD): a caller reads out an HTG number (most calls) or a company name; the customer card; the
    call is logged."""

    weight = 3
    kind = "helpdesk"

    def on_start(self) -> None:
        super().on_start()
        self.customer_id: int | None = None
        self.card = ""
        each_task_once(self)

    @task(5)
    def lookup_by_htg_number(self) -> None:
        number = self.rng.choice(PLAN["htg_numbers"])
        with self.client.get(
            "/helpdesk/", params={"q": number}, name="helpdesk: lookup by HTG number", allow_redirects=False,
            catch_response=True,
        ) as response:  # fmt: skip
            if response.status_code != 302:
                response.failure(f"lookup of {number} answered {response.status_code}")
                return
            self.customer_card(response.headers["Location"])

    @task(2)
    def lookup_by_name(self) -> None:
        name = self.rng.choice(PLAN["names"])
        response = self.client.get(
            "/helpdesk/", params={"q": name}, name="helpdesk: lookup by name", allow_redirects=False
        )
        if response.status_code == 302:
            self.customer_card(response.headers["Location"])
            return
        found = re.findall(r'href="(/helpdesk/customers/\d+/)"', response.text)
        if found:
            self.customer_card(self.rng.choice(found))

    def customer_card(self, url: str) -> None:
        page = self.client.get(url, name="helpdesk: customer card")
        match = re.search(r"/helpdesk/customers/(\d+)/", url)
        if page.status_code == 200 and match:
            self.customer_id = int(match.group(1))
            self.card = page.text

    @task(2)
    def contact_log(self) -> None:
        if self.customer_id is None:
            self.lookup_by_htg_number()
        if self.customer_id is None:
            return
        entry = journal_entry(kind="contact", user=self.username, customer=self.customer_id)
        with self.client.post(
            f"/helpdesk/customers/{self.customer_id}/contacts/",
            data={
                "csrfmiddlewaretoken": csrf(self.card),
                "contact-channel": "phone",
                "contact-topic": self.rng.choice(["htg_number", "slot_booking", "technical_question"]),
                "contact-connection": "",
                "contact-notes": "load test: asked about the next step",
            },
            name="helpdesk: contact log",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != 302:
                response.failure(f"contact log answered {response.status_code}")
                entry["outcome"] = "failed"
                return
            entry["outcome"] = "confirmed"


class Company(HttpUser):
    """A company's contact: asks for a sign-in link, opens it from the e-mail, looks at its status and its booking
    page (a connection waiting for a slot), and now and then signs out and in again."""

    weight = 3
    wait_time = think(3, 10)

    def on_start(self) -> None:
        self.number = next_account("companies")
        self.rng = random.Random(f"company-{self.number}")
        self.sign_in()
        each_task_once(self)

    def sign_in(self) -> None:
        companies = PLAN["companies"]
        self.company = companies[(self.number + 97 * getattr(self, "sign_ins", 0)) % len(companies)]
        self.sign_ins = getattr(self, "sign_ins", 0) + 1
        address = self.company["email"]
        page = self.client.get("/portal/sign-in/", name="portal: sign-in page")
        asked = time.time()
        with self.client.post(
            "/portal/sign-in/",
            data={"email": address, "csrfmiddlewaretoken": csrf(page.text)},
            name="portal: sign-in link (ask)",
            catch_response=True,
        ) as response:
            if response.status_code != 200 or "/portal/sign-in/sent/" not in response.url:
                response.failure(f"asking a link for {address} answered {response.status_code} at {response.url}")
                return
        token = self.link_from_mailbox(address, after=asked)
        if token is None:
            events.request.fire(
                request_type="MAIL", name="portal: sign-in e-mail arrives", response_time=MAIL_WAIT_SECONDS * 1000,
                response_length=0, exception=RuntimeError(f"no sign-in e-mail for {address}"), context={},
            )  # fmt: skip
            return
        opened = self.client.get(f"/portal/sign-in/{token}/", name="portal: sign-in link (open)")
        with self.client.post(
            f"/portal/sign-in/{token}/",
            data={"csrfmiddlewaretoken": csrf(opened.text)},
            name="portal: sign-in link (use) and status",
            catch_response=True,
        ) as response:
            if response.status_code != 200 or not response.url.endswith("/portal/status/"):
                response.failure(f"using the link of {address} ended at {response.url} ({response.status_code})")

    def link_from_mailbox(self, address: str, *, after: float) -> str | None:
        """The token of the newest sign-in e-mail to `address` written after `after`, waiting for it (the worker
        sends it); its wait is reported as the pseudo-request "portal: sign-in e-mail arrives"."""
        mailbox = Path(PLAN["mail_dir"]) / address.lower()
        started = time.perf_counter()
        deadline = time.monotonic() + MAIL_WAIT_SECONDS
        while time.monotonic() < deadline:
            if mailbox.is_dir():
                for path in sorted(mailbox.glob("*.eml"), key=lambda found: found.stat().st_mtime, reverse=True):
                    if path.stat().st_mtime < after - 1:
                        break
                    token = sign_in_token(path.read_bytes())
                    if token:
                        events.request.fire(
                            request_type="MAIL", name="portal: sign-in e-mail arrives",
                            response_time=(time.perf_counter() - started) * 1000, response_length=0, exception=None,
                            context={},
                        )  # fmt: skip
                        return token
            time.sleep(0.25)  # gevent's, under locust
        return None

    @task(4)
    def status(self) -> None:
        self.client.get("/portal/status/", name="portal: status page")

    @task(3)
    def booking(self) -> None:
        self.client.get(f"/portal/connections/{self.company['connection']}/slot/", name="portal: booking page")

    @task(1)
    def sign_in_again(self) -> None:
        page = self.client.get("/portal/status/", name="portal: status page")
        self.client.post("/portal/sign-out/", data={"csrfmiddlewaretoken": csrf(page.text)}, name="portal: sign out")
        self.sign_in()


def sign_in_token(raw: bytes) -> str | None:
    message = email.message_from_bytes(raw, policy=email.policy.default)
    for part in message.walk():
        if part.get_content_type() == "text/plain":
            match = SIGN_IN_LINK.search(part.get_content())
            if match:
                return match.group(1)
    return None


# --- the peer: the stock Django admin on the same data -----------------------------------------------------------


class AdminUser(StaffUser):
    """An administrator (the admin is theirs alone: htg_migration/admin.py)."""

    abstract = True
    kind = "admin"

    def admin_get(self, url: str, *, name: str, params: dict[str, str] | None = None) -> Any:
        """A page of the admin; sent to the sign-in page instead is a failure."""
        with self.client.get(url, params=params, name=name, catch_response=True) as response:
            if response.status_code != 200 or "/login/" in response.url:
                response.failure(f"{url} answered {response.status_code} at {response.url}")
            return response


class AdminTeamMember(AdminUser):
    """The team's work in the admin: the connection changelist with the admin's filters, a connection's change
    page."""

    weight = 4

    def on_start(self) -> None:
        super().on_start()
        self.seen: list[int] = []
        each_task_once(self)

    @task(4)
    def changelist(self) -> None:
        query = {
            "state__exact": self.rng.choice(PLAN["list_states"]),
            "flow__id__exact": str(self.rng.choice(PLAN["flows"])),
        }
        response = self.admin_get(
            "/admin/connections/connection/", params=query, name="admin: connection changelist (filtered)"
        )
        self.seen = [int(found) for kind, found in ADMIN_CHANGE_LINK.findall(response.text) if kind == "connection"]

    @task(4)
    def change_page(self) -> None:
        if not self.seen:
            self.changelist()
        if self.seen:
            self.admin_get(
                f"/admin/connections/connection/{self.rng.choice(self.seen)}/change/",
                name="admin: connection change page",
            )


class AdminHelpdeskStaff(AdminUser):
    """The helpdesk's work in the admin: the customer changelist searched by HTG number or name, the customer's
    change page."""

    weight = 3

    def on_start(self) -> None:
        super().on_start()
        each_task_once(self)

    def search(self, text: str, name: str) -> None:
        response = self.admin_get("/admin/connections/customer/", params={"q": text}, name=name)
        found = [int(found) for kind, found in ADMIN_CHANGE_LINK.findall(response.text) if kind == "customer"]
        if found:
            self.admin_get(
                f"/admin/connections/customer/{self.rng.choice(found)}/change/", name="admin: customer change page"
            )

    @task(5)
    def search_htg_number(self) -> None:
        self.search(self.rng.choice(PLAN["htg_numbers"]), "admin: customer changelist by HTG number")

    @task(2)
    def search_name(self) -> None:
        self.search(self.rng.choice(PLAN["admin_names"]), "admin: customer changelist by name")

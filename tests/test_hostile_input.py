"""Hostile input, wholesale: every URL of the URLconf, every parameter and field it reads, a corpus of bad values.

The URLs come from `get_resolver()` (a URL added later is walked without an entry here: its role follows from where
it lives, its ids from the names of its path converters). For each URL, as the role that may use it, a first clean
GET and POST record which keys the view reads (`QueryDict` reads are recorded while they run), then each key is
replayed with each hostile value, on GET and on POST, and each path converter that takes text gets the hostile
values too. Every answer must be below 500. An answer that refuses or re-shows a form (4xx, or a POST answered with
a page instead of a redirect) and every GET must leave the database as it was.

"As it was" is a fingerprint of every table: its row count and an md5 of its rows as text, one query. Written on
purpose, and so left out: `django_session` (a signed-in session is saved again), Axes' sign-in attempt tables (a
refused staff sign-in is recorded by design), `connections_lookupaudit` (every helpdesk search and card is
audited), `connections_refusal` (every refusal is audited), `connections_staffpasswordreset` (every reset request is
counted), and for the intake's steps its draft (`WRITTEN_ON_PURPOSE_BY_ROUTE`). Each request runs in a savepoint
that is rolled back afterwards, so every request meets the same world.

The admin's own pages beyond the sign-in are left out: they are Django's (forms and change lists), open to
superusers alone (`htg_migration/admin.py`), and walking its 30 models' add/change/history pages would triple this
test's time; its sign-in page, the one an anonymous attacker reaches, is walked.
"""

import datetime
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connection as database
from django.db import transaction
from django.http import QueryDict
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.converters import IntConverter

from api.services.tokens import api_token_create
from community.models import NewsItem
from community.services.documents import document_upload
from connections.ical import calendar_token
from connections.models import BulkJob, Escalation, Slot, TeamAvailability
from connections.services.company_actions import connection_problem_report
from connections.services.slots import availability_publish
from imports.models import ImportBatch
from plateaus.models import MessageFlow
from reporting.models import WeeklyReport
from tests.connections.factories import (
    AMSTERDAM,
    ConnectionFactory,
    UserFactory,
    core_team_member,
    helpdesk_member,
    team_member,
    walk_to,
)
from tests.connections.portal_factories import company_contact, hub_with_client
from tests.notifications.document_files import PDF, upload
from tests.webhooks.factories import endpoint_for
from traffic.models import TrafficFile
from webhooks.services import event_record

pytestmark = pytest.mark.django_db

HOSTILE = (
    "\x00",
    "a\x00b",
    "²",
    "١٢٣",  # Arabic-Indic digits
    "9" * 5000,
    "x" * 100_000,
    "\u202eevil\u202c",  # right-to-left override
    "😀",
    "-1",
    "99999999999999999999999",
    "2026-02-30",
    "31-31-2026",
    "not-a-choice",
    "",
)

# Tables a refused request may still write to, on purpose (see the module's docstring).
WRITTEN_ON_PURPOSE = frozenset(
    {
        "django_session",
        "axes_accessattempt",
        "axes_accessattemptexpiration",
        "axes_accessfailurelog",
        "axes_accesslog",
        "connections_lookupaudit",
        "connections_refusal",  # every refused request is an audit row (a 403, a signed-in 404)
        "connections_staffpasswordreset",  # every password reset request is a row, counted for its rate limits
        # Schema bookkeeping that no request writes: left out to keep the fingerprint cheap.
        "django_migrations",
        "django_content_type",
        "auth_permission",
    }
)
# The intake's "next" keeps what the company typed in its draft while it shows what is missing (nothing typed is
# lost); a refused value (a NUL character, text too long) is not saved (tests/portal/views/test_portal_intake_forms.py).
WRITTEN_ON_PURPOSE_BY_ROUTE = {
    "portal/intake/<slug:step>/": frozenset({"connections_intakedraft"}),
    # The API answers a done action with 2xx, not a redirect: withdrawing takes no fields, so the clean POST does it.
    "api/v1/team/availability/<int:availability_id>/withdraw/": frozenset(
        {"connections_slot", "connections_teamavailability"}
    ),
}

MONDAY = datetime.date(2020, 5, 18)


# ---------------------------------------------------------------------------------------------------------- URLs
@dataclass(frozen=True)
class Route:
    name: str  # "namespace:name", or the route itself when the pattern has no name
    route: str
    converters: dict[str, Any]


def _routes() -> list[Route]:
    found: list[Route] = []

    def walk(patterns, namespace: str, prefix: str, converters: dict[str, Any]) -> None:
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            joined = {**converters, **pattern.pattern.converters}
            if isinstance(pattern, URLResolver):
                if route == "admin/":
                    found.append(Route("admin:login", "admin/login/", {}))
                    continue
                walk(pattern.url_patterns, pattern.namespace or namespace, route, joined)
            elif isinstance(pattern, URLPattern):
                name = f"{namespace}:{pattern.name}" if namespace else (pattern.name or route)
                found.append(Route(name, route, joined))

    walk(get_resolver().url_patterns, "", "", {})
    # A route shadowed by an earlier one (Django's own accounts/login/ under ours) is never reached: walk it once.
    unique: dict[str, Route] = {}
    for route in found:
        unique.setdefault(route.route, route)
    return list(unique.values())


ROUTES = {route.route: route for route in _routes()}


def _role(route: str) -> str:
    """Who may use the URL: the role that walks it."""
    if route in {"portal/", "portal/sign-out/"} or route.startswith("portal/sign-in/"):
        return "anonymous"
    if route == "portal/clients/":
        return "hub"
    if route.startswith("api/v1/team/escalations/"):
        return "core"
    if route.startswith("api/v1/team/") or route.endswith(
        ("/transitions/", "/transitions/<str:name>/", "/assignment/")
    ):
        return "member"  # the team's endpoints (api/views/team/)
    if route.startswith("api/v1/traffic/"):
        return "member"  # the gateways' traffic files: the team's
    if route.startswith("api/v1/"):
        return "company"  # the API's endpoints; its schema and documentation pages (api/) are public
    if route.startswith("portal/"):
        return "company"
    if route.startswith("helpdesk/"):
        return "helpdesk"
    if route.startswith("team/escalations/"):
        return "core"
    if route.startswith("team/calendar/"):
        return "anonymous"  # the secret address is the key
    if route.startswith("team/") or route.startswith("accounts/password_change") or route == "":
        return "member"  # the start page sends a team member on to their work, anyone else to sign in
    return "anonymous"


# ---------------------------------------------------------------------------------------------------------- world
@dataclass
class World:
    users: dict[str, User | None]
    ids: dict[str, Any]  # a valid value for each path converter name
    by_route: dict[str, dict[str, Any]]  # where one URL needs another object than the name's default


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory) -> Iterator[World]:
    """Made once per module (per xdist worker), in a transaction rolled back at its end, as Django's setUpTestData
    does: each test's own transaction is a savepoint inside it."""
    media = tmp_path_factory.mktemp("media")
    clock = override_settings(HTG_CLOCK_DATE=datetime.date(2020, 5, 15), MEDIA_ROOT=media)
    with django_db_blocker.unblock(), clock, transaction.atomic():
        yield _world()
        transaction.set_rollback(True)


def _world() -> World:
    flows = {flow.code: flow for flow in MessageFlow.objects.all()}
    walker = UserFactory(is_superuser=True)
    member = team_member()
    availability_publish(team_member=member, date=MONDAY, start_time=datetime.time(9), end_time=datetime.time(11))
    contact = company_contact()
    hub, client_customer = hub_with_client()
    company_contact(client_customer)
    offered = walk_to(ConnectionFactory(customer=contact.customer, flow=flows["AGS"]), "slot_offered", walker)
    testing = walk_to(ConnectionFactory(customer=contact.customer, flow=flows["CID"]), "testing", walker)
    live = walk_to(ConnectionFactory(customer=contact.customer, flow=flows["EMCS"]), "live", walker)
    awaiting = walk_to(ConnectionFactory(customer=contact.customer, flow=flows["NCTS"]), "awaiting_tls", walker)
    report = connection_problem_report(
        connection_id=live.pk,
        actor=contact.user,
        description="Messages bounce",
        contact_name="Anna",
        contact_phone="010 1234567",
        urgent=False,
    )
    moment = datetime.datetime(2020, 5, 1, 9, tzinfo=AMSTERDAM)
    news = NewsItem.objects.create(title_nl="N", title_en="N", body_nl="n", body_en="n", published_at=moment)
    document = document_upload(
        title_nl="S", title_en="S", kind="schedule", uploaded_file=upload("s.pdf", PDF), uploaded_by=member
    )
    escalation = Escalation.objects.create(
        connection=offered, waiting_state="slot_offered", reason="No answer.", opened_at=moment
    )
    job = BulkJob.objects.create(created_by=member, action=BulkJob.Action.ASSIGN, assignee=member)
    batch = ImportBatch.objects.create(
        file="imports/lijst.csv", created_by=member, original_name="lijst.csv", file_format="csv"
    )
    traffic_file = TrafficFile.objects.create(name="htg.csv", sha256="0" * 64, size=1, source="upload", file="t.csv")
    weekly = WeeklyReport.objects.create(week_start=datetime.date(2020, 5, 4), as_of=datetime.date(2020, 5, 10))
    slot = Slot.objects.filter(team_member=member).order_by("starts_at").first()
    api_token, _ = api_token_create(contact=contact, name="Warehouse", scope="read", expires_on=None)
    endpoint, _secret = endpoint_for(contact)
    with transaction.atomic():  # an event of the company's, with its delivery to the endpoint
        event_record(kind="connection.state_changed", customer_id=contact.customer_id, connection_id=None, payload={},
                     occurred_at=moment)  # fmt: skip
    assert slot is not None
    return World(
        users={
            "anonymous": None,
            "member": member,
            "core": core_team_member(),
            "helpdesk": helpdesk_member(),
            "company": contact.user,
            "hub": hub.user,
        },
        ids={
            "connection_id": offered.pk,
            "customer_id": contact.customer_id,
            "contact_id": contact.pk,
            "callback_id": report.callback.pk,
            "news_item_id": news.pk,
            "document_id": document.pk,
            "report_id": weekly.pk,
            "batch_id": batch.pk,
            "job_id": job.pk,
            "availability_id": TeamAvailability.objects.get().pk,
            "escalation_id": escalation.pk,
            "step": "company",
            "kind": "confirm_test_messages_sent",
            "token": "a-guessed-token",
            "uidb64": "MQ",
            "slot": slot.pk,
            "token_id": api_token.pk,
            "name": "hold",  # a step of a connection (api/v1/connections/<id>/transitions/<name>/)
            "file_id": traffic_file.pk,
            "endpoint_id": endpoint.pk,
            "delivery_id": endpoint.deliveries.get().pk,
        },
        by_route={
            "portal/connections/<int:connection_id>/confirm/": {"connection_id": testing.pk},
            "portal/connections/<int:connection_id>/problem/": {"connection_id": live.pk},
            "portal/connections/<int:connection_id>/confirmed/<slug:kind>/": {"connection_id": testing.pk},
            "portal/connections/<int:connection_id>/tls/": {"connection_id": awaiting.pk},
            "team/calendar/<str:token>.ics": {"token": calendar_token(user=member)},
        },
    )


# A clean body for the POSTs whose fields depend on one another, so that a hostile value meets the code behind the
# first check. Any other view is first asked with an empty body: its forms read every field they have anyway.
def _base_post(route: str, world: World) -> dict[str, str]:
    bodies: dict[str, dict[str, str]] = {
        "portal/connections/<int:connection_id>/slot/": {
            "slot": str(world.ids["slot"]),
            "expected_state": "slot_offered",
        },
        "portal/connections/<int:connection_id>/confirm/": {"kind": "confirm_test_messages_sent"},
        "portal/connections/<int:connection_id>/tls/": {"tls_version": "1.2"},
        "portal/connections/<int:connection_id>/problem/": {
            "description": "x",
            "contact_name": "Eve",
            "contact_phone": "010",
        },
        "team/connections/<int:connection_id>/step/": {
            "transition": "hold",
            "expected_state": "slot_offered",
            "note": "n",
        },
        "team/connections/<int:connection_id>/slot/": {
            "action": "book",
            "slot": str(world.ids["slot"]),
            "expected_state": "slot_offered",
        },
        "team/bulk/": {
            "action": "transition:invite",
            "scope": "all",
            "limit": "1",
            "assignee": "",
            "note": "n",
            "selection": "",
        },
        "team/escalations/<int:escalation_id>/assign/": {"owner": "me", "scope": "open"},
        "team/escalations/<int:escalation_id>/notes/": {"notes": "n", "scope": "open"},
        "team/escalations/<int:escalation_id>/close/": {"outcome": "reached", "scope": "open"},
        "team/callbacks/<int:callback_id>/close/": {"outcome": "Called back", "scope": "all"},
        "helpdesk/customers/<int:customer_id>/contacts/": {"contact-channel": "phone", "contact-topic": "other"},
        "portal/sign-in/": {"email": "nobody@company.example"},
        "accounts/login/": {"username": "nobody", "password": "wrong"},
        "admin/login/": {"username": "nobody", "password": "wrong"},
    }
    return bodies.get(route, {})


def _kwargs(route: Route, world: World) -> dict[str, Any]:
    return {name: world.by_route.get(route.route, {}).get(name, world.ids[name]) for name in route.converters}


def _url(route: Route, kwargs: dict[str, Any]) -> str:
    return reverse(route.name, kwargs=kwargs)


# ---------------------------------------------------------------------------------------------------------- reads
class _Recorder:
    """While on, every key a `QueryDict` is asked for (`[key]`, `get`, `getlist`, `in`) is noted."""

    def __init__(self) -> None:
        self.reads: list[tuple[int, str]] = []  # (id of the QueryDict, key)

    def keys(self, outcomes: list["Outcome"]) -> dict[str, set[str]]:
        """The keys read from each request's query string ("get") and body ("post"); a key read from a copy (whose
        origin is unknown) counts as both."""
        origins = {identity: "get" for outcome in outcomes for identity in outcome.query_ids[:1]}
        origins |= {identity: "post" for outcome in outcomes for identity in outcome.query_ids[1:]}
        found: dict[str, set[str]] = {"get": set(), "post": set()}
        for identity, key in self.reads:
            for method in [origins[identity]] if identity in origins else ["get", "post"]:
                found[method].add(key)
        return found

    def install(self, monkeypatch: pytest.MonkeyPatch) -> None:
        reads = self.reads
        getitem, getlist, contains = QueryDict.__getitem__, QueryDict.getlist, QueryDict.__contains__

        def recorded_getitem(self, key):
            reads.append((id(self), key))
            return getitem(self, key)

        def recorded_getlist(self, key, default=None):
            reads.append((id(self), key))
            return getlist(self, key, default)

        def recorded_contains(self, key):
            reads.append((id(self), key))
            return contains(self, key)

        monkeypatch.setattr(QueryDict, "__getitem__", recorded_getitem)
        monkeypatch.setattr(QueryDict, "getlist", recorded_getlist)
        monkeypatch.setattr(QueryDict, "__contains__", recorded_contains)
        # `get` goes through `__getitem__` (MultiValueDict.get), so it is recorded too.


# ---------------------------------------------------------------------------------------------------------- state
def _fingerprint() -> dict[str, tuple[int, str]]:
    tables = sorted(set(database.introspection.table_names()) - WRITTEN_ON_PURPOSE)
    sql = " UNION ALL ".join(
        f"SELECT %s, COUNT(*), MD5(COALESCE(STRING_AGG(t::text, '|' ORDER BY t::text), '')) FROM {name} t"  # noqa: S608 (names from the schema, quoted)
        for name in (database.ops.quote_name(table) for table in tables)
    )
    with database.cursor() as cursor:
        cursor.execute(sql, tables)
        return {table: (count, digest) for table, count, digest in cursor.fetchall()}


class _RolledBack(Exception):
    pass


@dataclass
class Outcome:
    method: str
    url: str
    data: dict[str, str]
    status: int
    changed: list[str]
    error: str = ""
    query_ids: tuple[int, ...] = ()  # ids of the request's GET and POST QueryDicts, where the view made them
    location: str = ""  # where a redirect sends the reader


def _ask(
    client: Client, method: str, url: str, data: dict[str, str], before, ignored: frozenset[str] = frozenset()
) -> Outcome:
    """One request in a savepoint that is rolled back: its status and the tables it changed."""
    outcome = Outcome(method, url, data, 0, [])
    try:
        with transaction.atomic():
            response = client.get(url, data) if method == "get" else client.post(url, data)
            if response.streaming:  # an export fails while it streams, after its status was sent
                try:
                    b"".join(response.streaming_content)
                except Exception as error:
                    response.status_code, response.exc_info = 500, (type(error), error, None)
            outcome.status = response.status_code
            outcome.location = response.get("Location", "")
            request = response.wsgi_request
            outcome.query_ids = (id(request.__dict__.get("GET")), id(getattr(request, "_post", None)))
            if response.status_code >= 500:
                outcome.error = repr(getattr(response, "exc_info", None) and response.exc_info[1])
            elif not (method == "post" and 300 <= response.status_code < 400):
                after = _fingerprint()
                outcome.changed = sorted(
                    table for table in after if after[table] != before.get(table) and table not in ignored
                )
            raise _RolledBack
    except _RolledBack:
        pass
    return outcome


def _shown(value: str) -> str:
    return repr(value if len(value) <= 20 else value[:12] + f"...({len(value)} chars)")


def _describe(outcome: Outcome) -> str:
    data = {key: _shown(value) for key, value in outcome.data.items()}
    return (
        f"{outcome.method.upper()} {_shown(outcome.url)} {data} -> {outcome.status} {outcome.changed} {outcome.error}"
    )


# ---------------------------------------------------------------------------------------------------------- walk
def _hostile_paths(route: Route, kwargs: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Valid kwargs with one converter set to each hostile value its pattern lets through."""
    for name, converter in route.converters.items():
        values = ("99999999999999999999999", "9" * 5000) if isinstance(converter, IntConverter) else HOSTILE
        for value in values:
            if re.fullmatch(converter.regex, value):
                yield {**kwargs, name: value}


def _walk(route: Route, world: World, monkeypatch: pytest.MonkeyPatch) -> tuple[list[Outcome], dict[str, set[str]]]:
    client = Client(raise_request_exception=False)
    user = world.users[_role(route.route)]
    if user is not None:
        client.force_login(user)
    kwargs = _kwargs(route, world)
    url = _url(route, kwargs)
    base = {"get": {}, "post": _base_post(route.route, world)}
    before = _fingerprint()
    ignored = WRITTEN_ON_PURPOSE_BY_ROUTE.get(route.route, frozenset())

    recorder = _Recorder()
    with monkeypatch.context() as patch:
        recorder.install(patch)
        outcomes = [_ask(client, method, url, base[method], before, ignored) for method in ("get", "post")]
    keys = recorder.keys(outcomes)
    keys["post"] |= set(base["post"])
    allowed = [outcome.method for outcome in outcomes if outcome.status != 405]

    for method in allowed:
        for key in sorted(keys[method]):
            for value in HOSTILE:
                outcomes.append(_ask(client, method, url, {**base[method], key: value}, before, ignored))
    for hostile_kwargs in _hostile_paths(route, kwargs):
        for method in allowed:
            outcomes.append(_ask(client, method, _url(route, hostile_kwargs), base[method], before, ignored))
    return outcomes, keys


SIGN_IN_PATHS = ("/accounts/login/", "/admin/login/", "/portal/sign-in/")
SIGN_OUT_PATHS = ("/accounts/logout/", "/portal/sign-out/")  # their work ends on a sign-in page


def _turned_away(outcome: Outcome) -> bool:
    """Refused for who is asking (403), or sent to sign in, or a method the URL does not take."""
    signing_in = outcome.url.startswith(SIGN_IN_PATHS + SIGN_OUT_PATHS)
    sent_to_sign_in = outcome.location.startswith(SIGN_IN_PATHS) and not signing_in
    return outcome.status in {403, 405} or sent_to_sign_in


@pytest.mark.parametrize("route", sorted(ROUTES))
def test_hostile_values_never_give_a_server_error_and_a_refusal_writes_nothing(route, world, monkeypatch):
    # given: the URL, its role signed in, the keys its view reads
    # when
    outcomes, keys = _walk(ROUTES[route], world, monkeypatch)

    # then: the role reached the view itself (not only its access check), and nothing failed or was written
    clean = outcomes[:2]
    assert not all(_turned_away(outcome) for outcome in clean), [_describe(outcome) for outcome in clean]
    errors = [_describe(outcome) for outcome in outcomes if outcome.status >= 500]
    written = [_describe(outcome) for outcome in outcomes if outcome.status < 500 and outcome.changed]
    assert not errors, f"{len(errors)} server errors (keys read: {keys}):\n" + "\n".join(errors)
    assert not written, "a refused or re-shown request wrote:\n" + "\n".join(written)


def test_the_walk_reaches_every_url_and_records_what_a_view_reads(world, monkeypatch):
    # the walk is only as good as its list of URLs and keys: both must find what they are there to find
    assert {"team/connections/", "helpdesk/", "portal/sign-in/", "admin/login/"} <= set(ROUTES)
    outcomes, keys = _walk(ROUTES["helpdesk/"], world, monkeypatch)
    assert keys == {"get": {"q"}, "post": set()}
    assert outcomes[0].status == 200
    assert len(outcomes) >= len(HOSTILE)


def test_a_row_written_by_a_refused_request_is_caught(world):
    # the fingerprint sees an update, not only a new row
    before = _fingerprint()
    with transaction.atomic():
        NewsItem.objects.filter(pk=NewsItem.objects.first().pk).update(title_en="changed")
        after = _fingerprint()
        transaction.set_rollback(True)
    assert sorted(table for table in after if after[table] != before[table]) == [NewsItem._meta.db_table]

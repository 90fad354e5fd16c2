"""Response headers on every page of the URLconf: `Cache-Control: no-store` whenever someone is signed in (staff,
companies, the admin), not forced on public pages and static files; and the strict Content-Security-Policy, which the
templates can satisfy because none has an inline script, event handler or style attribute."""

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from connections.services.staff import staff_groups_sync
from htg_migration.sessions import COMPANY, session_begin
from tests.connections.factories import ConnectionFactory, UserFactory, helpdesk_member, team_member, walk_to
from tests.connections.portal_factories import company_contact

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent.parent
STRICT_POLICY = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "frame-ancestors": ["'none'"],
    "form-action": ["'self'"],
}
# The one relaxation: the e-mail's own HTML in the admin's preview frame may carry inline styles (never scripts).
PREVIEW_POLICY = {**STRICT_POLICY, "style-src": ["'self'", "'unsafe-inline'"]}
# The API's Swagger UI and ReDoc pages (api/views/docs.py): run-time styles and data: icons of the two libraries, and
# ReDoc's search worker from a blob: of its own bundle; scripts stay 'self'.
DOCS_POLICY = {**STRICT_POLICY, "style-src": ["'self'", "'unsafe-inline'"], "img-src": ["'self'", "data:"]}
RELAXED = {"/api/docs/": DOCS_POLICY, "/api/redoc/": {**DOCS_POLICY, "worker-src": ["blob:"]}}
MISSING = "999999"  # an id nothing has: the page answers 404 (or the admin its redirect), still to a signed-in person


def _routes(patterns, prefix: str = "") -> Iterator[str]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _routes(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern)


def _path(route: str, values: dict[str, str]) -> str:
    """A concrete path for a route of the URLconf: each parameter gets the value for its name, else a missing id."""
    # The admin's two regular expressions (the app index, and the catch-all), then the routes' parameters.
    path = re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda match: values.get(match.group(1), "nowhere"), route)
    path = re.sub(r"<(?:\w+:)?(\w+)>", lambda match: values.get(match.group(1), MISSING), path)
    return "/" + path.replace("^", "").replace("$", "")


def every_path(values: dict[str, str]) -> list[str]:
    return sorted({_path(route, values) for route in _routes(get_resolver().url_patterns)})


def test_the_walk_reaches_every_pattern_of_the_urlconf():
    # given
    paths = every_path({})

    # then: each route became a path the resolver takes (no pattern left out of the walks below)
    assert len(paths) > 150
    for path in paths:
        assert "<" not in path and "(" not in path, path


@pytest.fixture
def world(programme_flows):
    staff_groups_sync()
    contact = company_contact(legal_name="Van Dam Logistiek B.V.")
    walker = UserFactory(is_superuser=True)
    connection = walk_to(
        ConnectionFactory(customer=contact.customer, flow=programme_flows["AGS"]), "slot_offered", walker
    )
    return {
        "contact": contact,
        "values": {
            "connection_id": str(connection.pk),
            "customer_id": str(contact.customer_id),
            "contact_id": str(contact.pk),
            "object_id": str(walker.pk),
            "id": str(walker.pk),
            "app_label": "connections",
            "step": "company",
        },
    }


def _signed_in_client(role: str, world) -> Client:
    client = Client()
    if role == "administrator":
        client.force_login(UserFactory(is_superuser=True))
    elif role == "team":
        client.force_login(team_member())
    elif role == "helpdesk":
        client.force_login(helpdesk_member())
    elif role == "company":
        client.force_login(world["contact"].user)
    else:  # a new company: a verified address, no account yet (as its sign-in link leaves it)
        session = client.session
        session_begin(session, kind=COMPANY, now=timezone.now())
        session["portal_verified_email"] = "new@company.example"
        session.save()
        client.cookies[settings.SESSION_COOKIE_NAME] = session.session_key
    return client


@pytest.mark.parametrize("role", ["administrator", "team", "helpdesk", "company", "new company"])
def test_every_page_a_signed_in_person_sees_is_no_store(role, world):
    # given
    client = _signed_in_client(role, world)

    # when: every page of the URLconf
    answers = {path: client.get(path) for path in every_path(world["values"])}

    # then: whatever the answer (the page, a redirect, 403, 404, 405), nobody keeps a copy
    stored = [f"{path} {response.status_code} {response.get('Cache-Control')}" for path, response in answers.items()]
    stored = [line for line, response in zip(stored, answers.values(), strict=True) if not _no_store(response)]
    assert stored == []
    # and the walk saw this role's own pages, signed in all along
    opened = {path for path, response in answers.items() if response.status_code == 200}
    assert OWN_PAGES[role] <= opened, OWN_PAGES[role] - opened


OWN_PAGES = {
    "administrator": {"/admin/", "/admin/connections/connection/", "/team/dashboard/", "/team/connections/"},
    "team": {"/team/dashboard/", "/team/connections/", "/team/slots/", "/helpdesk/"},
    "helpdesk": {"/helpdesk/"},
    "company": {"/portal/status/", "/portal/community/"},
    "new company": {"/portal/intake/company/"},
}


def _policy(response) -> dict[str, list[str]] | None:
    """The Content-Security-Policy header as directive -> sources (the header's order carries no meaning)."""
    if "Content-Security-Policy" not in response:
        return None
    directives = [directive.split() for directive in response["Content-Security-Policy"].split(";")]
    return {name: sources for name, *sources in directives}


def _no_store(response) -> bool:
    directives = [directive.strip() for directive in response.get("Cache-Control", "").split(",")]
    return "no-store" in directives


def test_public_pages_and_static_files_are_not_forced_to_no_store(client, settings):
    # given: WhiteNoise serving the static files from the source tree, as from the collected files in production
    settings.WHITENOISE_USE_FINDERS = True
    signed_in = Client()
    signed_in.force_login(team_member())

    # when
    public = [client.get(reverse(name)) for name in ("portal:start", "portal:sign_in", "connections:health")]
    static = [visitor.get("/static/css/app.css") for visitor in (Client(), signed_in)]

    # then
    assert [response.status_code for response in public + static] == [200, 200, 200, 200, 200]
    assert not [response for response in public + static if _no_store(response)]
    assert "max-age" in static[1]["Cache-Control"]


def test_every_page_carries_the_strict_content_security_policy(world):
    # given
    client = _signed_in_client("administrator", world)

    # when
    answers = {path: client.get(path) for path in every_path(world["values"])}

    # then
    policies = {path: _policy(response) for path, response in answers.items()}
    assert {path: policy for path, policy in policies.items() if policy != RELAXED.get(path, STRICT_POLICY)} == {}
    assert set(RELAXED) <= set(policies)


def test_the_email_preview_allows_inline_styles_for_the_emails_html_and_nothing_else(admin_client):
    from notifications.models import EmailTemplate

    template = EmailTemplate.objects.get(key="connection.live", language="en")

    response = admin_client.get(reverse("admin:notifications_emailtemplate_preview", args=[template.pk]))

    assert response.status_code == 200
    assert _policy(response) == PREVIEW_POLICY


# Within a tag (which may span lines): a template's `{% ... %}` inside a tag may hide one from these, never invent one.
INLINE = [
    (re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE), "an inline script"),
    (re.compile(r"<style\b", re.IGNORECASE), "a style element"),
    (re.compile(r"<[a-z][^<>]*?\sstyle\s*=", re.IGNORECASE), "a style attribute"),
    (re.compile(r"<[a-z][^<>]*?\son[a-z]+\s*=", re.IGNORECASE), "an event handler attribute"),
    (re.compile(r"javascript:", re.IGNORECASE), "a javascript: URL"),
]


def _sources() -> Iterator[Path]:
    """Every template, and every module of ours that writes HTML (format_html in the admin, the charts)."""
    yield from (ROOT / "templates").rglob("*.html")
    for app in ("connections", "notifications", "plateaus", "portal", "helpdesk", "reporting", "imports", "community"):
        yield from (path for path in (ROOT / app).rglob("*.py") if "migrations" not in path.parts)
    yield from (ROOT / "htg_migration").glob("*.py")


def test_no_template_or_html_in_code_has_an_inline_script_handler_or_style():
    found = []
    for path in _sources():
        text = path.read_text()
        for pattern, what in INLINE:
            for match in pattern.finditer(text):
                found.append(f"{path.relative_to(ROOT)}:{text.count(chr(10), 0, match.start()) + 1}: {what}")

    assert found == []

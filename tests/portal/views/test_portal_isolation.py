"""Isolation: a company reaches only its own objects (and a hub its clients'), on every portal URL.

The matrix lists every URL a company can reach (the "portal" namespace and the community area under /portal/); a
URL added without an entry fails the first test, so new pages are covered automatically. A guessed id of another
company is a 404 (never a 403, which would confirm that it exists); a POST with a guessed id or tampered form
fields writes nothing (rows are counted before and after).
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from community.models import NewsItem
from community.services.documents import document_upload
from connections.models import CallbackRequest, ConnectionEvent, HelpdeskContact, Slot, SlotBooking
from connections.services.company_actions import connection_problem_report
from connections.services.slots import availability_publish
from plateaus.models import MessageFlow
from tests.connections.factories import AMSTERDAM, ConnectionFactory, UserFactory, helpdesk_member, team_member, walk_to
from tests.connections.portal_factories import company_contact, hub_with_client
from tests.notifications.document_files import PDF, upload
from tests.submit_tokens import fresh_submit_token

pytestmark = pytest.mark.django_db

MONDAY = datetime.date(2020, 5, 18)


@dataclass
class Company:
    contact: Any
    offered: Any  # a connection in "slot offered"
    testing: Any  # a connection in "testing"
    live: Any  # a connection live on HTG
    awaiting: Any  # a connection waiting for TLS 1.2
    callback: Any  # its problem report's callback request


@dataclass
class World:
    a: Company
    b: Company
    hub: Any  # the hub's contact
    client: Company  # a company the hub serves
    other_hub: Any  # a hub that does not serve the client
    slot: Any  # a free slot
    news: Any
    draft: Any
    document: Any
    extra: dict[str, Any] = field(default_factory=dict)


def _company(contact, walker) -> Company:
    flows = {flow.code: flow for flow in MessageFlow.objects.all()}
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
    return Company(
        contact=contact, offered=offered, testing=testing, live=live, awaiting=awaiting, callback=report.callback
    )


@pytest.fixture
def world(settings, tmp_path) -> World:
    settings.HTG_CLOCK_DATE = datetime.date(2020, 5, 15)
    settings.MEDIA_ROOT = tmp_path / "media"
    walker = UserFactory(is_superuser=True)
    member = team_member()
    availability_publish(team_member=member, date=MONDAY, start_time=datetime.time(9), end_time=datetime.time(10))
    hub, client_customer = hub_with_client()
    client_contact = company_contact(client_customer)
    moment = datetime.datetime(2020, 5, 1, 9, tzinfo=AMSTERDAM)
    return World(
        a=_company(company_contact(), walker),
        b=_company(company_contact(), walker),
        hub=hub,
        client=_company(client_contact, walker),
        other_hub=hub_with_client()[0],
        slot=Slot.objects.get(team_member=member),
        news=NewsItem.objects.create(title_nl="N", title_en="N", body_nl="n", body_en="n", published_at=moment),
        draft=NewsItem.objects.create(title_nl="D", title_en="D", body_nl="d", body_en="d"),
        document=document_upload(
            title_nl="S", title_en="S", kind="schedule", uploaded_file=upload("s.pdf", PDF), uploaded_by=member
        ),
    )


# What each portal URL is about. "owned": its id belongs to one company (kwargs(world, company) gives that company's
# object); "shared": the same for every signed-in company (community area); "public": open without signing in (a
# sign-in page). methods: what the URL accepts; data: a POST body that would succeed for the owner.
@dataclass(frozen=True)
class Entry:
    kind: str
    methods: tuple[str, ...]
    kwargs: Callable[[World, Company], dict[str, int]] = lambda world, company: {}
    data: Callable[[World, Company], dict[str, Any]] = lambda world, company: {}
    # What the page answers when it may be opened (an unknown sign-in link says so; /intake/ goes to a step).
    ok_status: int = 200


MATRIX: dict[str, Entry] = {
    # Start page, sign-in by e-mailed link (no company object in their URLs).
    "portal:start": Entry("public", ("get",)),
    "portal:sign_in": Entry("public", ("get",)),
    "portal:sign_in_sent": Entry("public", ("get",), ok_status=302),  # only right after asking; else back to sign-in
    "portal:sign_in_confirm": Entry("public", ("get",), lambda w, c: {"token": "a-guessed-token"}, ok_status=410),
    "portal:sign_out": Entry("public", ("post",), ok_status=302),
    # The intake and the status page: always the signed-in company's own (no id to guess).
    "portal:intake": Entry("shared", ("get",), ok_status=302),
    "portal:intake_step": Entry("shared", ("get",), lambda w, c: {"step": "company"}),
    "portal:status": Entry("shared", ("get",)),
    "portal:connection": Entry("owned", ("get",), lambda w, c: {"connection_id": c.offered.pk}),
    "portal:connection_slot": Entry(
        "owned",
        ("get", "post"),
        lambda w, c: {"connection_id": c.offered.pk},
        lambda w, c: {"slot": w.slot.pk, "expected_state": "slot_offered"},
    ),
    # After booking: the booked session (none yet here: back to the connection).
    "portal:connection_slot_booked": Entry(
        "owned", ("get",), lambda w, c: {"connection_id": c.offered.pk}, ok_status=302
    ),
    # After confirming: the confirmation (none yet here: back to the connection).
    "portal:connection_confirmed": Entry(
        "owned",
        ("get",),
        lambda w, c: {"connection_id": c.testing.pk, "kind": "confirm_test_messages_sent"},
        ok_status=302,
    ),
    "portal:connection_confirm": Entry(
        "owned",
        ("post",),
        lambda w, c: {"connection_id": c.testing.pk},
        lambda w, c: {"kind": "confirm_test_messages_sent"},
    ),
    "portal:connection_tls_confirm": Entry(
        "owned",
        ("post",),
        lambda w, c: {"connection_id": c.awaiting.pk},
        lambda w, c: {"tls_version": "1.2"},
    ),
    "portal:problem_report": Entry(
        "owned",
        ("get", "post"),
        lambda w, c: {"connection_id": c.live.pk},
        lambda w, c: {
            "description": "x",
            "contact_name": "Eve",
            "contact_phone": "010",
            "submit_token": fresh_submit_token(),
        },
    ),
    "portal:problem_reported": Entry("owned", ("get",), lambda w, c: {"callback_id": c.callback.pk}),
    "portal:clients": Entry("shared", ("get",)),
    "community:home": Entry("shared", ("get",)),
    "community:portal_news_list": Entry("shared", ("get",)),
    "community:portal_news_detail": Entry("shared", ("get",), lambda w, c: {"news_item_id": w.news.pk}),
    "community:newsletter_archive": Entry("shared", ("get",)),
    "community:portal_documents": Entry("shared", ("get",)),
    "community:portal_document_download": Entry("shared", ("get",), lambda w, c: {"document_id": w.document.pk}),
}


def _company_url_names() -> set[str]:
    """Every URL a company can reach: the "portal" namespace, and the community area's pages under /portal/."""

    def names(patterns, namespace: str, prefix: str) -> set[str]:
        found: set[str] = set()
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                found |= names(pattern.url_patterns, pattern.namespace or namespace, prefix + str(pattern.pattern))
            elif isinstance(pattern, URLPattern) and pattern.name:
                route = prefix + str(pattern.pattern)
                if namespace == "portal" or (namespace == "community" and route.startswith("portal/")):
                    found.add(f"{namespace}:{pattern.name}")
        return found

    return names(get_resolver().url_patterns, "", "")


def _rows() -> tuple[int, ...]:
    return (
        SlotBooking.objects.count(),
        ConnectionEvent.objects.count(),
        CallbackRequest.objects.count(),
        HelpdeskContact.objects.count(),
    )


def _request(client, method, url, data):
    return client.post(url, data) if method == "post" else client.get(url)


def test_every_portal_url_is_in_the_isolation_matrix():
    assert _company_url_names() == set(MATRIX), (
        "Add each new portal URL to MATRIX in this file (and each removed one out of it): "
        f"missing {sorted(_company_url_names() - set(MATRIX))}, stale {sorted(set(MATRIX) - _company_url_names())}"
    )


OWNED = sorted(name for name, entry in MATRIX.items() if entry.kind == "owned")
SHARED = sorted(name for name, entry in MATRIX.items() if entry.kind == "shared")
PUBLIC = sorted(name for name, entry in MATRIX.items() if entry.kind == "public")


@pytest.mark.parametrize("name", OWNED)
def test_a_company_guessing_another_companys_ids_gets_404_and_nothing_is_written(client, world, name):
    # given: company A signed in, and every URL of company B (and of the hub's client) with a body that would work
    entry = MATRIX[name]
    client.force_login(world.a.contact.user)
    before = _rows()

    for victim in (world.b, world.client):
        url = reverse(name, kwargs=entry.kwargs(world, victim))
        for method in entry.methods:
            # when
            response = _request(client, method, url, entry.data(world, victim))

            # then
            assert response.status_code == 404, (name, method, url)
    assert _rows() == before
    for company in (world.b, world.client):
        for connection in (company.offered, company.testing, company.live):
            state = connection.state
            connection.refresh_from_db()
            assert connection.state == state


@pytest.mark.parametrize("name", OWNED)
def test_a_hub_reaches_its_clients_objects_but_not_another_companys_and_another_hub_none(client, world, name):
    entry = MATRIX[name]
    client_url = reverse(name, kwargs=entry.kwargs(world, world.client))
    stranger_url = reverse(name, kwargs=entry.kwargs(world, world.b))
    get_or_post = entry.methods[0]

    client.force_login(world.hub.user)
    assert _request(client, "get", client_url, {}).status_code == (entry.ok_status if "get" in entry.methods else 405)
    before = _rows()
    assert _request(client, get_or_post, stranger_url, entry.data(world, world.b)).status_code == 404

    client.force_login(world.other_hub.user)
    assert _request(client, get_or_post, client_url, entry.data(world, world.client)).status_code == 404
    assert _rows() == before


@pytest.mark.parametrize("name", OWNED)
def test_the_owner_reaches_its_own_objects(client, world, name):
    # the 404s above are about ownership, not a page that is broken for everyone
    entry = MATRIX[name]
    client.force_login(world.b.contact.user)
    url = reverse(name, kwargs=entry.kwargs(world, world.b))

    assert client.get(url).status_code == (entry.ok_status if "get" in entry.methods else 405)


def test_a_client_does_not_reach_its_hubs_own_connections(client, world):
    hub_connection = ConnectionFactory(customer=world.hub.customer)
    client.force_login(world.client.contact.user)

    assert client.get(reverse("portal:connection", args=[hub_connection.pk])).status_code == 404


def test_anonymous_users_are_sent_to_sign_in_and_staff_get_404_on_every_url(client, world):
    staff = (team_member(), helpdesk_member(), UserFactory(is_superuser=True))
    before = _rows()
    for name, entry in MATRIX.items():
        if entry.kind == "public":
            continue
        url = reverse(name, kwargs=entry.kwargs(world, world.b))
        for method in entry.methods:
            client.logout()
            anonymous = _request(client, method, url, entry.data(world, world.b))
            assert (anonymous.status_code, anonymous.get("Location")) == (302, f"/portal/sign-in/?next={url}"), name
            for user in staff:
                client.force_login(user)
                assert _request(client, method, url, entry.data(world, world.b)).status_code == 404, (name, user)
    assert _rows() == before


def test_shared_community_pages_open_for_every_signed_in_company(client, world):
    for contact in (world.a.contact, world.hub, world.client.contact):
        client.force_login(contact.user)
        for name in SHARED:
            url = reverse(name, kwargs=MATRIX[name].kwargs(world, world.a))
            assert client.get(url).status_code == MATRIX[name].ok_status, (name, contact)


def test_public_pages_open_without_signing_in(client, world):
    for name in PUBLIC:
        entry = MATRIX[name]
        url = reverse(name, kwargs=entry.kwargs(world, world.a))
        assert _request(client, entry.methods[0], url, {}).status_code == entry.ok_status, name


def test_unsent_news_and_unknown_documents_are_404(client, world):
    client.force_login(world.a.contact.user)

    assert client.get(reverse("community:portal_news_detail", args=[world.draft.pk])).status_code == 404
    assert client.get(reverse("community:portal_document_download", args=[world.document.pk + 1000])).status_code == 404


# --- tampered form fields on a company's own URLs ---


def test_tampered_ids_in_the_form_never_reach_another_companys_objects(client, world):
    # given: A posts on its own URLs, with B's ids added to (or swapped into) the form
    client.force_login(world.a.contact.user)
    b = world.b
    tampered = {
        "connection": b.offered.pk,
        "connection_id": b.offered.pk,
        "customer": b.contact.customer_id,
        "customer_id": b.contact.customer_id,
        "callback_id": b.callback.pk,
    }
    b_rows = lambda: (  # noqa: E731
        SlotBooking.objects.filter(connection__customer=b.contact.customer).count(),
        ConnectionEvent.objects.filter(connection__customer=b.contact.customer).count(),
        CallbackRequest.objects.filter(customer=b.contact.customer).count(),
        HelpdeskContact.objects.filter(customer=b.contact.customer).count(),
    )
    before = b_rows()

    # when
    client.post(
        reverse("portal:connection_slot", args=[world.a.offered.pk]),
        {"slot": world.slot.pk, "expected_state": "slot_offered", **tampered},
    )
    client.post(
        reverse("portal:connection_confirm", args=[world.a.testing.pk]),
        {"kind": "confirm_test_messages_sent", **tampered},
    )
    client.post(
        reverse("portal:problem_report", args=[world.a.live.pk]),
        {
            "description": "x",
            "contact_name": "Eve",
            "contact_phone": "010",
            **tampered,
            "submit_token": fresh_submit_token(),
        },
    )

    # then: B is untouched; what happened, happened to A's own connections
    assert b_rows() == before
    assert SlotBooking.objects.get(slot=world.slot).connection == world.a.offered
    assert ConnectionEvent.objects.get(transition="confirm_test_messages_sent").connection == world.a.testing
    assert CallbackRequest.objects.filter(customer=world.a.contact.customer).count() == 2


def test_a_slot_booked_by_another_company_cannot_be_taken_by_posting_its_id(client, world):
    # given: B has booked the free slot; A posts that slot's id for its own connection
    client.force_login(world.b.contact.user)
    client.post(
        reverse("portal:connection_slot", args=[world.b.offered.pk]),
        {"slot": world.slot.pk, "expected_state": "slot_offered"},
        follow=True,
    )
    client.force_login(world.a.contact.user)
    before = _rows()

    response = client.post(
        reverse("portal:connection_slot", args=[world.a.offered.pk]),
        {"slot": world.slot.pk, "expected_state": "slot_offered"},
        follow=True,
    )

    assert [str(message) for message in response.context["messages"]] == [
        "This slot was just taken: choose another. Nothing was changed."
    ]
    assert _rows() == before
    assert SlotBooking.objects.get(slot=world.slot).connection == world.b.offered

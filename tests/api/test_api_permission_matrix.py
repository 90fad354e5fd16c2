"""Who may call which API route (issue 17 item 7): a matrix generated from the URLconf. Every route under /api/ must
have an entry here, else the first test fails; each entry says, for each caller, the status it gets and, for a
list, whether company A's row is in it ("200 with A", "200 without A").

Callers: anonymous; company A; company B; the hub that serves A; a hub that does not; A's read-only token, A's
revoked token, A's expired token; helpdesk; team; core team. The matrix asks with GET: an endpoint that only takes
POST answers those who may use it with 405 (after their role was checked), everyone else as for a GET."""

import datetime

import pytest
from django.core.cache import cache
from django.db import transaction
from django.test import Client
from django.urls import reverse

from api.models import ApiToken
from api.services.tokens import api_token_create, api_token_revoke
from connections.models import Escalation, TeamAvailability
from connections.services.callbacks import callback_request_create
from imports.models import ImportBatch
from tests.connections.factories import ConnectionFactory, core_team_member, helpdesk_member, team_member
from tests.connections.portal_factories import company_contact, hub_with_client
from tests.test_hostile_input import ROUTES
from tests.webhooks.factories import endpoint_for
from traffic.models import TrafficFile
from webhooks.models import EventKind, WebhookDelivery
from webhooks.services import event_record
from webhooks.services.events import events_publish

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2020, 5, 15)
CALLERS = (
    "anonymous",
    "company_a",
    "company_b",
    "hub_of_a",
    "hub_not_of_a",
    "read_only_token",
    "revoked_token",
    "expired_token",
    "helpdesk",
    "team",
    "core_team",
)
PUBLIC = dict.fromkeys(CALLERS, "200")
# A list: a company, A's hub and A's own token see A's row; another company or hub gets its own list without it.
A_LIST = {
    "anonymous": "401",
    "company_a": "200 with A",
    "company_b": "200 without A",
    "hub_of_a": "200 with A",
    "hub_not_of_a": "200 without A",
    "read_only_token": "200 with A",
    "revoked_token": "401",
    "expired_token": "401",
    "helpdesk": "403",
    "team": "403",
    "core_team": "403",
}
# The connection list answers the team too, with the team's list (every connection, A's among them).
CONNECTION_LIST = {**A_LIST, "team": "200 with A", "core_team": "200 with A"}
# One of A's objects: anyone else gets a 404, exactly as for an id that does not exist.
A_OBJECT = {
    "anonymous": "401",
    "company_a": "200",
    "company_b": "404",
    "hub_of_a": "200",
    "hub_not_of_a": "404",
    "read_only_token": "200",
    "revoked_token": "401",
    "expired_token": "401",
    "helpdesk": "403",
    "team": "403",
    "core_team": "403",
}
# A connection's slots: A's, and the team's for any connection (it books for companies, as on a connection's page).
SLOTS = {**A_OBJECT, "team": "200", "core_team": "200"}
# The team's endpoints: no company account or company token, whatever its scope; the roles of the team's pages.
NOT_STAFF = {
    "anonymous": "401",
    "company_a": "403",
    "company_b": "403",
    "hub_of_a": "403",
    "hub_not_of_a": "403",
    "read_only_token": "403",
    "revoked_token": "401",
    "expired_token": "401",
}
TEAM = {**NOT_STAFF, "helpdesk": "403", "team": "200", "core_team": "200"}
TEAM_POST = {**TEAM, "team": "405", "core_team": "405"}
STAFF_SEARCH = {**NOT_STAFF, "helpdesk": "400", "team": "400", "core_team": "400"}  # without `q`: 400, with reason
CORE_TEAM = {**TEAM, "team": "403"}
CORE_TEAM_POST = {**CORE_TEAM, "core_team": "405"}
# A company's own webhooks: its hub sees none of them (a hub registers its own, which get its clients' events).
OWN_LIST = {**A_LIST, "hub_of_a": "200 without A"}
OWN_OBJECT = {**A_OBJECT, "hub_of_a": "404"}
# A POST-only action: who may call it gets 405 for a GET (the permission is checked first).
POST_ONLY = {
    **dict.fromkeys(CALLERS, "405"),
    **{caller: A_OBJECT[caller] for caller in A_OBJECT if A_OBJECT[caller] in {"401", "403"}},
}
MATRIX = {
    "api/schema/": PUBLIC,
    "api/docs/": PUBLIC,
    "api/redoc/": PUBLIC,
    "api/v1/companies/": A_LIST,
    "api/v1/connections/": CONNECTION_LIST,
    "api/v1/connections/<int:connection_id>/": A_OBJECT,
    "api/v1/connections/<int:connection_id>/timeline/": A_OBJECT,
    "api/v1/connections/<int:connection_id>/transitions/": TEAM,
    "api/v1/connections/<int:connection_id>/transitions/<str:name>/": TEAM_POST,
    "api/v1/connections/<int:connection_id>/assignment/": TEAM_POST,
    "api/v1/team/customers/": TEAM,
    "api/v1/team/lookup/": STAFF_SEARCH,
    "api/v1/team/callbacks/": TEAM,  # GET the team's queue; POST a request (the helpdesk too: its own test)
    "api/v1/team/callbacks/<int:callback_id>/close/": TEAM_POST,
    "api/v1/team/escalations/": CORE_TEAM,
    "api/v1/team/escalations/<int:escalation_id>/assign/": CORE_TEAM_POST,
    "api/v1/team/escalations/<int:escalation_id>/notes/": CORE_TEAM_POST,
    "api/v1/team/escalations/<int:escalation_id>/close/": CORE_TEAM_POST,
    "api/v1/team/availability/": TEAM,
    "api/v1/team/availability/<int:availability_id>/withdraw/": TEAM_POST,
    "api/v1/team/dashboard/": TEAM,
    "api/v1/team/imports/": TEAM,
    "api/v1/team/imports/<int:batch_id>/": TEAM,
    "api/v1/team/imports/<int:batch_id>/apply/": TEAM_POST,
    "api/v1/team/imports/<int:batch_id>/progress/": TEAM,
    "api/v1/connections/<int:connection_id>/slots/": SLOTS,
    "api/v1/traffic/": TEAM_POST,
    "api/v1/traffic/<int:file_id>/": TEAM,
    "api/v1/events/": A_LIST,
    "api/v1/webhooks/": OWN_LIST,
    "api/v1/webhooks/<int:endpoint_id>/": OWN_OBJECT,
    "api/v1/webhooks/<int:endpoint_id>/resume/": POST_ONLY,
    "api/v1/webhooks/<int:endpoint_id>/deliveries/": OWN_OBJECT,
    "api/v1/webhooks/<int:endpoint_id>/deliveries/<int:delivery_id>/resend/": POST_ONLY,
}
# A write to one of A's objects, sent with a field no endpoint knows: the body is read only once the caller may write
# and the object is theirs, so A and A's hub get the 400 (and nothing is written), anyone else the refusal before it.
A_WRITE = {**A_OBJECT, "company_a": "400", "hub_of_a": "400", "read_only_token": "403"}
SLOT_WRITE = {**A_WRITE, "team": "400", "core_team": "400"}  # the team books and moves sessions for any connection
WRITES = {
    "api/v1/connections/<int:connection_id>/booking/": {"post": SLOT_WRITE, "put": SLOT_WRITE},
    "api/v1/connections/<int:connection_id>/confirmations/test-messages-sent/": {"post": A_WRITE},
    "api/v1/connections/<int:connection_id>/confirmations/ready-for-production/": {"post": A_WRITE},
    "api/v1/connections/<int:connection_id>/problems/": {"post": A_WRITE},
}
A_ROWS = (A_LIST, CONNECTION_LIST, OWN_LIST)  # lists in which the matrix looks for A's row
API_ROUTES = sorted(route for route in ROUTES if route.startswith("api/"))


@pytest.fixture(autouse=True)
def _pinned(settings):
    settings.HTG_CLOCK_DATE = TODAY
    cache.clear()


def test_every_api_route_is_in_the_matrix():
    # a route added later without an entry fails here
    assert sorted(set(MATRIX) | set(WRITES)) == API_ROUTES
    assert all(set(entry) == set(CALLERS) for entry in MATRIX.values())


def _callers() -> tuple[dict[str, Client], dict[str, int]]:
    hub_of_a, a_customer = hub_with_client()
    company_a = company_contact(a_customer)
    company_b = company_contact()
    hub_not_of_a, _ = hub_with_client()
    connection = ConnectionFactory(customer=a_customer)
    ConnectionFactory(customer=company_b.customer)
    _, read_key = api_token_create(contact=company_a, name="read", scope="read", expires_on=None)
    revoked, revoked_key = api_token_create(contact=company_a, name="revoked", scope="read", expires_on=None)
    api_token_revoke(contact=company_a, token_id=revoked.pk, actor=company_a.user)
    expired, expired_key = api_token_create(contact=company_a, name="expired", scope="read", expires_on=TODAY)
    ApiToken.objects.filter(pk=expired.pk).update(expires_on=TODAY - datetime.timedelta(days=1))

    member = team_member()

    def signed_in(user) -> Client:
        client = Client()
        client.force_login(user)
        return client

    def bearer(key: str) -> Client:
        return Client(HTTP_AUTHORIZATION=f"Bearer {key}")

    clients = {
        "anonymous": Client(),
        "company_a": signed_in(company_a.user),
        "company_b": signed_in(company_b.user),
        "hub_of_a": signed_in(hub_of_a.user),
        "hub_not_of_a": signed_in(hub_not_of_a.user),
        "read_only_token": bearer(read_key),
        "revoked_token": bearer(revoked_key),
        "expired_token": bearer(expired_key),
        "helpdesk": signed_in(helpdesk_member()),
        "team": signed_in(member),
        "core_team": signed_in(core_team_member()),
    }
    endpoint, _secret = endpoint_for(company_a)
    with transaction.atomic():
        event_id = event_record(
            kind=EventKind.STATE_CHANGED, customer_id=a_customer.pk, connection_id=connection.pk, payload={},
            occurred_at=datetime.datetime(2020, 5, 15, tzinfo=datetime.UTC),
        )  # fmt: skip
    events_publish()
    delivery = WebhookDelivery.objects.get(event_id=event_id)
    escalation = Escalation.objects.create(connection=connection, waiting_state="invited", reason="No answer.")
    callback = callback_request_create(
        customer_id=a_customer.pk,
        requested_by=member,
        urgency="normal",
        reason="Call back",
        contact_name="Anna",
        contact_phone="010 1234567",
    )
    availability = TeamAvailability.objects.create(
        team_member=member, date=TODAY, start_time=datetime.time(9), end_time=datetime.time(10)
    )
    batch = ImportBatch.objects.create(
        file="imports/list.csv", created_by=member, original_name="list.csv", file_format="csv"
    )
    ids = {
        "connection_id": connection.pk,
        "customer_id": a_customer.pk,
        "name": "hold",
        "escalation_id": escalation.pk,
        "callback_id": callback.pk,
        "availability_id": availability.pk,
        "batch_id": batch.pk,
        "file_id": TrafficFile.objects.create(name="htg.csv", sha256="0" * 64, size=1, source="api").pk,
        "endpoint_id": endpoint.pk,
        "delivery_id": delivery.pk,
        "event_id": event_id,
    }
    return clients, ids


def _outcome(response, a_ids: dict[str, int], route: str) -> str:
    status = str(response.status_code)
    if response.status_code != 200 or not any(MATRIX[route] is entry for entry in A_ROWS):
        return status
    rows = response.json()["results"]
    wanted = {
        "api/v1/companies/": a_ids["customer_id"],
        "api/v1/events/": a_ids["event_id"],
        "api/v1/webhooks/": a_ids["endpoint_id"],
    }.get(route, a_ids["connection_id"])
    return f"{status} {'with' if any(row['id'] == wanted for row in rows) else 'without'} A"


@pytest.mark.parametrize("route", sorted(MATRIX))
def test_each_caller_gets_what_the_matrix_says(route):
    # given
    clients, a_ids = _callers()
    pattern = ROUTES[route]
    url = reverse(pattern.name, kwargs={name: a_ids[name] for name in pattern.converters})

    # when
    found = {caller: _outcome(clients[caller].get(url), a_ids, route) for caller in CALLERS}

    # then
    assert found == MATRIX[route]


@pytest.mark.parametrize(("route", "method"), [(route, method) for route in sorted(WRITES) for method in WRITES[route]])
def test_each_caller_writes_what_the_matrix_says(route, method):
    # given
    clients, a_ids = _callers()
    pattern = ROUTES[route]
    url = reverse(pattern.name, kwargs={name: a_ids[name] for name in pattern.converters})

    # when
    found = {
        caller: str(getattr(clients[caller], method)(url, {"unknown": 1}, content_type="application/json").status_code)
        for caller in CALLERS
    }

    # then
    assert found == WRITES[route][method]

"""Budget of the REST API (issue 17 item 8): the first page of a hub's clients' connections."""

import statistics
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bench.run import BenchContext, Metric

CLIENTS = 500
REPEATS = 30
URL = "/api/v1/connections/"


def metric_api_connections(context: "BenchContext") -> list["Metric"]:
    """`api_connections_ms`: `GET /api/v1/connections/`, the first page (50) of the connections of a hub with 500
    clients, as a whole request with the hub's read-write API token through Django's test client (the token's checks
    and last-use note, throttling on the cache, the access rule, the rows with their booked slot and the confirmations
    behind the next step in words, JSON), the median of 30. The hub is the seed's hub with the most clients, given
    further companies of the register as clients up to 500 for the measurement (handed back afterwards). Floor: the
    page's own SQL (its rows and its bookings, as the endpoint runs them), executed raw through the same database
    connection, rows fetched (the median of 30). Goal: at most 3 times its floor."""
    from django.contrib.auth.models import User
    from django.db import connection as database
    from django.db.models import Count
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from api.pagination import ApiCursorPagination
    from api.selectors.connections import api_connection_list
    from api.services.tokens import api_token_create
    from bench.run import metric, timings_ms, vacuum
    from connections.models import Contact, Customer

    hub = (
        Customer.objects.filter(role=Customer.Role.HUB, contacts__isnull=False)
        .annotate(client_count=Count("clients", distinct=True))
        .order_by("-client_count", "id")
        .first()
    )
    if hub is None:
        raise RuntimeError("the seed made no hub with a contact")
    lent = list(
        Customer.objects.filter(role=Customer.Role.DIRECT, hub__isnull=True)
        .order_by("id")
        .values_list("id", flat=True)[: max(0, CLIENTS - hub.client_count)]
    )
    Customer.objects.filter(id__in=lent).update(hub=hub)
    contact = Contact.objects.filter(customer=hub).order_by("-is_primary", "id").first()
    assert contact is not None
    own_user = contact.user is None
    if own_user:
        contact.user = User.objects.create_user(username=f"bench-api-{hub.pk}", email=contact.email)
        contact.save(update_fields=["user"])
    token, key = api_token_create(contact=contact, name="Bench", scope="read_write", expires_on=None)
    vacuum(context.connection, "connections_customer", "api_apitoken")
    try:
        client = Client(SERVER_NAME="localhost", HTTP_AUTHORIZATION=f"Bearer {key}")

        def request() -> None:
            response = client.get(URL)
            if response.status_code != 200 or len(response.json()["results"]) != ApiCursorPagination.page_size:
                raise RuntimeError(f"{URL} answered {response.status_code}")

        request()  # warm up: plans, caches
        value = statistics.median(timings_ms(request, REPEATS))

        # The page's own SQL, as the endpoint runs it: its rows (one more than a page, to know there is a next) and
        # the active bookings of those rows.
        assert contact.user is not None
        with CaptureQueriesContext(database) as page_queries:
            list(api_connection_list(user=contact.user).order_by("id")[: ApiCursorPagination.page_size + 1])
        statements = [query["sql"] for query in page_queries.captured_queries if query["sql"].startswith("SELECT")]
        cursor = context.connection.cursor()

        def raw() -> None:
            for sql in statements:
                cursor.execute(sql)
                cursor.fetchall()

        raw()
        floor = statistics.median(timings_ms(raw, REPEATS))
    finally:
        token.delete()
        if own_user:
            user = contact.user
            contact.user = None
            contact.save(update_fields=["user"])
            assert user is not None
            user.delete()
        Customer.objects.filter(id__in=lent).update(hub=None)
    return [metric("api_connections_ms", context.size, value, "ms", floor)]

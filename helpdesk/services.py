"""The helpdesk's own writes: the lookup and its audit. The contact log and callback requests are the core's
(connections/services/callbacks.py): the portal writes them too."""

from dataclasses import dataclass
from typing import Any

from django.db import connection as database

from connections.models import Customer, LookupAudit
from connections.services.htg_numbers import htg_number_normalise
from helpdesk.selectors import customer_lookup
from htg_migration import clock


def lookup_audit_record(
    *, user: Any, kind: str, query: str = "", result_count: int = 0, customer_id: int | None = None
) -> LookupAudit:
    """One audit row per helpdesk search and per customer screen opened."""
    return LookupAudit.objects.create(
        user=user,
        kind=kind,
        query=query[:200],
        result_count=result_count,
        customer_id=customer_id,
        created_at=clock.now(),
    )


@dataclass(frozen=True)
class HtgNumberLookup:
    """What an HTG-number search found (the customer's id, or None if nobody has that number); its audit is written."""

    customer_id: int | None


def helpdesk_htg_number_lookup(*, user: Any, query: str) -> HtgNumberLookup | None:
    """The helpdesk's most frequent search: an HTG number typed with its prefix ("htg 0004788 6"). Finds the customer
    on the unique index and writes the search's audit row in ONE statement (INSERT ... SELECT ... RETURNING), so the
    lookup costs a single round trip and its audit can never be skipped. None if the query is not such a number (then
    the caller searches by `customer_lookup` and audits that). Eight bare digits may also be a KvK number: they are
    not taken here."""
    htg_number = htg_number_normalise(query, prefix_required=True)
    if htg_number is None:
        return None
    audit, customer = LookupAudit._meta, Customer._meta
    with database.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {audit.db_table} (user_id, kind, query, result_count, customer_id, created_at) "  # noqa: S608 - table names from the models; values are parameters
            f"SELECT %s, %s, %s, COUNT(*), MIN(id), %s FROM {customer.db_table} WHERE htg_number = %s "
            "RETURNING customer_id",
            [user.pk, LookupAudit.Kind.SEARCH, query[:200], clock.now(), htg_number],
        )
        row = cursor.fetchone()
    return HtgNumberLookup(customer_id=row[0] if row else None)


@dataclass(frozen=True)
class HelpdeskLookup:
    """What a helpdesk search found: the one customer it points at (or None), and the list when it found several."""

    customer_id: int | None
    results: list[Customer]


def helpdesk_lookup(*, user: Any, query: str) -> HelpdeskLookup:
    """The helpdesk's search by HTG number, name, KvK number, EORI (or contact), with its audit row written: the
    lookup page and the team's API both search through here."""
    htg_lookup = helpdesk_htg_number_lookup(user=user, query=query)
    if htg_lookup is not None:
        return HelpdeskLookup(customer_id=htg_lookup.customer_id, results=[])
    results = customer_lookup(text=query)
    customer_id = results[0].pk if len(results) == 1 else None
    lookup_audit_record(
        user=user, kind=LookupAudit.Kind.SEARCH, query=query, result_count=len(results), customer_id=customer_id
    )
    return HelpdeskLookup(customer_id=customer_id, results=results)

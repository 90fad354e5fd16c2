"""The helpdesk's own writes: the lookup and its audit. The contact log and callback requests are the core's
(connections/services/callbacks.py): the portal writes them too."""

from dataclasses import dataclass
from typing import Any

from django.db import connection as database

from connections.models import Customer, LookupAudit
from connections.services.htg_numbers import htg_number_normalise
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

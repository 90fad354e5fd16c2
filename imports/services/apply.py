"""Writing a checked registration plan: bulk inserts and updates, a chunk of companies at a time.

Hubs go first, so that the companies they serve (anywhere in the file) find their id. The caller owns the
transaction: everything here is written in it, or nothing is.
"""

from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from connections.models import Connection, ConnectionState, Contact, Customer
from connections.services.snapshots import readiness_refresh, snapshot_counts_add
from htg_migration import clock
from imports.services.plan import CustomerChange, RegistrationPlan

CHUNK = 2_000
CUSTOMER_FIELDS = ["legal_name", "kvk_number", "role", "hub_id", "updated_at"]
CONTACT_FIELDS = ["name", "email", "phone", "language"]


@dataclass(frozen=True)
class AppliedCounts:
    created_customers: int
    updated_customers: int
    created_connections: int


def _chunks(changes: list[CustomerChange]) -> Iterator[list[CustomerChange]]:
    hubs = [change for change in changes if change.role == Customer.Role.HUB]
    others = [change for change in changes if change.role != Customer.Role.HUB]
    for group in (hubs, others):
        for start in range(0, len(group), CHUNK):
            yield group[start : start + CHUNK]


def registration_plan_apply(
    *, plan: RegistrationPlan, progress: Callable[[int, int], None] | None = None
) -> AppliedCounts:
    """Create and update the plan's companies, contacts and connections; `progress(done, total)` after each chunk of
    companies. Run it inside a transaction."""
    now = clock.now()  # the companies and connections exist from this day of the programme on
    customer_ids = dict(plan.customer_ids)
    created = updated = connections = done = 0
    per_flow: Counter[int] = Counter()
    for chunk in _chunks(plan.changes):
        new_customers = [
            Customer(
                legal_name=change.row.legal_name,
                eori=change.row.eori,
                kvk_number=change.kvk_number,
                role=change.role,
                hub_id=customer_ids[change.hub_eori] if change.hub_eori else None,
                created_at=now,
                updated_at=now,
            )
            for change in chunk
            if change.customer_id is None
        ]
        Customer.objects.bulk_create(new_customers)
        for customer in new_customers:
            customer_ids[customer.eori] = customer.pk
        created += len(new_customers)

        updated_customers = [
            Customer(
                pk=change.customer_id,
                legal_name=change.row.legal_name,
                kvk_number=change.kvk_number,
                role=change.role,
                hub_id=customer_ids[change.hub_eori] if change.hub_eori else None,
                updated_at=now,
            )
            for change in chunk
            if change.is_update
        ]
        if updated_customers:
            Customer.objects.bulk_update(updated_customers, CUSTOMER_FIELDS, batch_size=500)
        updated += len(updated_customers)

        new_contacts: list[Contact] = []
        changed_contacts: list[Contact] = []
        new_connections: list[Connection] = []
        for change in chunk:
            customer_id = customer_ids[change.row.eori]
            for position, contact in enumerate(change.new_contacts):
                new_contacts.append(
                    Contact(
                        customer_id=customer_id,
                        name=contact.name,
                        email=contact.email,
                        phone=contact.phone,
                        language=contact.language,
                        is_primary=change.first_contact_is_primary and position == 0,
                    )
                )
            for contact_id, contact in change.changed_contacts:
                changed_contacts.append(
                    Contact(
                        pk=contact_id,
                        name=contact.name,
                        email=contact.email,
                        phone=contact.phone,
                        language=contact.language,
                    )
                )
            for flow_id in change.new_flow_ids:
                new_connections.append(
                    Connection(customer_id=customer_id, flow_id=flow_id, created_at=now, state_changed_at=now)
                )
        Contact.objects.bulk_create(new_contacts)
        if changed_contacts:
            Contact.objects.bulk_update(changed_contacts, CONTACT_FIELDS, batch_size=500)
        Connection.objects.bulk_create(new_connections, batch_size=5_000)
        per_flow.update(connection.flow_id for connection in new_connections)
        connections += len(new_connections)

        done += len(chunk)
        if progress is not None:
            progress(done, len(plan.changes))
    # Today's daily snapshot counts the new connections as planned, in the import's transaction.
    snapshot_counts_add(
        changes=[(flow_id, ConnectionState.PLANNED.value, count) for flow_id, count in per_flow.items()]
    )
    # The companies the file changed (new connections, a hub changed): their readiness for today's figures.
    readiness_refresh(customer_ids=[customer_ids[change.row.eori] for change in plan.changes])
    return AppliedCounts(created_customers=created, updated_customers=updated, created_connections=connections)

"""What a company's intake is about, and where its connections stand (the portal's status page)."""

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Prefetch

from connections.helpdesk_scripts import step_guide
from connections.models import Connection, ConnectionState, Contact, Customer
from htg_migration import clock
from notifications.services import address_normalise
from plateaus.models import GovernmentParty, MessageFlow
from portal.models import IntakeDraft

S = ConnectionState
# Connections the intake may still set the channel of and move to "intake received".
INTAKE_OPEN_STATES = (S.PLANNED, S.INVITED)


@dataclass(frozen=True)
class IntakeContext:
    """The verified address, the company it already belongs to (None for a new company), that company's
    connections by flow code, and every message flow a company can choose."""

    email: str
    customer: Customer | None
    connections: dict[str, Connection]
    flows: list[MessageFlow]
    contacts: list[Contact] = field(default_factory=list)

    def flow_is_locked(self, code: str) -> bool:
        """Already past the intake (or on hold, withdrawn...): shown, but not changed by the intake."""
        connection = self.connections.get(code)
        return connection is not None and connection.state not in INTAKE_OPEN_STATES

    def flow_is_required(self, code: str) -> bool:
        """Planned by the connection team: part of the intake; only the team can drop it."""
        connection = self.connections.get(code)
        return connection is not None and connection.state in INTAKE_OPEN_STATES


def intake_context(*, email: str, customer: Customer | None) -> IntakeContext:
    flows = list(
        MessageFlow.objects.select_related("plateau").prefetch_related(
            Prefetch("parties", queryset=GovernmentParty.objects.order_by("code"))
        )
    )
    if customer is None:
        return IntakeContext(email=email, customer=None, connections={}, flows=flows)
    connections = {
        connection.flow.code: connection
        for connection in Connection.objects.filter(customer=customer).select_related("flow")
    }
    contacts = list(customer.contacts.order_by("-is_primary", "id"))
    return IntakeContext(email=email, customer=customer, connections=connections, flows=flows, contacts=contacts)


def intake_draft_get(*, email: str) -> IntakeDraft | None:
    return IntakeDraft.objects.filter(email=address_normalise(email)).first()


@dataclass(frozen=True)
class StatusRow:
    connection: Connection
    company_next: Any
    customs_next: Any
    is_overdue: bool
    needs_intake: bool


@dataclass(frozen=True)
class PortalStatus:
    customer: Customer
    rows: list[StatusRow]


def portal_status(*, customer_id: int) -> PortalStatus:
    """The company and each of its connections with the next step for both sides (two queries)."""
    customer = Customer.objects.get(pk=customer_id)
    today = clock.today()
    rows = []
    for connection in Connection.objects.filter(customer_id=customer_id).select_related("flow__plateau"):
        guide = step_guide(connection.state)
        rows.append(
            StatusRow(
                connection=connection,
                company_next=guide.company_next,
                customs_next=guide.customs_next,
                is_overdue=bool(connection.due_on and connection.due_on < today),
                needs_intake=connection.state == S.INVITED,
            )
        )
    rows.sort(key=lambda row: (row.connection.flow.plateau.number, row.connection.flow.code))
    return PortalStatus(customer=customer, rows=rows)

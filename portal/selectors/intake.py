"""What a company's intake is about, and where its connections stand (the portal's status page)."""

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Prefetch

from connections.helpdesk_scripts import step_guide
from connections.models import (
    Connection,
    ConnectionState,
    Contact,
    Customer,
)
from connections.selectors.company_steps import (
    company_next_step,
    confirmations_of,
    connection_confirmed,
    with_confirmations,
)
from connections.selectors.traffic import company_traffic_alert
from htg_migration import clock
from notifications.services import address_normalise
from plateaus.models import GovernmentParty, MessageFlow
from portal.models import IntakeDraft
from portal.selectors.programme import ProgrammeFacts, programme_facts_for_flows

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
        MessageFlow.objects.select_related("plateau__programme").prefetch_related(
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
    due_on: Any = None  # what the company owes, by when: none once it confirmed what its step asks
    traffic_alert: str = ""  # what to change: production messages still via Digipoort after going live


@dataclass(frozen=True)
class PortalStatus:
    customer: Customer
    rows: list[StatusRow]
    facts: ProgrammeFacts


def portal_status(*, customer_id: int) -> PortalStatus:
    """The company and each of its connections with the next step for both sides, the deadline and the company's
    plateaus (two queries; three for a company without connections)."""
    customer = Customer.objects.get(pk=customer_id)
    today = clock.today()
    rows = []
    connections = with_confirmations(
        Connection.objects.filter(customer_id=customer_id).select_related(
            "flow__plateau__programme", "traffic_evidence"
        )
    )
    for connection in connections:
        guide = step_guide(connection.state)
        confirmed = confirmations_of(connection)
        due_on = None if connection_confirmed(state=connection.state, confirmed=confirmed) else connection.due_on
        if connection.state == S.AWAITING_TLS:
            due_on = connection.tls_upgrade_on  # the company's own date for TLS 1.2
        rows.append(
            StatusRow(
                connection=connection,
                company_next=company_next_step(state=connection.state, confirmed=confirmed),
                customs_next=guide.customs_next,
                is_overdue=bool(due_on and due_on < today),
                needs_intake=connection.state == S.INVITED,
                due_on=due_on,
                traffic_alert=company_traffic_alert(connection=connection, today=today),
            )
        )
    rows.sort(key=lambda row: (row.connection.flow.plateau.number, row.connection.flow.code))
    facts = programme_facts_for_flows(row.connection.flow for row in rows)
    return PortalStatus(customer=customer, rows=rows, facts=facts)

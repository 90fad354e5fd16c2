"""Everything the connection page shows, in a fixed number of queries."""

from dataclasses import dataclass
from typing import Any

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from django_fsm import has_transition_perm

from connections import permissions
from connections.models import Connection, ConnectionEvent, Escalation, SlotBooking
from connections.selectors.callbacks import connection_helpdesk_history
from connections.selectors.contacts import contacts_with_suppression
from connections.selectors.traffic import traffic_notices
from connections.services.transitions import transition_label
from htg_migration import clock

WHO_MAY = {
    permissions.team_may: _("by the connection team"),
    permissions.core_team_may: _("by the core team only"),
    permissions.company_or_team_may: _("by the company, its hub or the team"),
}
# Forward steps first, in the order of the process; then the side roads.
SIDE_ROADS = ("reschedule", "record_no_show", "hold", "resume", "withdraw", "mark_missed")


@dataclass(frozen=True)
class StepOption:
    """A step the connection can take from its current state, and whether this user may take it now."""

    name: str
    label: str
    who: str
    allowed: bool
    blocked_reason: str


def connection_steps(*, connection: Connection, user: Any) -> list[StepOption]:
    options = []
    for transition in connection.get_all_state_transitions():  # type: ignore[attr-defined]
        if transition.source != connection.state:
            continue
        method = getattr(connection, transition.name)
        unmet = [
            str(getattr(condition, "message", "")) for condition in transition.conditions if not condition(connection)
        ]
        options.append(
            StepOption(
                name=transition.name,
                label=transition_label(transition.name),
                who=str(WHO_MAY.get(transition.permission, "")),
                allowed=not unmet and has_transition_perm(method, user),
                blocked_reason=" ".join(unmet),
            )
        )
    return sorted(options, key=lambda option: SIDE_ROADS.index(option.name) + 1 if option.name in SIDE_ROADS else 0)


def connection_detail(*, connection_id: int, user: Any) -> dict[str, Any]:
    connection = get_object_or_404(
        Connection.objects.select_related(
            "customer", "customer__hub", "flow", "flow__plateau", "assigned_to", "traffic_evidence"
        ).prefetch_related("flow__parties"),
        pk=connection_id,
    )
    customer = connection.customer
    siblings = list(
        Connection.objects.filter(customer=customer).select_related("flow", "assigned_to").order_by("flow__code")
    )
    return {
        "connection": connection,
        "customer": customer,
        "contacts": contacts_with_suppression(customer.contacts.order_by("-is_primary", "name")),
        "siblings": siblings,
        "clients_count": customer.clients.count() if customer.role == customer.Role.HUB else None,
        "parties": list(connection.flow.parties.all()),
        "timeline": list(
            ConnectionEvent.objects.filter(connection=connection)
            .select_related("actor", "assignee")
            .order_by("-created_at", "-id")
        ),
        "steps": connection_steps(connection=connection, user=user),
        "traffic_notices": traffic_notices(connection=connection, today=clock.today()),
        "booking": SlotBooking.objects.filter(connection=connection, cancelled_at__isnull=True)
        .select_related("slot", "slot__team_member")
        .first(),
        "escalation": Escalation.objects.filter(connection=connection, closed_at__isnull=True)
        .select_related("owner")
        .first(),
        **connection_helpdesk_history(connection=connection),
    }

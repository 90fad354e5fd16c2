"""The helpdesk contacts and callback requests as the team's pages show them."""

from typing import Any

from django.db.models import Q

from connections.models import CallbackRequest, Connection, HelpdeskContact


def connection_helpdesk_history(*, connection: Connection) -> dict[str, Any]:
    """The helpdesk contacts and callback requests of a connection's page: its own and the company's general ones."""
    about = Q(customer_id=connection.customer_id) & (Q(connection__isnull=True) | Q(connection_id=connection.pk))
    return {
        "helpdesk_contacts": list(
            HelpdeskContact.objects.filter(about).select_related("recorded_by").order_by("-created_at", "-id")[:20]
        ),
        "callbacks": list(
            CallbackRequest.objects.filter(about)
            .select_related("assigned_to", "closed_by")
            .order_by("-created_at", "-id")[:20]
        ),
    }

"""A company's contacts as the team and the helpdesk see them."""

from collections.abc import Iterable

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from connections.models import Connection, Contact
from notifications.selectors import suppression_for_addresses


def contacts_with_suppression(contacts: Iterable[Contact]) -> list[Contact]:
    """The contacts, each with `suppression` set when their address receives no e-mail (one query)."""
    contacts = list(contacts)
    suppressions = suppression_for_addresses(contact.email for contact in contacts)
    for contact in contacts:
        contact.suppression = suppressions.get(contact.email.lower())  # type: ignore[attr-defined]
    return contacts


def customer_connections_by_flow(*, customer_id: int) -> QuerySet[Connection]:
    """A company's connections with their flows, by flow code (the links back from its contacts page)."""
    return Connection.objects.filter(customer_id=customer_id).select_related("flow").order_by("flow__code")


def customer_contact_get(*, customer_id: int, contact_id: int) -> Contact:
    """One contact of this company, with the company; 404 for a contact of another company or none."""
    return get_object_or_404(Contact.objects.select_related("customer"), pk=contact_id, customer_id=customer_id)

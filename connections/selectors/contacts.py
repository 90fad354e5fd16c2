"""A company's contacts as the team and the helpdesk see them."""

from collections.abc import Iterable

from connections.models import Contact
from notifications.selectors import suppression_for_addresses


def contacts_with_suppression(contacts: Iterable[Contact]) -> list[Contact]:
    """The contacts, each with `suppression` set when their address receives no e-mail (one query)."""
    contacts = list(contacts)
    suppressions = suppression_for_addresses(contact.email for contact in contacts)
    for contact in contacts:
        contact.suppression = suppressions.get(contact.email.lower())  # type: ignore[attr-defined]
    return contacts

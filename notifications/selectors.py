"""Reading the outbox, the suppression list and the community area's documents."""

from collections.abc import Iterable

from notifications.models import OutboxEmail, SuppressedAddress


def address_normalise(address: str) -> str:
    """An e-mail address as the outbox and the suppression list keep it: trimmed, in lower case."""
    return address.strip().lower()


def suppression_for_addresses(addresses: Iterable[str]) -> dict[str, SuppressedAddress]:
    """The suppressed addresses among these, keyed by the address in lower case (one query)."""
    wanted = {address_normalise(address) for address in addresses if address}
    if not wanted:
        return {}
    suppressed = SuppressedAddress.objects.filter(address__in=list(wanted))
    return {address.address: address for address in suppressed}


def emails_for_addresses(addresses: Iterable[str], *, limit: int = 10) -> list[OutboxEmail]:
    """The latest e-mails to these addresses, newest first (one query)."""
    wanted = {address_normalise(address) for address in addresses if address}
    if not wanted:
        return []
    return list(OutboxEmail.objects.filter(to_address__in=wanted).order_by("-queued_at", "-id")[:limit])

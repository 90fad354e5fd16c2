"""The client's IP address, the one way every rate limit and audit row reads it.

`X-Forwarded-For` is whatever the client wrote, unless a proxy we trust added to it: it is read only when the peer
(REMOTE_ADDR) is one of HTG_TRUSTED_PROXIES, and then from the right, past the trusted proxies, to the first address
no trusted proxy vouches for. Anything else, or a header that is not a list of addresses, gives the peer address.
"""

import ipaddress
from functools import cache

from django.conf import settings
from django.http import HttpRequest

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@cache
def _trusted(proxies: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(proxy, strict=False) for proxy in proxies)


def _is_trusted(address: str, networks: tuple[Network, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)


def client_ip(request: HttpRequest) -> str | None:
    """The address of whoever sent this request, as far as our own proxies can tell."""
    peer = request.META.get("REMOTE_ADDR") or None
    networks = _trusted(tuple(settings.HTG_TRUSTED_PROXIES))
    if peer is None or not networks or not _is_trusted(peer, networks):
        return peer
    hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
    for hop in reversed(hops):
        try:
            ipaddress.ip_address(hop)
        except ValueError:
            return peer  # not a list of addresses: trust nothing in it
        if not _is_trusted(hop, networks):
            return hop
    return hops[0] if hops else peer

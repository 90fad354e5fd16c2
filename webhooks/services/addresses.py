"""Where a webhook may go: an https address whose host resolves only to public addresses (checked when it is
registered and again, on the resolved address actually used, at every connection), and nowhere else: no redirect
is followed. HTG_WEBHOOK_ALLOW_PRIVATE (tests, development) also allows loopback and private addresses, over plain
http too."""

import http.client
import ipaddress
import re
import socket
import ssl
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

from django.conf import settings
from django.utils.translation import gettext as _

from htg_migration.errors import ApplicationError

URL_MAX_LENGTH = 500
NOT_ASCII = re.compile(r"[^\x00-\x7f]+")


def _ascii(text: str) -> str:
    """A path or query with its non-ASCII characters percent-encoded (UTF-8), as a request line must have them."""
    return NOT_ASCII.sub(lambda found: quote(found.group()), text)


class AddressRefusedError(Exception):
    """The endpoint's host resolves to an address webhooks may not go to."""


def webhook_url_check(url: str) -> str:
    """The address as it will be called, or ApplicationError with the reason. The host's addresses are checked when
    it resolves now; one that does not resolve yet is accepted (it is checked again at every delivery)."""
    url = url.strip()
    if not url or len(url) > URL_MAX_LENGTH or any(ord(character) < 33 for character in url):
        raise ApplicationError(_("Enter an address of at most %(length)s characters.") % {"length": URL_MAX_LENGTH})
    try:
        parts = urlsplit(url)
        (parts.hostname or "").encode("idna")  # as the connection will resolve it
    except ValueError:  # a bracketed host that is no IP address; a label empty, too long or with a bad character
        raise ApplicationError(_("The address's host name is not valid.")) from None
    allow_private = settings.HTG_WEBHOOK_ALLOW_PRIVATE
    if parts.scheme != "https" and not (allow_private and parts.scheme == "http"):
        raise ApplicationError(_("The address must start with https://."))
    try:
        port = parts.port
    except ValueError:
        raise ApplicationError(_("The address has a port that is not a number from 1 to 65535.")) from None
    if not parts.hostname or parts.username or parts.password or port == 0:
        raise ApplicationError(_("The address needs a host name, without a user name or password in it."))
    if parts.fragment:
        raise ApplicationError(_("The address may not have a part after #."))
    try:
        webhook_addresses(parts.hostname, port or 443)
    except AddressRefusedError as error:
        raise ApplicationError(str(error)) from None
    except OSError:
        pass  # not resolvable now: checked again when a delivery goes
    if NOT_ASCII.search(parts.path + parts.query):
        url = urlunsplit((parts.scheme, parts.netloc, _ascii(parts.path), _ascii(parts.query), ""))
        if len(url) > URL_MAX_LENGTH:
            raise ApplicationError(
                _("The address is too long once its special characters are encoded: at most %(length)s characters.")
                % {"length": URL_MAX_LENGTH}
            )
    return url


def _allowed(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip.is_global and not ip.is_multicast:
        return True
    return bool(settings.HTG_WEBHOOK_ALLOW_PRIVATE) and (ip.is_loopback or ip.is_private)


def webhook_addresses(host: str, port: int) -> list[tuple[Any, ...]]:
    """The host's resolved addresses (getaddrinfo's tuples), or AddressRefusedError if any of them is private,
    loopback, link-local or otherwise not public (a host with one such address is refused whole: DNS may hand out
    either)."""
    found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
    refused = sorted({str(info[4][0]) for info in found if not _allowed(str(info[4][0]))})
    if refused:
        raise AddressRefusedError(
            _("The address %(host)s leads to %(address)s, which is not a public address: webhooks do not go there.")
            % {"host": host, "address": refused[0]}
        )
    return found


class _CheckedHTTPConnection(http.client.HTTPConnection):
    """http.client's connection, connected to an address checked by `webhook_addresses` (resolved once, here, so a
    name that changes between the check and the connection cannot lead elsewhere)."""

    def connect(self) -> None:
        last_error: OSError | None = None
        for family, kind, protocol, _name, address in webhook_addresses(self.host, self.port):
            sock = socket.socket(family, kind, protocol)
            try:
                sock.settimeout(self.timeout)
                sock.connect(address)
            except OSError as error:
                sock.close()
                last_error = error
                continue
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # as http.client's own connect does
            self.sock = sock
            return
        raise last_error or OSError(f"{self.host} has no address")


class _CheckedHTTPSConnection(_CheckedHTTPConnection):
    default_port = http.client.HTTPS_PORT

    def __init__(self, host: str, port: int | None, *, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self.context = ssl.create_default_context()  # certificate and host name verified

    def connect(self) -> None:
        super().connect()
        self.sock = self.context.wrap_socket(self.sock, server_hostname=self.host)


def webhook_connection(url: str, *, timeout: float) -> http.client.HTTPConnection:
    """A connection (not yet opened) to the endpoint's host, over TLS for https; http only where allowed."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.scheme == "https":
        return _CheckedHTTPSConnection(host, parts.port, timeout=timeout)
    if parts.scheme == "http" and settings.HTG_WEBHOOK_ALLOW_PRIVATE:
        return _CheckedHTTPConnection(host, parts.port, timeout=timeout)
    raise AddressRefusedError(_("The address must start with https://."))


def webhook_target(url: str) -> str:
    """The path and query the request asks for."""
    parts = urlsplit(url)
    return _ascii(parts.path or "/") + (f"?{_ascii(parts.query)}" if parts.query else "")

"""SMTP for production: TLS 1.2 or later with a verified certificate, enforced here in code, failing closed.

Django's SMTP backend builds its SSL context from `ssl.create_default_context()` and calls `starttls()` only when
EMAIL_USE_TLS is on; a server that does not offer STARTTLS then makes smtplib raise, but nothing stops a plain
connection when both TLS settings are off, and the minimum protocol is left to the system's OpenSSL configuration.
This backend pins both.
"""

import contextlib
import functools
import io
import re
import smtplib
import ssl
import threading
import uuid
from collections.abc import Callable
from email.generator import BytesGenerator
from email.policy import Compat32
from email.utils import formatdate
from typing import Any

from django.conf import settings
from django.core.mail import get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.backends.smtp import EmailBackend as SmtpEmailBackend
from django.core.mail.message import EmailMessage, EmailMultiAlternatives, forbid_multi_line_headers, sanitize_address
from django.utils.functional import cached_property


class TlsRequiredError(smtplib.SMTPNotSupportedError):
    """The server (or the configuration) would have us send without TLS: we refuse."""


def strict_ssl_context(*, cafile: str | None = None) -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=cafile or None)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.check_hostname = True
    context.verify_mode = ssl.CERT_REQUIRED
    return context


class StrictTlsEmailBackend(SmtpEmailBackend):
    """SMTP over STARTTLS (EMAIL_USE_TLS) or implicit TLS (EMAIL_USE_SSL) only, TLS 1.2 or later, certificate and
    host name verified against the system's CAs or EMAIL_SSL_CAFILE (a private CA)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Checked at open() rather than here, so that the outbox records the reason on the row.
        self.tls_configured = bool(self.use_tls or self.use_ssl)

    @cached_property
    def ssl_context(self) -> ssl.SSLContext:
        context = strict_ssl_context(cafile=getattr(settings, "EMAIL_SSL_CAFILE", "") or None)
        if self.ssl_certfile:
            context.load_cert_chain(self.ssl_certfile, self.ssl_keyfile)
        return context

    def open(self) -> bool | None:
        if self.connection:
            return False
        if not self.tls_configured:
            raise TlsRequiredError("TLS is required: set EMAIL_USE_TLS (STARTTLS) or EMAIL_USE_SSL.")
        if self.use_ssl:
            return super().open()
        # STARTTLS: check the offer ourselves, so the error names the server instead of smtplib's generic text.
        connection = self.connection_class(self.host, self.port, **self._connection_params())
        try:
            connection.ehlo()
            if not connection.has_extn("starttls"):
                raise TlsRequiredError(f"{self.host}:{self.port} does not offer STARTTLS; not sending in the clear.")
            connection.starttls(context=self.ssl_context)
            connection.ehlo()
            if self.username and self.password:
                connection.login(self.username, self.password)
        except BaseException:
            self._close_connection_quietly(connection)
            raise
        self.connection = connection
        return True

    def _connection_params(self) -> dict[str, Any]:
        from django.core.mail.utils import DNS_NAME

        params: dict[str, Any] = {"local_hostname": DNS_NAME.get_fqdn()}
        if self.timeout is not None:
            params["timeout"] = self.timeout
        return params

    @staticmethod
    def _close_connection_quietly(connection: smtplib.SMTP) -> None:
        with contextlib.suppress(OSError):
            connection.close()


_kept = threading.local()


def _connection_key() -> tuple[Any, ...]:
    return (
        settings.EMAIL_BACKEND,
        settings.EMAIL_HOST,
        settings.EMAIL_PORT,
        settings.EMAIL_HOST_USER,
        settings.EMAIL_USE_TLS,
        settings.EMAIL_USE_SSL,
        settings.EMAIL_SSL_CAFILE,
    )


def email_connection() -> BaseEmailBackend:
    """The connection the outbox sends over: settings.EMAIL_BACKEND (StrictTlsEmailBackend in production).

    Opened once per worker thread and kept open across e-mails (a worker sends them one after the other; a new SMTP
    conversation per e-mail costs most of the time), until an error or a change of settings. `email_send_message`
    reopens it once when the server has closed an idle connection."""
    key = _connection_key()
    connection = getattr(_kept, "connection", None)
    if connection is None or getattr(_kept, "key", None) != key:
        email_connection_drop()
        connection = get_connection(settings.EMAIL_BACKEND, fail_silently=False)
        connection.open()
        _kept.connection, _kept.key = connection, key
    return connection


def email_connection_drop() -> None:
    """Close and forget this thread's kept connection (after an error, so the next e-mail starts afresh)."""
    connection = getattr(_kept, "connection", None)
    _kept.connection = None
    if connection is not None:
        with contextlib.suppress(Exception):
            connection.close()


class HandedOverError(Exception):
    """Sending failed after the message had been handed over (its final "." written): the server may have it."""


def email_send_message(message: Any, *, on_handed_over: Callable[[], None] | None = None) -> None:
    """Send over the kept connection; one fresh try if the server had closed it before the message was handed over.
    Any error drops the connection.

    `on_handed_over` runs the moment the message's final "." has been written to an SMTP server, before the
    server's answer is read (the outbox records the row as sent then, see notifications.services._SentMarker);
    a refusal after that point is raised as smtplib raises it, any other error as HandedOverError. Backends that
    are not SMTP (locmem, file) call it after sending."""
    handed_over = False

    def mark() -> None:
        nonlocal handed_over
        handed_over = True
        if on_handed_over is not None:
            on_handed_over()

    try:
        try:
            _send(email_connection(), message, mark)
        except smtplib.SMTPServerDisconnected:
            if handed_over:
                raise
            email_connection_drop()
            _send(email_connection(), message, mark)
    except BaseException as error:
        email_connection_drop()
        # After the hand-over, a server's answer other than 250 is a clear refusal (raised as it is: the caller
        # undoes the mark); anything else leaves the answer unknown.
        if handed_over and isinstance(error, Exception) and not isinstance(error, smtplib.SMTPResponseException):
            raise HandedOverError(str(error)) from error
        raise


def _send(backend: BaseEmailBackend, message: Any, on_handed_over: Callable[[], None]) -> None:
    smtp = getattr(backend, "connection", None)
    if not isinstance(backend, SmtpEmailBackend) or not isinstance(smtp, smtplib.SMTP):
        backend.send_messages([message])
        on_handed_over()
        return
    # Django's SmtpEmailBackend._send, with smtplib's sendmail spelt out so that the hand-over can be seen.
    encoding = message.encoding or settings.DEFAULT_CHARSET
    from_address = _envelope_address(message.from_email, encoding)
    recipients = [_envelope_address(address, encoding) for address in message.recipients()]
    data = quick_message_bytes(message)
    if data is None:
        data = message_bytes(message.message())
    smtp_send_handing_over(smtp, from_address, recipients, data, on_handed_over)


class _QuickCompat32(Compat32):
    """Python's compat32 policy (Django's), with a short path for the usual header: ASCII, one line, short enough
    not to fold. compat32 makes a Header object and encodes it for each one, to the same bytes."""

    def fold_binary(self, name: str, value: Any) -> bytes:
        if (
            isinstance(value, str)
            and value.isascii()
            and "\n" not in value
            and "\r" not in value
            and len(name) + 2 + len(value) <= (self.max_line_length or 78)
        ):
            return f"{name}: {value}{self.linesep}".encode("ascii")
        return super().fold_binary(name, value)


_QUICK_POLICY = _QuickCompat32(linesep="\r\n")


def message_bytes(mime: Any) -> bytes:
    """The MIME message as the bytes Django's backend sends (`as_bytes(linesep="\r\n")`), made faster: headers
    through _QuickCompat32, and each multipart given a random 128-bit boundary beforehand. Python otherwise makes
    one up and compiles a regular expression per message to check that the text does not contain it; a random
    128-bit value does not occur in a text by chance."""
    for part in mime.walk():
        if part.is_multipart() and part.get_boundary() is None:
            part.set_boundary(f"=_htg_{uuid.uuid4().hex}")
    buffer = io.BytesIO()
    BytesGenerator(buffer, mangle_from_=False, policy=_QUICK_POLICY).flatten(mime, linesep="\r\n")
    return buffer.getvalue()


_NEWLINES = re.compile(r"\r\n|\r|\n")


def _text_part(text: str, subtype: str) -> bytes:
    """A text part as Django's SafeMIMEText(text, subtype, "utf-8") is written by the generator: its headers, the
    blank line and the body with each line ending in CRLF (the last as it ends); 7bit when the text is ASCII."""
    encoding = "7bit" if text.isascii() else "8bit"
    body = "\r\n".join(_NEWLINES.split(text))
    return (
        f'Content-Type: text/{subtype}; charset="utf-8"\r\nMIME-Version: 1.0\r\n'
        f"Content-Transfer-Encoding: {encoding}\r\n\r\n{body}"
    ).encode()


def quick_message_bytes(message: Any) -> bytes | None:
    """The bytes `message_bytes(message.message())` gives, written directly, for the outbox's usual e-mail: a
    plain-text body in UTF-8, with or without one HTML alternative, to To only, with no attachment and no header but
    Message-ID; None for anything else (then Django builds the message). Django's message() builds a tree of MIME
    objects and encodes every header and part through them, most of the time of sending an e-mail; the headers
    here go through the same functions (Django's forbid_multi_line_headers, the generator's policy) and the parts
    are written as the generator writes them, byte for byte (tests/notifications/test_email_sending.py compares).
    A line longer than 998 bytes (Django then uses quoted-printable) also goes to Django."""
    alternatives = getattr(message, "alternatives", [])
    if (
        type(message) not in (EmailMessage, EmailMultiAlternatives)
        or message.attachments
        or message.cc
        or message.bcc
        or message.reply_to
        or not message.to
        or {name.lower() for name in message.extra_headers} != {"message-id"}
        or (message.encoding or settings.DEFAULT_CHARSET).lower() != "utf-8"
        or message.content_subtype != "plain"
        or not isinstance(message.body, str)
        or not message.body
        or len(alternatives) > 1
        or (alternatives and (alternatives[0][1] != "text/html" or not isinstance(alternatives[0][0], str)))
    ):
        return None
    texts = [message.body, *(alternative[0] for alternative in alternatives)]
    if any(len(line.encode("utf-8", "surrogateescape")) > 998 for text in texts for line in text.splitlines()):
        return None
    (message_id,) = message.extra_headers.values()
    values = [
        ("Subject", message.subject),
        ("From", message.from_email),
        ("To", ", ".join(str(address) for address in message.to)),
        ("Date", formatdate(localtime=settings.EMAIL_USE_LOCALTIME)),
        ("Message-ID", message_id),
    ]
    headers = b"".join(
        _QUICK_POLICY.fold_binary(*forbid_multi_line_headers(name, value, "utf-8")) for name, value in values
    )
    if not alternatives:
        # A single part: its own headers first (Content-Type, MIME-Version, Content-Transfer-Encoding), then these.
        part = _text_part(message.body, "plain")
        part_headers, _blank, body = part.partition(b"\r\n\r\n")
        return part_headers + b"\r\n" + headers + b"\r\n" + body
    boundary = f"=_htg_{uuid.uuid4().hex}"
    top = _QUICK_POLICY.fold_binary("Content-Type", f'multipart/alternative; boundary="{boundary}"')
    delimiter = f"\r\n--{boundary}\r\n".encode("ascii")
    return (
        top
        + b"MIME-Version: 1.0\r\n"
        + headers
        + b"\r\n"
        + delimiter[2:]
        + _text_part(message.body, "plain")
        + delimiter
        + _text_part(alternatives[0][0], "html")
        + f"\r\n--{boundary}--\r\n".encode("ascii")
    )


@functools.lru_cache(maxsize=64)
def _sanitized(address: str, encoding: str) -> str:
    return str(sanitize_address(address, encoding))


def _envelope_address(address: str, encoding: str) -> str:
    """Django's sanitize_address, which parses every address; a bare ASCII address comes out as it went in."""
    if address.isascii() and _BARE_ADDRESS.fullmatch(address):
        return address
    return _sanitized(address, encoding)


_BARE_ADDRESS = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9.-]+")


def smtp_send_handing_over(
    smtp: smtplib.SMTP, from_address: str, recipients: list[str], data: bytes, on_handed_over: Callable[[], None]
) -> None:
    """smtplib.SMTP.sendmail for bytes, calling `on_handed_over` right after the final "." is written and before
    the server's answer to it is read. Raises as sendmail does; refused recipients among accepted ones raise too
    (the outbox sends one recipient per message)."""
    smtp.ehlo_or_helo_if_needed()
    options = [f"size={len(data)}"] if smtp.does_esmtp and smtp.has_extn("size") else []
    code, response = smtp.mail(from_address, options)
    if code != 250:
        _reset_or_close(smtp, code)
        raise smtplib.SMTPSenderRefused(code, response, from_address)
    refused: dict[str, tuple[int, bytes]] = {}
    for recipient in recipients:
        code, response = smtp.rcpt(recipient)
        if code not in (250, 251):
            refused[recipient] = (code, response)
        if code == 421:
            smtp.close()
            raise smtplib.SMTPRecipientsRefused(refused)
    if refused:
        smtp.rset()
        raise smtplib.SMTPRecipientsRefused(refused)
    smtp.putcmd("data")
    code, response = smtp.getreply()
    if code != 354:
        _reset_or_close(smtp, code)
        raise smtplib.SMTPDataError(code, response)
    quoted = re.sub(rb"(?m)^\.", b"..", data)
    if not quoted.endswith(b"\r\n"):
        quoted += b"\r\n"
    smtp.send(quoted + b".\r\n")
    on_handed_over()
    code, response = smtp.getreply()
    if code != 250:
        _reset_or_close(smtp, code)
        raise smtplib.SMTPDataError(code, response)


def _reset_or_close(smtp: smtplib.SMTP, code: int) -> None:
    if code == 421:
        smtp.close()
    else:
        with contextlib.suppress(smtplib.SMTPException, OSError):
            smtp.rset()

"""SMTP for production: TLS 1.2 or later with a verified certificate, enforced here in code, failing closed.

Django's SMTP backend builds its SSL context from `ssl.create_default_context()` and calls `starttls()` only when
EMAIL_USE_TLS is on; a server that does not offer STARTTLS then makes smtplib raise, but nothing stops a plain
connection when both TLS settings are off, and the minimum protocol is left to the system's OpenSSL configuration.
This backend pins both.
"""

import contextlib
import smtplib
import ssl
import threading
from typing import Any

from django.conf import settings
from django.core.mail import get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.backends.smtp import EmailBackend as DjangoSmtpEmailBackend
from django.utils.functional import cached_property


class TlsRequiredError(smtplib.SMTPNotSupportedError):
    """The server (or the configuration) would have us send without TLS: we refuse."""


class DeliveryUnknownError(smtplib.SMTPException):
    """The whole message was sent, but the server's answer to its end did not come within HTG_SMTP_DATA_TIMEOUT:
    the server may or may not have taken it."""


class _DataPhase:
    """The SMTP client's DATA command with RFC 5321's own timeouts (section 4.5.3.2): the reply to the end of the
    message may take up to 10 minutes (HTG_SMTP_DATA_TIMEOUT), far longer than any other reply (EMAIL_TIMEOUT), and
    no reply by then (or a connection closed instead) is told apart from every other failure: the whole message went
    out, so it may have arrived.

    smtplib's `data()` sends the command, reads the 354, sends the message and reads the final reply: the second
    reply read inside it is the final one."""

    _in_data = False
    _data_replies = 0

    def data(self, msg: Any) -> tuple[int, bytes]:
        smtp: Any = self
        previous_timeout = smtp.sock.gettimeout() if smtp.sock is not None else None
        self._in_data, self._data_replies = True, 0
        try:
            return super().data(msg)  # type: ignore[misc]
        except smtplib.SMTPServerDisconnected as error:  # smtplib's word for a timeout or a closed connection
            if self._data_replies >= 2:
                raise DeliveryUnknownError(f"No answer to the end of the message: {error}") from error
            raise
        finally:
            self._in_data = False
            if smtp.sock is not None:
                smtp.sock.settimeout(previous_timeout)

    def getreply(self) -> tuple[int, bytes]:
        smtp: Any = self
        if self._in_data:
            self._data_replies += 1
            if self._data_replies == 2 and smtp.sock is not None:
                smtp.sock.settimeout(settings.HTG_SMTP_DATA_TIMEOUT)
        return super().getreply()  # type: ignore[misc]


class DataPhaseSMTP(_DataPhase, smtplib.SMTP):
    pass


class DataPhaseSMTP_SSL(_DataPhase, smtplib.SMTP_SSL):
    pass


class SmtpEmailBackend(DjangoSmtpEmailBackend):
    """Django's SMTP backend over an smtplib client with RFC 5321's DATA timeouts (`_DataPhase`)."""

    @property
    def connection_class(self) -> type[smtplib.SMTP]:
        return DataPhaseSMTP_SSL if self.use_ssl else DataPhaseSMTP


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


def email_connection(*, check: bool = False) -> BaseEmailBackend:
    """The connection the outbox sends over: settings.EMAIL_BACKEND (StrictTlsEmailBackend in production).

    Opened once per worker thread and kept open across e-mails (a worker sends them one after the other; a new SMTP
    conversation per e-mail costs most of the time), until an error or a change of settings. With `check`, a kept
    SMTP connection is asked for a NOOP first and opened afresh when the server has closed it meanwhile (as a
    server does with an idle one)."""
    key = _connection_key()
    connection = getattr(_kept, "connection", None)
    if connection is not None and check and not _answers(connection):
        connection = None
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


def _answers(backend: BaseEmailBackend) -> bool:
    smtp = getattr(backend, "connection", None)
    if not isinstance(smtp, smtplib.SMTP):
        return True  # not SMTP (locmem, file): nothing to lose
    try:
        return smtp.noop()[0] == 250
    except (smtplib.SMTPException, OSError):
        return False

"""Real SMTP servers on loopback (aiosmtpd), with or without STARTTLS, and a self-signed certificate."""

import email
import ssl
import subprocess
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from tests.conftest import free_port  # shared with the other suites that start servers


class SinkHandler:
    """Collects every message; `rcpt_reply` (e.g. "550 5.1.1 no such user") refuses recipients instead."""

    def __init__(self, rcpt_reply: str | None = None) -> None:
        self.rcpt_reply = rcpt_reply
        self.messages: list[email.message.Message] = []
        self.sessions: list[int] = []  # the SMTP session (connection) each message came over

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.rcpt_reply:
            return self.rcpt_reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.original_content or envelope.content))
        self.sessions.append(id(session))
        return "250 Message accepted"


@dataclass
class SmtpServer:
    port: int
    handler: SinkHandler
    tls_offered: bool = False
    controller: Controller | None = field(default=None, repr=False)

    @property
    def messages(self) -> list[email.message.Message]:
        return self.handler.messages


@dataclass
class Certificate:
    cert_path: Path
    key_path: Path


@pytest.fixture(scope="session")
def self_signed_certificate(tmp_path_factory) -> Certificate:
    """For 127.0.0.1 and localhost, made with the openssl CLI (the `cryptography` package is not installed)."""
    directory = tmp_path_factory.mktemp("tls")
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
            "-keyout", str(key_path), "-out", str(cert_path),
            "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return Certificate(cert_path=cert_path, key_path=key_path)


@pytest.fixture
def smtp_server_factory(self_signed_certificate) -> Iterator[Callable[..., SmtpServer]]:
    """Start an SMTP server on 127.0.0.1 and a free port: plain, or offering STARTTLS with the self-signed
    certificate, optionally capped at a TLS version."""
    controllers: list[Controller] = []

    def start(
        *, starttls: bool = False, rcpt_reply: str | None = None, tls_maximum: ssl.TLSVersion | None = None
    ) -> SmtpServer:
        handler = SinkHandler(rcpt_reply=rcpt_reply)
        parameters: dict = {}
        if starttls:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(self_signed_certificate.cert_path, self_signed_certificate.key_path)
            if tls_maximum is not None:
                with warnings.catch_warnings():  # deliberately old: that is the server under test
                    warnings.simplefilter("ignore", DeprecationWarning)
                    context.minimum_version = ssl.TLSVersion.TLSv1
                    context.maximum_version = tls_maximum
                context.set_ciphers("DEFAULT:@SECLEVEL=0")
            parameters["tls_context"] = context
        port = free_port()
        controller = Controller(handler, hostname="127.0.0.1", port=port, **parameters)
        controller.start()
        controllers.append(controller)
        return SmtpServer(port=port, handler=handler, tls_offered=starttls, controller=controller)

    yield start
    for controller in controllers:
        controller.stop()


@pytest.fixture
def smtp_sink(smtp_server_factory) -> SmtpServer:
    return smtp_server_factory()


PLAIN_SMTP = "notifications.backends.SmtpEmailBackend"


@pytest.fixture
def sink_for_worker(smtp_sink, monkeypatch, settings):
    """The sink for the worker process (its environment is built from os.environ, so set it before the worker
    starts) and for this process alike."""
    for name, value in {
        "EMAIL_BACKEND": PLAIN_SMTP,
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp_sink.port),
        "EMAIL_USE_TLS": "false",
    }.items():
        monkeypatch.setenv(name, value)
    settings.EMAIL_BACKEND, settings.EMAIL_HOST, settings.EMAIL_PORT = PLAIN_SMTP, "127.0.0.1", smtp_sink.port
    settings.EMAIL_USE_TLS = False
    return smtp_sink

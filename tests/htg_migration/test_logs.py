"""Logs (htg_migration/logs.py): JSON lines with a request id, the fields of `extra={...}`, the client address our
proxies tell, and no e-mail address, phone number or token, whatever part of the app wrote them."""

import io
import json
import logging
import mailbox
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from urllib.parse import quote_plus

import pytest
import structlog
from django.core.management import call_command
from django.urls import reverse

from connections.services.staff import staff_groups_sync
from htg_migration.logs import REDACTED, processor_formatter, redact_text
from notifications.models import InboundBounce, OutboxEmail, SuppressedAddress
from tests.conftest import wait_for
from tests.connections.factories import ContactFactory, CustomerFactory, UserFactory, helpdesk_member
from tests.notifications.conftest import (  # noqa: F401 (fixtures)
    self_signed_certificate,
    smtp_server_factory,
    smtp_sink,
)
from tests.notifications.test_bounce_end_to_end import _dsn_for
from tests.submit_tokens import page_submit_token


class LogCapture:
    """Every record the root logger sees, formatted exactly as production formats it (JSON, redacted)."""

    def __init__(self) -> None:
        self.stream = io.StringIO()

    @property
    def text(self) -> str:
        return self.stream.getvalue()

    def lines(self) -> list[dict]:
        return [json.loads(line) for line in self.text.splitlines()]


@pytest.fixture
def json_logs() -> Iterator[LogCapture]:
    capture = LogCapture()
    config = processor_formatter(json=True)
    handler = logging.StreamHandler(capture.stream)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            processors=config["processors"], foreign_pre_chain=config["foreign_pre_chain"]
        )
    )
    root = logging.getLogger()
    previous_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        yield capture
    finally:
        root.removeHandler(handler)
        root.setLevel(previous_level)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("GET /helpdesk/?q=piet%40kroon.example", f"GET /helpdesk/?q={REDACTED}"),
        ("GET /helpdesk/?q=%2B31+10+123+4567", f"GET /helpdesk/?q={REDACTED}"),
        ("call +31 (0)10 123 4567 or 06-12345678 or 010 1234567", f"call {REDACTED} or {REDACTED} or {REDACTED}"),
        ("Gone: /portal/sign-in/abcDEF_-123x/", f"Gone: /portal/sign-in/{REDACTED}/"),
        ("/accounts/reset/MQ/c4d9-0e1f2a3b4c5d/", f"/accounts/reset/{REDACTED}/{REDACTED}/"),
        ("/team/calendar/7:1kXyZ:abcdef.ics", f"/team/calendar/{REDACTED}.ics"),
        ('{username: "a.b+c@x-y.example.nl"}', f'{{username: "{REDACTED}"}}'),
    ],
)
def test_addresses_phone_numbers_and_tokens_are_redacted(text, expected):
    assert redact_text(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "/portal/sign-in/sent/",
        "ip 192.168.100.200, 2001:db8::1",
        "2026-12-07T05:27:06.123456Z",
        "HTG-0000042-2 NL123456789 KvK 12345678",
        "request 3a8f801c-072b-4805-8f38-123456789012",
        "email 4211 sent in 1234 ms, status 250",
    ],
)
def test_ids_addresses_dates_and_numbers_that_are_not_personal_stay_readable(text):
    assert redact_text(text) == text


def test_a_standard_library_record_keeps_its_extra_fields_as_json(json_logs):
    # when: a log call as the code writes them (connections.services.refusals, notifications.services.sending)
    logging.getLogger("notifications.services.sending").warning(
        "email_sent_mark_retry",
        extra={"email_id": 42, "wait_seconds": 2, "error": "550 <anna@vandam.example> unknown"},
    )

    # then: one JSON object with the fields, the address in them redacted
    (line,) = json_logs.lines()
    assert line["event"] == "email_sent_mark_retry"
    assert (line["email_id"], line["wait_seconds"], line["error"]) == (42, 2, f"550 <{REDACTED}> unknown")
    assert (line["level"], line["logger"]) == ("warning", "notifications.services.sending")
    assert line["timestamp"].endswith("Z")


@pytest.mark.django_db
def test_each_request_has_an_id_and_the_client_address_of_our_own_proxies(json_logs, client, settings):
    # given: a client that writes its own X-Forwarded-For, straight to the app (no trusted proxy)
    settings.HTG_TRUSTED_PROXIES = ["10.0.0.5"]

    # when
    client.get(reverse("portal:sign_in"), REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_FOR="198.51.100.1")
    # and through our proxy
    client.get(reverse("portal:sign_in"), REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR="198.51.100.7")

    # then: the forged address is not logged; the proxy's word is
    started = [line for line in json_logs.lines() if line["event"] == "request_started"]
    finished = [line for line in json_logs.lines() if line["event"] == "request_finished"]
    assert [line["ip"] for line in started] == ["203.0.113.9", "198.51.100.7"]
    assert [line["ip"] for line in finished] == ["203.0.113.9", "198.51.100.7"]
    assert [line["code"] for line in finished] == [200, 200]
    assert len({line["request_id"] for line in started}) == 2
    assert [line["request_id"] for line in started] == [line["request_id"] for line in finished]


PLAIN_SMTP = "notifications.backends.SmtpEmailBackend"


def _token(address: str) -> str:
    email = OutboxEmail.objects.filter(template_key="portal.sign_in_link", to_address=address).latest("id")
    return re.search(r"/portal/sign-in/([A-Za-z0-9_\-]+)/", email.body_text).group(1)


@pytest.mark.django_db
def test_no_address_phone_number_or_token_of_a_seeded_contact_reaches_the_logs(
    json_logs,
    client,
    settings,
    smtp_sink,  # noqa: F811 (the imported fixture)
    programme_flows,
    tmp_path,
    django_capture_on_commit_callbacks,
):
    # given: the outbox sends to an SMTP server on loopback (aiosmtpd logs every envelope address it is given)
    settings.EMAIL_BACKEND, settings.EMAIL_HOST, settings.EMAIL_PORT = PLAIN_SMTP, "127.0.0.1", smtp_sink.port
    settings.EMAIL_USE_TLS = False
    staff_groups_sync()
    anna = ContactFactory(
        customer=CustomerFactory(legal_name="Van Dam Logistiek B.V."),
        name="Anna de Boer",
        email="anna@vandam.example",
        phone="+31 10 123 4567",
        language="en",
    )
    piet = ContactFactory(
        customer=CustomerFactory(legal_name="Kroon Transport B.V."),
        name="Piet Kroon",
        email="piet@kroon.example",
        phone="06-12345678",
        language="nl",
    )
    new_address, new_phone = "nina@nieuw.example", "010 7654321"
    tokens = []

    with django_capture_on_commit_callbacks(execute=True):
        # when: Anna signs in with her link; the used link is opened again (410); Piet asks for a link by the
        # start page's query string
        client.post(reverse("portal:sign_in"), {"email": anna.email})
        tokens.append(_token(anna.email))
        client.get(reverse("portal:sign_in_confirm", args=[tokens[-1]]))
        client.post(reverse("portal:sign_in_confirm", args=[tokens[-1]]))
        assert client.post(reverse("portal:sign_in_confirm", args=[tokens[-1]])).status_code == 410
        client.get(reverse("portal:status"))
        client.post(reverse("portal:sign_out"))
        client.get(reverse("portal:sign_in"), {"email": piet.email})
        client.post(reverse("portal:sign_in"), {"email": piet.email})
        tokens.append(_token(piet.email))

        # and a new company signs in and does its intake, with a mistake on the way (400)
        client.post(reverse("portal:sign_in"), {"email": new_address})
        tokens.append(_token(new_address))
        client.post(reverse("portal:sign_in_confirm", args=[tokens[-1]]))
        step = lambda name: reverse("portal:intake_step", args=[name])  # noqa: E731
        client.post(
            step("company"),
            {"legal_name": "Nieuw B.V.", "kvk_number": "12345678", "eori": "NL123456789", "role": "direct"},
        )
        client.post(
            step("contacts"),
            {
                "contacts-TOTAL_FORMS": "1",
                "contacts-INITIAL_FORMS": "0",
                "contacts-0-name": "Nina",
                "contacts-0-phone": new_phone,
                "contacts-0-language": "nl",
                "action": "next",
            },
        )
        ags = {"flow-AGS-used": "1", "flow-AGS-channel": "smtp_msa_pop3"}
        assert client.post(step("flows"), {**ags, "flow-AGS-tls_version": "1.1"}).status_code == 400
        client.post(step("flows"), {**ags, "flow-AGS-tls_version": "1.2"})
        token = page_submit_token(client.get(step("review")))
        assert client.post(step("review"), {"action": "submit", "submit_token": token}).status_code == 302
        client.post(reverse("portal:sign_out"))

        # and a staff member types a contact's address as user name with a wrong password
        UserFactory(username="tessa", is_staff=True)
        client.post(reverse("login"), {"username": piet.email, "password": "wrong"})

        # and the helpdesk looks companies up by e-mail address and by phone number (as callers say them)
        client.force_login(helpdesk_member())
        for query in (piet.email, anna.phone, "0612345678", new_address, "+31 10 7654321"):
            assert client.get(reverse("helpdesk:helpdesk_lookup"), {"q": query}).status_code in (200, 302)
        client.get(reverse("portal:sign_in_confirm", args=[tokens[0]]))  # a signed-in 410 of a used link

    # and the outbox has sent the links to the SMTP server; Anna's server returns a bounce for hers later
    sent = OutboxEmail.objects.filter(status=OutboxEmail.Status.SENT)
    assert {email.to_address for email in sent} >= {anna.email, piet.email, new_address}
    received = next(message for message in smtp_sink.messages if message["To"] == anna.email)
    maildir = mailbox.Maildir(tmp_path / "bounces", create=True)
    maildir.add(_dsn_for(received, envelope_to="bounces@example.org"))
    call_command("email_bounces_receive", "--maildir", str(tmp_path / "bounces"), stdout=io.StringIO())
    assert InboundBounce.objects.get().outcome == "hard_bounce"
    assert SuppressedAddress.objects.filter(address=anna.email).exists()

    # then: nothing of any contact, in any spelling, nor any token
    secrets = [anna.email, piet.email, new_address, *tokens]
    for phone in (anna.phone, piet.phone, new_phone, "+31 10 7654321"):
        digits = re.sub(r"\D", "", phone)
        secrets += [phone, digits, digits[-9:]]
    secrets += [quote_plus(secret) for secret in secrets if quote_plus(secret) != secret]  # as in a query string
    leaked = [secret for secret in secrets if secret in json_logs.text]
    assert leaked == []
    # and every line is JSON, the requests are there with their ids, and the paths with tokens are redacted
    lines = json_logs.lines()
    events = [line["event"] for line in lines]
    assert events.count("request_started") == events.count("request_finished") >= 20
    assert all(line.get("request_id") for line in lines if line["event"].startswith("request_"))
    assert f"/portal/sign-in/{REDACTED}/" in json_logs.text
    assert any(line["event"] == f"Gone: /portal/sign-in/{REDACTED}/" for line in lines)  # django.request
    assert REDACTED in " ".join(line["event"] for line in lines if line["logger"] == "mail.log")


@pytest.fixture
def worker_logs_json(monkeypatch):
    """The worker started after this logs as production does (its environment is copied from this process's)."""
    monkeypatch.setenv("HTG_LOG_FORMAT", "json")


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.worker
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_request_id_follows_the_request_into_the_worker_that_runs_its_task(
    worker_logs_json, celery_worker, json_logs, client
):
    # when: a company asks for a sign-in link; the e-mail is queued on commit, to the real worker
    response = client.post(reverse("portal:sign_in"), {"email": "anna@vandam.example"})
    assert response.status_code == 302
    email = OutboxEmail.objects.get()
    assert wait_for(lambda: OutboxEmail.objects.get(pk=email.pk).status == OutboxEmail.Status.SENT)

    # then: the web process logged the request and the task it queued under one request id
    web = json_logs.lines()
    (started,) = [line for line in web if line["event"] == "request_started"]
    request_id = started["request_id"]
    (enqueued,) = [line for line in web if line["event"] == "task_enqueued"]
    assert enqueued["request_id"] == request_id
    assert enqueued["child_task_name"] == "notifications.tasks.email_send_task"

    # and the worker's JSON lines of that task carry the same request id, the task's id and nobody's address
    def task_lines() -> list[dict]:
        text = celery_worker.log_path.read_text()
        lines = [json.loads(line) for line in text.splitlines() if line.startswith("{")]
        return [line for line in lines if line.get("task_id") == enqueued["child_task_id"]]

    assert wait_for(lambda: any(line["event"] == "task_succeeded" for line in task_lines()))
    lines = task_lines()
    assert {line["event"] for line in lines} >= {"task_started", "task_succeeded"}
    assert {line["request_id"] for line in lines} == {request_id}
    assert {line["ip"] for line in lines} == {"127.0.0.1"}
    assert "anna@vandam.example" not in celery_worker.log_path.read_text()


def test_production_logs_json_and_local_logs_readable_lines():
    # when: each settings module is loaded as its process would load it (production sets environment defaults)
    script = (
        "import importlib, sys; "
        "settings = importlib.import_module(sys.argv[1]); "
        "formatter = settings.LOGGING['formatters']['structured']; "
        "print(type(formatter['processors'][-1]).__name__)"
    )
    environment = {key: value for key, value in os.environ.items() if key != "HTG_LOG_FORMAT"}
    environment["DJANGO_SECRET_KEY"] = "a-secret-for-this-test-only-0123456789abcdefghijklmnopqrstuvwxyz"
    renderers = {
        module: subprocess.run(
            [sys.executable, "-c", script, f"htg_migration.settings.{module}"],
            env=environment,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        for module in ("production", "local")
    }

    # then
    assert renderers == {"production": "JSONRenderer", "local": "ConsoleRenderer"}


def test_redaction_finds_addresses_beside_long_values_and_leaves_long_runs_without_one_as_they_are():
    from htg_migration.logs import REDACTED, redact_text

    # A 100,000-character value without an address is left as it is (and is scanned once: the address pattern only
    # starts where a local part can start, so the hostile walk's long values no longer take a minute each to log).
    assert redact_text("x" * 100_000) == "x" * 100_000
    assert redact_text("a" * 100_000 + "@") == "a" * 100_000 + "@"
    # an address after a long value and a separator is still found
    assert redact_text("x" * 100_000 + " anna@vandam.example") == "x" * 100_000 + " " + REDACTED
    assert redact_text("q=anna.de-boer%2Bx%40van-dam.example") == "q=" + REDACTED

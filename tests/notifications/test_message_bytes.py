"""The outbox's usual e-mail is written directly, byte for byte as Django's message() and the generator write it."""

import uuid
from email import message_from_bytes
from unittest import mock

import pytest
from django.core.mail import EmailMessage, EmailMultiAlternatives

from notifications.backends import message_bytes, quick_message_bytes

HTML = "<p>Beste Jan,</p>\n<p>Voor “NCTS” wachten wij op uw actie.</p>\n"


def both_ways(message):
    """The quick bytes and Django's, with the same boundary and date."""
    boundary = uuid.UUID("12345678123456781234567812345678")
    date = "Fri, 15 May 2020 08:00:00 -0000"
    with (
        mock.patch("notifications.backends.uuid.uuid4", return_value=boundary),
        mock.patch("notifications.backends.formatdate", return_value=date),
        mock.patch("django.core.mail.message.formatdate", return_value=date),
    ):
        quick = quick_message_bytes(message)
        django = message_bytes(message.message())
    return quick, django


def _message(*, subject="Uitnodiging: migratie NCTS", body="Beste Jan,\n\nTot ziens.\n", html=HTML, **overrides):
    fields = {
        "subject": subject,
        "body": body,
        "from_email": "HTG Migratie <migratie-htg@example.org>",
        "to": ["jan@example.nl"],
        "headers": {"Message-ID": "<htg.1.abc@example.org>"},
        **overrides,
    }
    message = EmailMultiAlternatives(**fields)
    if html is not None:
        message.attach_alternative(html, "text/html")
    return message


@pytest.mark.parametrize(
    "message",
    [
        _message(),
        _message(html=None),
        _message(body="Only ASCII here.\r\nSecond line\rthird\n\nlast without a newline", html="<p>ascii</p>"),
        _message(subject="Herinnering: AGS (DMS): aangiftes invoer en uitvoer – Uitgenodigd, vóór 20 mei 2020 graag"),
        _message(subject="Een heel lang onderwerp zonder bijzondere tekens " * 3),
        _message(body="Één regel met € en 😀\n" * 40, html="<p>" + "é" * 400 + "</p>"),
        _message(from_email="Migratie Douané <migratie-htg@example.org>", to=["Jan de Vries <jan@example.nl>"]),
        _message(to=["jan@example.nl", "piet@example.nl"]),
        _message(body="From the start of a line\n.a dot line\n", html=None),
    ],
)
def test_the_quick_bytes_are_djangos_bytes(message):
    # when
    quick, django = both_ways(message)

    # then: identical, and a mail parser reads them back
    assert quick is not None
    assert quick == django
    parsed = message_from_bytes(quick)
    assert parsed["Message-ID"] == "<htg.1.abc@example.org>"
    assert parsed.get_payload(0 if parsed.is_multipart() else None) is not None


@pytest.mark.parametrize(
    "message",
    [
        _message(body="x" * 999 + "\n"),  # Django writes quoted-printable
        _message(cc=["cc@example.nl"]),
        _message(reply_to=["reply@example.nl"]),
        _message(bcc=["bcc@example.nl"]),
        _message(headers={"Message-ID": "<a@b>", "X-Extra": "1"}),
        _message(headers={}),
        _message(body=""),
        EmailMessage(
            subject="s",
            body="b",
            to=["a@example.nl"],
            headers={"Message-ID": "<a@b>"},
            attachments=[("a.txt", "text", "text/plain")],
        ),
    ],
)
def test_anything_else_is_left_to_django(message):
    if isinstance(message, EmailMultiAlternatives) and message.body == "":
        message.alternatives = []
    assert quick_message_bytes(message) is None


def test_a_second_alternative_or_another_kind_is_left_to_django():
    message = _message()
    message.attach_alternative("text", "text/x-other")
    assert quick_message_bytes(message) is None
    other = _message(html=None)
    other.attach_alternative("{}", "application/json")
    assert quick_message_bytes(other) is None

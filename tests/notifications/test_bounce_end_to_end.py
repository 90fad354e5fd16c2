"""A bounce from start to end with the real parts: the outbox sends the invitation to an SMTP server on loopback,
the recipient's server later returns a delivery status notification built from what it received, the MTA drops it
into a Maildir, `email_bounces_receive --maildir` reads it, and the team sees the bounce on the customer's card."""

import email.message
import io
import mailbox
import re

import pytest
from django.core.management import call_command
from django.urls import reverse

from connections.services.staff import staff_groups_sync
from notifications.models import InboundBounce, OutboxEmail, SuppressedAddress
from tests.connections.factories import (
    ConnectionFactory,
    ContactFactory,
    CustomerFactory,
    UserFactory,
    team_member,
    walk_to,
)

pytestmark = pytest.mark.django_db

PLAIN_SMTP = "notifications.backends.SmtpEmailBackend"


def _dsn_for(received: email.message.Message, *, envelope_to: str) -> bytes:
    """What Postfix on the recipient's side returns when the mailbox turns out not to exist after all (accepted,
    then not deliverable): the report, and the headers of the message as it arrived there."""
    address = received["To"]
    headers = "".join(f"{name}: {value}\n" for name, value in received.items())
    boundary = "8C1E2A0F11.1589790001/mx.vandam.example"
    return f"""Return-Path: <>
Delivered-To: {envelope_to}
Date: Mon, 18 May 2020 10:20:01 +0200 (CEST)
From: MAILER-DAEMON@mx.vandam.example (Mail Delivery System)
Subject: Undelivered Mail Returned to Sender
To: {envelope_to}
Auto-Submitted: auto-replied
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="{boundary}"
Message-Id: <20200518082001.8C1E2A0F11@mx.vandam.example>

--{boundary}
Content-Description: Notification
Content-Type: text/plain; charset=us-ascii

<{address}>: unknown user: "piet"

--{boundary}
Content-Description: Delivery report
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.vandam.example
Arrival-Date: Mon, 18 May 2020 10:20:00 +0200 (CEST)

Final-Recipient: rfc822; {address}
Original-Recipient: rfc822;{address}
Action: failed
Status: 5.1.1
Diagnostic-Code: X-Postfix; unknown user: "piet"

--{boundary}
Content-Description: Undelivered Message Headers
Content-Type: text/rfc822-headers

{headers}
--{boundary}--
""".encode()


def test_an_invitation_that_bounces_later_suppresses_the_address_and_the_team_sees_it(
    settings, smtp_sink, tmp_path, client, django_capture_on_commit_callbacks
):
    # given: the invitation to Piet goes out through the outbox to a real SMTP server
    settings.EMAIL_BACKEND, settings.EMAIL_HOST, settings.EMAIL_PORT = PLAIN_SMTP, "127.0.0.1", smtp_sink.port
    settings.EMAIL_USE_TLS = False
    customer = CustomerFactory(legal_name="Van Dam Logistiek B.V.")
    ContactFactory(customer=customer, email="piet@vandam.example", language="en", is_primary=True)
    connection = ConnectionFactory(customer=customer)
    with django_capture_on_commit_callbacks(execute=True):
        walk_to(connection, "invited", UserFactory(is_superuser=True))
    invitation = OutboxEmail.objects.get(to_address="piet@vandam.example")
    assert invitation.status == OutboxEmail.Status.SENT
    assert len(smtp_sink.messages) == 1
    received = smtp_sink.messages[0]
    assert received["Message-ID"] == invitation.message_id
    assert re.fullmatch(r"<htg\.\d+\.[0-9a-f]{20}@example\.org>", invitation.message_id)

    # when: the report comes back into the bounce mailbox, and the command reads it
    maildir = mailbox.Maildir(tmp_path / "bounces", create=True)
    key = maildir.add(_dsn_for(received, envelope_to="bounces@example.org"))
    out = io.StringIO()
    call_command("email_bounces_receive", "--maildir", str(tmp_path / "bounces"), stdout=out)

    # then: the row, the suppression, the e-mail marked, the file moved
    bounce = InboundBounce.objects.get()
    assert (bounce.outcome, bounce.email_id, bounce.status_code) == ("hard_bounce", invitation.pk, "5.1.1")
    assert out.getvalue().splitlines()[0] == (
        f"{key}: bounce {bounce.pk}: hard bounce 5.1.1 for piet@vandam.example: piet@vandam.example suppressed, "
        f"e-mail {invitation.pk} marked bounced"
    )
    suppressed = SuppressedAddress.objects.get()
    assert (suppressed.address, suppressed.reason) == ("piet@vandam.example", "hard_bounce")
    invitation.refresh_from_db()
    assert invitation.status == OutboxEmail.Status.BOUNCED
    assert invitation.last_error == '5.1.1 X-Postfix; unknown user: "piet"'
    assert mailbox.Maildir(tmp_path / "bounces", create=False).get_message(key).get_subdir() == "cur"

    # when: a team member opens the customer's card and the connection
    staff_groups_sync()
    client.force_login(team_member())
    card = client.get(reverse("helpdesk:helpdesk_customer", args=[customer.pk])).content.decode()
    page = client.get(reverse("connections:connection_detail", args=[connection.pk])).content.decode()

    # then: the e-mail stands out as bounced with the server's words, and the contact receives no e-mail
    assert '<span class="badge badge--overdue">bounced</span> 5.1.1 X-Postfix; unknown user: &quot;piet&quot;' in card
    for content in (card, page):
        assert "Receives no e-mail</span> hard bounce," in content
        assert "5.1.1 X-Postfix; unknown user: &quot;piet&quot;" in content

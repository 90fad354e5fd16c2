"""Bounce messages as real mail servers write them (Postfix's RFC 3464 report, older Exim's plain text, a delay
notice), and messages that are not bounces, for the bounce intake tests."""

RETURNED_HEADERS = """Return-Path: <migratie-htg@example.org>
Received: from app.example.org (app.example.org [192.0.2.10])
\tby mail.example.org (Postfix) with ESMTPS id 3F2A1C0123
\tfor <{address}>; Mon, 18 May 2020 10:15:01 +0200 (CEST)
Content-Type: text/plain; charset="utf-8"
MIME-Version: 1.0
Content-Transfer-Encoding: 8bit
Subject: Invitation: moving NCTS from Digipoort to HTG
From: HTG Migratie <migratie-htg@example.org>
To: {address}
Date: Mon, 18 May 2020 08:15:01 -0000
Message-ID: {message_id}
"""

POSTFIX_EXPLANATION = {
    "failed": """This is the mail system at host mail.example.org.

I'm sorry to have to inform you that your message could not
be delivered to one or more recipients. It's attached below.

For further assistance, please send mail to postmaster.

If you do so, please include this problem report. You can
delete your own text from the attached returned message.

                   The mail system

<{address}>: host mx.vandam.example[192.0.2.25] said: {diagnostic}
    (in reply to RCPT TO command)
""",
    "delayed": """This is the mail system at host mail.example.org.

####################################################################
# THIS IS A WARNING ONLY.  YOU DO NOT NEED TO RESEND YOUR MESSAGE. #
####################################################################

Your message could not be delivered for more than 4 hour(s).
It will be retried until it is 5 day(s) old.

                   The mail system

<{address}>: connect to mx.vandam.example[192.0.2.25]:25: Connection timed out
""",
}


def postfix_dsn(
    *,
    address: str = "jan@vandam.example",
    message_id: str = "<htg.42.0123456789abcdef0123@example.org>",
    action: str = "failed",
    status: str = "5.1.1",
    diagnostic: str = "550 5.1.1 <jan@vandam.example>: Recipient address rejected: User unknown in virtual "
    "mailbox table",
    returned: str = "message",
    original_recipient: str | None = None,
    bounce_id: str = "20200518081502.3F2A1C0123@mail.example.org",
) -> bytes:
    """Postfix's delivery status notification: multipart/report with the explanation, the message/delivery-status
    part, and the returned message (message/rfc822) or only its headers (text/rfc822-headers)."""
    boundary = "3F2A1C0123.1589789702/mail.example.org"
    subject = "Undelivered Mail Returned to Sender" if action == "failed" else "Delayed Mail (still being retried)"
    header_block = RETURNED_HEADERS.format(address=address, message_id=message_id)
    diagnostic_folded = diagnostic.replace(": Recipient", ": Recipient\n    ", 1)
    recipient_fields = f"Final-Recipient: rfc822; {address}\n"
    recipient_fields += f"Original-Recipient: rfc822;{original_recipient or address}\n"
    recipient_fields += f"Action: {action}\nStatus: {status}\nRemote-MTA: dns; mx.vandam.example\n"
    recipient_fields += f"Diagnostic-Code: smtp; {diagnostic_folded}\n"
    if returned == "message":
        returned_part = (
            "Content-Description: Undelivered Message\nContent-Type: message/rfc822\n"
            f"Content-Transfer-Encoding: 8bit\n\n{header_block}\nDear Jan,\n\nYou are invited to move NCTS.\n"
        )
    else:
        returned_part = (
            "Content-Description: Undelivered Message Headers\nContent-Type: text/rfc822-headers\n"
            f"Content-Transfer-Encoding: 8bit\n\n{header_block}"
        )
    explanation = POSTFIX_EXPLANATION["delayed" if action == "delayed" else "failed"].format(
        address=address, diagnostic=diagnostic
    )
    return f"""Return-Path: <>
Delivered-To: bounces@example.org
Received: by mail.example.org (Postfix)
\tid 3F2A1C0124; Mon, 18 May 2020 10:15:02 +0200 (CEST)
Date: Mon, 18 May 2020 10:15:02 +0200 (CEST)
From: MAILER-DAEMON@mail.example.org (Mail Delivery System)
Subject: {subject}
To: bounces@example.org
Auto-Submitted: auto-replied
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status;
\tboundary="{boundary}"
Content-Transfer-Encoding: 8bit
Message-Id: <{bounce_id}>

This is a MIME-encapsulated message.

--{boundary}
Content-Description: Notification
Content-Type: text/plain; charset=us-ascii

{explanation}
--{boundary}
Content-Description: Delivery report
Content-Type: message/delivery-status

Reporting-MTA: dns; mail.example.org
X-Postfix-Queue-ID: 3F2A1C0123
X-Postfix-Sender: rfc822; bounces@example.org
Arrival-Date: Mon, 18 May 2020 10:15:01 +0200 (CEST)

{recipient_fields}
--{boundary}
{returned_part}
--{boundary}--
""".encode()


def exim_text_bounce(
    *,
    address: str = "jan@vandam.example",
    message_id: str = "<htg.42.0123456789abcdef0123@example.org>",
    reply: str = "550 5.1.1 <jan@vandam.example>: Recipient address rejected: User unknown",
    failed_header: bool = True,
) -> bytes:
    """Older Exim's bounce: plain text, X-Failed-Recipients, the message quoted after a dashed line."""
    failed = f"X-Failed-Recipients: {address}\n" if failed_header else ""
    return f"""Return-path: <>
Envelope-to: bounces@example.org
Received: from mail by relay.example.org with local (Exim 4.84_2)
\tid 1jadPZ-0003kq-9Q
\tfor bounces@example.org; Mon, 18 May 2020 10:15:05 +0200
{failed}Auto-Submitted: auto-replied
From: Mail Delivery System <Mailer-Daemon@relay.example.org>
To: bounces@example.org
Subject: Mail delivery failed: returning message to sender
Message-Id: <E1jadPZ-0003kq-9Q@relay.example.org>
Date: Mon, 18 May 2020 10:15:05 +0200

This message was created automatically by mail delivery software.

A message that you sent could not be delivered to one or more of its
recipients. This is a permanent error. The following address(es) failed:

  {address}
    host mx.vandam.example [192.0.2.25]
    SMTP error from remote mail server after RCPT TO:<{address}>:
    {reply}

------ This is a copy of the message, including all the headers. ------

{RETURNED_HEADERS.format(address=address, message_id=message_id)}
Dear Jan,

You are invited to move NCTS.
""".encode()


def out_of_office_reply(*, message_id: str = "<htg.42.0123456789abcdef0123@example.org>") -> bytes:
    """Not a bounce: an automatic reply that quotes a 5.1.1-looking number and the address it came from."""
    return f"""From: Jan de Vries <jan@vandam.example>
To: migratie-htg@example.org
Subject: Automatic reply: Invitation: moving NCTS from Digipoort to HTG
Message-ID: <ooo.1@vandam.example>
In-Reply-To: {message_id}
Auto-Submitted: auto-replied
Content-Type: text/plain; charset=utf-8

I am out of the office until 25 May (room 5.1.1). Please write to anna@vandam.example.
""".encode()


GARBAGE = bytes(range(256)) * 4 + b"\x00\xff\xfe not a message at all \x00"

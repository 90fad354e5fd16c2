"""Feed bounces to the outbox: one message on standard input (an MTA's pipe alias, for example
`bounces: "|/srv/htg/.venv/bin/python /srv/htg/manage.py email_bounces_receive"`), or with --maildir PATH every new
message of a Maildir (docs/architecture.md, "Bounces")."""

import sys
from typing import Any, BinaryIO

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError

from notifications.bounce_intake import BounceReceipt, MaildirItem, bounce_receive, bounces_maildir_receive
from notifications.models import InboundBounce

# sysexits.h EX_TEMPFAIL: an MTA keeps the message and pipes it again later (receiving it twice is harmless).
EXIT_TRY_AGAIN = 75


def receipt_line(receipt: BounceReceipt) -> str:
    bounce = receipt.bounce
    if not receipt.created:
        return f"bounce {bounce.pk}: received before ({bounce.received_at:%Y-%m-%d %H:%M}), nothing done again"
    email = bounce.email
    about = bounce.status_code + (f" for {bounce.recipient}" if bounce.recipient else "")
    if bounce.outcome == InboundBounce.Outcome.HARD_BOUNCE and email is not None:
        marked = (
            f"e-mail {email.pk} marked bounced"
            if email.status == email.Status.BOUNCED
            else f"e-mail {email.pk} left {email.status}"
        )
        line = f"hard bounce {about}: {email.to_address} suppressed, {marked}"
    elif bounce.outcome == InboundBounce.Outcome.SOFT_BOUNCE:
        matched = f" (e-mail {email.pk})" if email is not None else ""
        line = f"soft bounce {about}{matched}: recorded only"
    elif bounce.outcome == InboundBounce.Outcome.UNRECOGNISED:
        line = f"not recognised, for a person to look at in the admin: {bounce.note}"
    else:
        line = "recorded, not yet processed"
    return f"bounce {bounce.pk}: {' '.join(line.split())}"


class Command(BaseCommand):
    help = (
        "Receive bounce messages (delivery status notifications): one on standard input, for an MTA's pipe alias, "
        "or with --maildir every message in a Maildir's new/ (each moved to cur/ once recorded). A hard bounce "
        "suppresses the address and marks the e-mail bounced; a soft one is recorded; anything else waits in the "
        "admin for a person."
    )
    stealth_options = ("stdin",)

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--maildir", metavar="PATH", help="Process every message in this Maildir's new/.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["maildir"]:
            self._maildir(options["maildir"])
        else:
            self._stdin(options.get("stdin") or sys.stdin.buffer)

    def _stdin(self, stream: BinaryIO) -> None:
        if stream.isatty():
            raise CommandError("Pipe one message in on standard input, or give --maildir PATH.")
        raw_message = stream.read()
        try:
            receipt = bounce_receive(raw_message=raw_message)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        except DatabaseError as error:
            raise CommandError(f"Not received, try again later: {error}", returncode=EXIT_TRY_AGAIN) from error
        self.stdout.write(receipt_line(receipt))

    def _maildir(self, path: str) -> None:
        def report(item: MaildirItem) -> None:
            if item.error:
                self.stderr.write(f"{item.name}: {item.error}")
            if item.receipt is not None and item.receipt.bounce.processed_at is not None:
                self.stdout.write(f"{item.name}: {receipt_line(item.receipt)}")

        try:
            items = bounces_maildir_receive(path=path, on_item=report)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        outcomes = [item.receipt.bounce.outcome for item in items if item.receipt and item.receipt.created]
        errors = sum(1 for item in items if item.error)
        self.stdout.write(
            f"{len(items)} messages: {outcomes.count(InboundBounce.Outcome.HARD_BOUNCE)} hard bounces, "
            f"{outcomes.count(InboundBounce.Outcome.SOFT_BOUNCE)} soft, "
            f"{outcomes.count(InboundBounce.Outcome.UNRECOGNISED)} not recognised, "
            f"{sum(1 for item in items if item.receipt and not item.receipt.created)} received before, "
            f"{errors} with errors"
        )
        if errors:
            raise CommandError(f"{errors} of {len(items)} messages had errors (see above).")

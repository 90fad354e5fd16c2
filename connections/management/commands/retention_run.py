from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from htg_migration.retention import retention_run


class Command(BaseCommand):
    help = (
        "Remove or anonymise personal data past its retention period (contact details of closed companies, intake "
        "drafts, sign-in link rows, raw bounce messages, uploaded import files). The timeline and the figures stay. "
        "Also run nightly by the scheduler."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="Only count what would be removed.")

    def handle(self, *args: Any, **options: Any) -> None:
        dry_run = options["dry_run"]
        for step, rows in retention_run(now=timezone.now(), dry_run=dry_run).items():
            verb = "would change" if dry_run else "changed"
            self.stdout.write(f"{step}: {verb} {rows}")

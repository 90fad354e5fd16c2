"""snapshots_rebuild: close the daily snapshot of every past day from the timeline (resumable: closed days are
skipped unless --again), then open or check today's."""

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand

from htg_migration.arguments import iso_date
from reporting.services.snapshots import daily_snapshot_today_check, daily_snapshots_rebuild


class Command(BaseCommand):
    help = "Backfill the daily snapshots from the timeline, day by day, and check today's; safe to run again."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--from", dest="start", type=iso_date, default=None, help="first day (default: the first connection's)"
        )
        parser.add_argument("--again", action="store_true", help="close days already closed again (a re-check)")

    def handle(self, *args: Any, **options: Any) -> None:
        checks = daily_snapshots_rebuild(start=options["start"], again=options["again"])
        checks.append(daily_snapshot_today_check())
        for check in checks:
            if not check.ok:
                self.stderr.write(f"{check.day}: {len(check.differences)} count(s) differed, repaired")
        repaired = sum(1 for check in checks if not check.ok)
        self.stdout.write(f"{len(checks) - 1} past day(s) closed, today checked; {repaired} day(s) repaired")

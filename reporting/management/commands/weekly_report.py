"""weekly_report: make the weekly report of the week a day lies in (once per week; as the Monday job does)."""

import datetime
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand

from htg_migration import clock
from htg_migration.arguments import iso_date
from reporting.services import weekly_report_generate


class Command(BaseCommand):
    help = "Make the weekly report (PDF and XLSX) with the figures as of a day; a week's report is made once."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--as-of", type=iso_date, default=None, help="the day of the figures (default: yesterday)")

    def handle(self, *args: Any, **options: Any) -> None:
        as_of = options["as_of"] or clock.today() - datetime.timedelta(days=1)
        report = weekly_report_generate(as_of=as_of)
        self.stdout.write(
            f"weekly report of the week of {report.week_start:%d-%m-%Y}, figures as of {report.as_of:%d-%m-%Y}"
        )

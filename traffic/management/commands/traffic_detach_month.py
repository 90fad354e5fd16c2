"""`manage.py traffic_detach_month YYYY-MM`: take an old month's counts out of the count table (its partition stays
as a table of its own, to archive or drop)."""

import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from htg_migration.errors import ApplicationError
from traffic.services.partitions import detach_month


def _month(text: str) -> datetime.date:
    try:
        return datetime.datetime.strptime(text, "%Y-%m").date()
    except ValueError as error:
        raise CommandError(f"Give the month as YYYY-MM, not {text!r}.") from error


class Command(BaseCommand):
    help = "Detach a month's partition from the traffic count table."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("month", help="YYYY-MM")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            name = detach_month(_month(options["month"]))
        except ApplicationError as error:
            raise CommandError(error.message) from error
        self.stdout.write(f"Detached {name}.")

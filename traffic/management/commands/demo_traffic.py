"""demo_traffic: the demo companies' message traffic through both gateways (traffic.services.demo)."""

import time
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from htg_migration.arguments import iso_date
from htg_migration.errors import ApplicationError
from traffic.services.demo import DEFAULT_DAYS, DemoTrafficExists, traffic_demo_seed


class Command(BaseCommand):
    help = "Add the demo companies' daily traffic via HTG and Digipoort for the days before a given day."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--as-of", type=iso_date, required=True, help="the demo's day: traffic up to the day before"
        )
        parser.add_argument("--days", type=int, default=DEFAULT_DAYS, help=f"how many days (default {DEFAULT_DAYS})")
        reuse = parser.add_mutually_exclusive_group()
        reuse.add_argument("--reset", action="store_true", help="first delete all traffic")
        reuse.add_argument("--if-empty", action="store_true", help="do nothing (and succeed) if there is traffic")

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        try:
            result = traffic_demo_seed(as_of=options["as_of"], days=options["days"], reset=options["reset"])
        except DemoTrafficExists as error:
            if options["if_empty"]:
                self.stdout.write("There is traffic already: no demo traffic added.")
                return
            raise CommandError(f"{error.message} (demo_traffic --reset replaces it)") from error
        except ApplicationError as error:
            raise CommandError(error.message) from error
        self.stdout.write(
            f"traffic from {result.first_day} to {result.last_day}: files {result.files}, counts {result.counts}, "
            f"senders {result.senders}, evidence rows {result.evidence} in {time.perf_counter() - started:.1f} s"
        )

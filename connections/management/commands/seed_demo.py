"""seed_demo: fill the database with a deterministic demo programme (connections.services.demo)."""

import time
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from connections.services.demo import DEMO_AS_OF, DemoDataExists, demo_seed, demo_team_members
from connections.services.demo.workspace import demo_workspace_seed
from htg_migration.arguments import iso_date
from htg_migration.errors import ApplicationError


class Command(BaseCommand):
    help = "Create N demo customers with contacts, connections and timelines as they stood on a given day."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--customers", type=int, default=200, help="how many customers (default 200)")
        parser.add_argument("--seed", type=int, default=1, help="random seed: the same seed gives the same data")
        parser.add_argument(
            "--as-of", type=iso_date, default=DEMO_AS_OF, help=f"the day the data shows (default {DEMO_AS_OF})"
        )
        parser.add_argument(
            "--without-workspace",
            action="store_true",
            help="only the companies: no slots, escalations, callback requests or portal contacts (the benchmarks)",
        )
        reuse = parser.add_mutually_exclusive_group()
        reuse.add_argument(
            "--reset",
            action="store_true",
            help="first delete all customers, contacts, connections, timelines and the HTG number ledger",
        )
        reuse.add_argument(
            "--if-empty", action="store_true", help="do nothing (and succeed) if there are customers already"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        try:
            result = demo_seed(
                customers=options["customers"], seed=options["seed"], as_of=options["as_of"], reset=options["reset"]
            )
        except DemoDataExists as error:
            if options["if_empty"]:
                self.stdout.write("There are customers already: no demo data added.")
                return
            raise CommandError(f"{error.message} (seed_demo --reset replaces the existing data)") from error
        except ApplicationError as error:
            raise CommandError(error.message) from error
        if not options["without_workspace"]:
            team_ids, _created = demo_team_members()
            workspace = demo_workspace_seed(team_ids=team_ids, as_of=options["as_of"])
            self.stdout.write(
                f"slots published {workspace.slots}, escalations opened {workspace.escalations}, "
                f"callback requests {workspace.callbacks}, portal contacts {len(workspace.portal_contacts)}"
            )
        elapsed = time.perf_counter() - started
        self.stdout.write(
            f"customers {result.customers}, contacts {result.contacts}, connections {result.connections}, "
            f"events {result.events}, HTG numbers {result.htg_numbers}, "
            f"team members created {result.team_members_created}"
        )
        states = ", ".join(f"{state} {count}" for state, count in result.connections_by_state.items())
        self.stdout.write(f"connections by state: {states}")
        self.stdout.write(self.style.SUCCESS(f"seeded in {elapsed:.1f} s"))

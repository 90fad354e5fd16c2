"""demo_community: news and documents for the HTG Community area of the demo (community.services.demo)."""

from typing import Any

from django.core.management.base import BaseCommand

from community.services.demo import community_demo_seed


class Command(BaseCommand):
    help = "Add the demo's news items and documents, unless the community area has news or documents already."

    def handle(self, *args: Any, **options: Any) -> None:
        result = community_demo_seed()
        if not result.news and not result.documents:
            self.stdout.write("There are news items or documents already: no demo news or documents added.")
            return
        self.stdout.write(f"news items {result.news}, documents {result.documents}")

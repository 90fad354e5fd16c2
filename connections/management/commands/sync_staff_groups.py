from typing import Any

from django.core.management.base import BaseCommand

from connections.services.staff import staff_groups_sync


class Command(BaseCommand):
    help = "Create the staff groups (connection team, core team, helpdesk) and set their admin permissions."

    def handle(self, *args: Any, **options: Any) -> None:
        for group, count in staff_groups_sync().items():
            self.stdout.write(f"{group}: {count} permissions")

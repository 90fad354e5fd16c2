from typing import Any

from django.core.management.base import BaseCommand

from connections.services.staff import staff_groups_sync


class Command(BaseCommand):
    help = (
        "Create the staff groups (connection team, core team, helpdesk). They carry no admin permissions: the admin "
        "is for administrators (superusers); staff work in their own workspace."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        for group in staff_groups_sync():
            self.stdout.write(f"{group}: ready, no admin permissions")

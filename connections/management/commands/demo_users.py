"""Create the demo sign-in users (local demo only) and print their details."""

from typing import Any

from django.conf import settings
from django.contrib.auth.models import Group, User
from django.core.management.base import BaseCommand, CommandError

from connections.permissions import CONNECTION_TEAM, CORE_TEAM, HELPDESK
from connections.services.demo.workspace import demo_portal_contact_list
from connections.services.staff import staff_groups_sync

DEMO_USERS = [
    # username, password, groups, superuser, what they are
    ("admin", "htg-demo-admin", [], True, "administrator (Django admin, everything)"),
    ("team", "htg-demo-team", [CONNECTION_TEAM], False, "connection team"),
    ("core", "htg-demo-core", [CONNECTION_TEAM, CORE_TEAM], False, "core team"),
    ("helpdesk", "htg-demo-helpdesk", [HELPDESK], False, "helpdesk (NHD)"),
]


class Command(BaseCommand):
    help = "Create the demo users with known passwords (refused unless DEBUG is on) and print them."

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG:
            raise CommandError("demo_users creates known passwords: it runs only with DEBUG on (local demo).")
        staff_groups_sync()
        self.stdout.write(f"Demo sign-in at {settings.HTG_TEAM_URL} (team, helpdesk) and /admin/ (administrator):")
        for username, password, group_names, is_superuser, description in DEMO_USERS:
            user, _ = User.objects.get_or_create(username=username, defaults={"email": f"{username}@demo.example"})
            user.is_staff = True
            user.is_superuser = is_superuser
            user.set_password(password)
            user.save(update_fields=["is_staff", "is_superuser", "password"])
            user.groups.set(Group.objects.filter(name__in=group_names))
            self.stdout.write(f"  {username:<9} password {password:<18} {description}")
        contacts = demo_portal_contact_list()
        if contacts:
            self.stdout.write(
                f"Companies sign in at {settings.HTG_PORTAL_URL} with their address (no password): the sign-in link "
                "is e-mailed (in the demo, a file in var/mail/):"
            )
            for address, company, role in contacts:
                self.stdout.write(f"  {address:<31} {role.replace('_', ' '):<18} {company}")

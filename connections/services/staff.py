"""The staff groups and the Django model permissions each needs to work in the admin."""

from django.contrib.auth.models import Group, Permission
from django.db import transaction

from connections.permissions import CONNECTION_TEAM, CORE_TEAM, HELPDESK

_TEAM = {
    "connections": {"customer": "vca", "contact": "vcah", "connection": "vc", "connectionevent": "v"},
    "plateaus": {"programme": "v", "plateau": "v", "messageflow": "v", "governmentparty": "v"},
}
_HELPDESK = {
    "connections": {"customer": "v", "contact": "v", "connection": "v", "connectionevent": "v"},
    "plateaus": {"programme": "v", "plateau": "v", "messageflow": "v", "governmentparty": "v"},
}
# Helpdesk staff may read but never change a connection (its state changes only through transitions anyway).
GROUP_PERMISSIONS = {CONNECTION_TEAM: _TEAM, CORE_TEAM: _TEAM, HELPDESK: _HELPDESK}
_ACTIONS = {"v": "view", "c": "change", "a": "add", "h": "delete"}


@transaction.atomic
def staff_groups_sync() -> dict[str, int]:
    """Create the groups if missing and give each exactly its permissions; returns the count per group."""
    counts = {}
    for group_name, apps in GROUP_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=group_name)
        codenames = [
            (app_label, f"{_ACTIONS[letter]}_{model}")
            for app_label, models in apps.items()
            for model, letters in models.items()
            for letter in letters
        ]
        permissions = [
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
            for app_label, codename in codenames
        ]
        group.permissions.set(permissions)
        counts[group_name] = len(permissions)
    return counts

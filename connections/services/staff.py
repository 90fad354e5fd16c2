"""The staff groups. Membership decides what a staff member may do in the workspace (connections/permissions.py);
the groups carry no Django model permissions, because the admin is for administrators (superusers) alone."""

from django.contrib.auth.models import Group
from django.db import transaction

from connections.permissions import STAFF_GROUPS


@transaction.atomic
def staff_groups_sync() -> list[str]:
    """Create the groups if missing and take away any admin permission they hold (earlier versions gave some);
    returns the groups' names."""
    for group_name in STAFF_GROUPS:
        group, _ = Group.objects.get_or_create(name=group_name)
        group.permissions.clear()
    return list(STAFF_GROUPS)

"""The Django admin is the administrators' tool alone: programme reference data, users, templates, the outbox.

Staff (the connection team, the core team, the helpdesk) do their work in their own workspace; the admin's model
permissions are not theirs to use, and `is_staff` alone opens nothing here. A staff account that signs in at
/admin/ is told it is not authorised.
"""

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.http import HttpRequest


class HtgAdminSite(admin.AdminSite):
    def has_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_active and request.user.is_superuser)


class HtgAdminConfig(AdminConfig):
    """Installed instead of django.contrib.admin (settings.INSTALLED_APPS), so `admin.site` is an HtgAdminSite."""

    default_site = "htg_migration.admin.HtgAdminSite"

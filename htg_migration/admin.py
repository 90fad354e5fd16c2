"""The Django admin is the administrators' tool alone: programme reference data, users, templates, the outbox.

Staff (the connection team, the core team, the helpdesk) do their work in their own workspace; the admin's model
permissions are not theirs to use, and `is_staff` alone opens nothing here. A staff account that signs in at
/admin/ is told it is not authorised.
"""

from typing import Any

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.http import HttpRequest


class HtgAdminSite(admin.AdminSite):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Made in AdminConfig.ready(), once the apps are loaded; this module itself is imported before that.
        from htg_migration.admin_forms import HtgAdminAuthenticationForm

        self.login_form = HtgAdminAuthenticationForm

    def has_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_active and request.user.is_superuser)


class HtgAdminConfig(AdminConfig):
    """Installed instead of django.contrib.admin (settings.INSTALLED_APPS), so `admin.site` is an HtgAdminSite."""

    default_site = "htg_migration.admin.HtgAdminSite"

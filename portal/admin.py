from django.contrib import admin

from connections.admin import ReadOnlyAdmin
from portal.models import IntakeDraft, PortalSignInLink


@admin.register(PortalSignInLink)
class PortalSignInLinkAdmin(ReadOnlyAdmin):
    """Who asked for a sign-in link, from where, and whether it was used: for a company that says it got none."""

    list_display = ["email", "requested_ip", "created_at", "expires_at", "used_at", "rate_limited"]
    list_filter = ["rate_limited"]
    search_fields = ["=email", "=requested_ip"]
    exclude = ["token_hash"]
    date_hierarchy = "created_at"


@admin.register(IntakeDraft)
class IntakeDraftAdmin(ReadOnlyAdmin):
    """Intakes a company started and has not submitted yet (the helpdesk can tell where it stopped)."""

    list_display = ["email", "step", "created_at", "updated_at"]
    search_fields = ["=email"]

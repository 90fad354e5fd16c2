from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext_lazy as _

from connections.models import (
    AuditEntry,
    Connection,
    ConnectionEvent,
    Contact,
    Customer,
    HtgNumberAllocation,
    Refusal,
    StaffPasswordReset,
)
from connections.selectors.connections import connection_available_transitions
from connections.services.connections import channel_validate
from connections.services.transitions import connection_transition
from connections.views.feedback import refusals_as_messages


class ContactInline(admin.TabularInline):
    # No sign-in account here: a contact's account is never chosen by hand (Contact.user is not editable).
    model = Contact
    extra = 0
    fields = ["name", "email", "phone", "language", "is_primary"]


class CustomerConnectionInline(admin.TabularInline):
    model = Connection
    extra = 0
    fields = ["flow", "state", "channel", "assigned_to"]
    readonly_fields = ["flow", "state", "channel", "assigned_to"]
    show_change_link = True
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ["legal_name", "htg_number", "kvk_number", "eori", "role", "hub"]
    list_filter = ["role"]
    search_fields = ["=htg_number", "=kvk_number", "=eori", "legal_name"]
    readonly_fields = ["htg_number", "created_at", "updated_at"]
    raw_id_fields = ["hub"]
    inlines = [ContactInline, CustomerConnectionInline]
    list_select_related = ["hub"]


class ConnectionEventInline(admin.TabularInline):
    model = ConnectionEvent
    extra = 0
    fields = ["created_at", "transition", "from_state", "to_state", "actor", "note"]
    readonly_fields = ["created_at", "transition", "from_state", "to_state", "actor", "note"]
    can_delete = False
    ordering = ["created_at", "id"]
    verbose_name_plural = _("timeline")

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class ConnectionAdminForm(forms.ModelForm):
    class Meta:
        model = Connection
        fields = ["channel", "tls_version", "vpn_peer_address", "vpn_details"]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("channel"):
            try:
                channel_validate(
                    channel=cleaned["channel"],
                    tls_version=cleaned.get("tls_version") or "",
                    vpn_peer_address=cleaned.get("vpn_peer_address") or "",
                )
            except ValidationError as error:
                for field, field_messages in error.message_dict.items():
                    self.add_error(field if field in self.fields else None, field_messages)
        return cleaned


@admin.register(Connection)
class ConnectionAdmin(admin.ModelAdmin):
    form = ConnectionAdminForm
    change_form_template = "admin/connections/connection/change_form.html"
    list_display = ["customer", "flow", "state", "channel", "assigned_to", "state_changed_at"]
    list_filter = ["state", "flow", "channel"]
    list_select_related = ["customer", "flow", "assigned_to"]
    search_fields = ["=customer__htg_number", "=customer__eori", "=customer__kvk_number"]
    # The team member is given on the connection's page in the workspace (a team member, never any account).
    readonly_fields = ["customer", "flow", "state", "state_changed_at", "assigned_to", "created_at"]
    fields = [
        "customer",
        "flow",
        "state",
        "state_changed_at",
        "channel",
        "tls_version",
        "vpn_peer_address",
        "vpn_details",
        "assigned_to",
        "created_at",
    ]
    inlines = [ConnectionEventInline]
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def get_urls(self) -> list[URLPattern]:
        return [
            path(
                "<int:object_id>/transition/",
                self.admin_site.admin_view(self.transition_view),
                name="connections_connection_transition",
            ),
            *super().get_urls(),
        ]

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        connection = self.get_object(request, object_id)
        extra_context = extra_context or {}
        if connection is not None:
            extra_context["available_transitions"] = connection_available_transitions(
                connection=connection, user=request.user
            )
            extra_context["transition_url"] = reverse("admin:connections_connection_transition", args=[connection.pk])
        return super().change_view(request, object_id, form_url, extra_context)

    def transition_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        connection = get_object_or_404(Connection, pk=object_id)
        if not self.has_view_permission(request, connection):
            raise PermissionDenied
        with refusals_as_messages(request) as outcome:
            connection = connection_transition(
                connection_id=connection.pk,
                transition=request.POST.get("transition", ""),
                actor=request.user,
                note=request.POST.get("note", ""),
                expected_state=request.POST.get("expected_state") or None,
            )
        if outcome.ok:
            self.message_user(
                request, _("Done: the connection is now “%(state)s”.") % {"state": connection.get_state_display()}
            )
        return HttpResponseRedirect(reverse("admin:connections_connection_change", args=[object_id]))


class ReadOnlyAdmin(admin.ModelAdmin):
    """A record the application writes and nobody edits: the ledger, the sign-in links (hashes only)."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(HtgNumberAllocation)
class HtgNumberAllocationAdmin(ReadOnlyAdmin):
    list_display = ["number", "customer", "issued_at"]
    search_fields = ["=number"]
    raw_id_fields = ["customer"]


@admin.register(Refusal)
class RefusalAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "reason", "status", "method", "path", "username", "client_ip"]
    list_filter = ["reason", "status"]
    search_fields = ["username", "path", "=client_ip"]
    date_hierarchy = "created_at"


@admin.register(StaffPasswordReset)
class StaffPasswordResetAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "email", "requested_ip", "accounts", "rate_limited"]
    list_filter = ["rate_limited"]
    search_fields = ["email", "=requested_ip"]


class StaffAccountFilter(admin.SimpleListFilter):
    """By staff account (the team, the helpdesk, administrators); a company's account is found by its user name."""

    title = _("staff member")
    parameter_name = "user"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        accounts = get_user_model().objects.filter(Q(is_staff=True) | Q(is_superuser=True)).order_by("username")
        return [(str(account.pk), account.get_username()) for account in accounts]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        value = self.value()
        return queryset.filter(user_id=value) if value and value.isdigit() else queryset


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    """Sign-ins, failed sign-ins, refusals, transitions and helpdesk lookups in one list (a view over the tables
    that record them: connections.models.audit), for administrators."""

    list_display = ["created_at", "kind", "username", "what", "client_ip"]
    list_display_links = None
    list_filter = ["kind", StaffAccountFilter, ("created_at", admin.DateFieldListFilter)]
    search_fields = ["=username", "=client_ip"]
    show_full_result_count = False

    def has_view_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return bool(request.user.is_active and request.user.is_superuser)

"""Staff API tokens in the admin (the administrators' tool alone, htg_migration/admin.py): an administrator makes a
token for a member of the connection team, the core team or the helpdesk, sees it once, and revokes it. A company's
tokens are its own contacts' business, on the portal (api/views/tokens.py): they are not listed here."""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from api.models import ApiToken
from api.services.tokens import api_token_staff_create, api_token_staff_revoke, api_token_validate
from connections.permissions import STAFF_GROUPS
from htg_migration.errors import ApplicationError

SHOWN_ONCE_KEY = "admin_staff_api_token_shown_once"


class StaffApiTokenForm(forms.ModelForm):
    class Meta:
        model = ApiToken
        fields = ["user", "name", "scope", "expires_on"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        user_field = self.fields.get("user")  # absent on a token's own page: everything is read-only there
        if not isinstance(user_field, forms.ModelChoiceField):
            return
        user_field.required = True
        user_field.queryset = (
            get_user_model()
            .objects.filter(is_active=True, groups__name__in=STAFF_GROUPS)
            .distinct()
            .order_by("username")
        )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not self.errors:
            # The service's own rules (name, scope, expiry), asked before anything is made.
            try:
                api_token_validate(
                    name=cleaned.get("name") or "",
                    scope=cleaned.get("scope") or "",
                    expires_on=cleaned.get("expires_on"),
                )
            except ApplicationError as error:
                raise forms.ValidationError(error.message) from None
        return cleaned


@admin.register(ApiToken)
class StaffApiTokenAdmin(admin.ModelAdmin):
    form = StaffApiTokenForm
    list_display = ["name", "user", "prefix", "scope", "expires_on", "last_used_at", "last_used_from", "revoked_at"]
    list_select_related = ["user"]
    list_filter = ["scope"]
    search_fields = ["name", "user__username", "prefix"]
    actions = ["revoke"]
    change_form_template = "admin/api/apitoken/change_form.html"
    readonly_fields = [
        "user",
        "name",
        "prefix",
        "scope",
        "expires_on",
        "created_at",
        "last_used_at",
        "last_used_from",
        "revoked_at",
        "revoked_by",
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet[ApiToken]:
        return super().get_queryset(request).filter(user__isnull=False)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        # A token is made once and never edited: to change it, revoke it and make another.
        return list(self.readonly_fields) if obj is not None else []

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # revoked, never deleted: its last use stays on record

    def save_model(self, request: HttpRequest, obj: ApiToken, form: Any, change: bool) -> None:
        if change:
            return
        token, key = api_token_staff_create(
            user=form.cleaned_data["user"],
            name=form.cleaned_data["name"],
            scope=form.cleaned_data["scope"],
            expires_on=form.cleaned_data["expires_on"],
        )
        for field in ApiToken._meta.concrete_fields:
            setattr(obj, field.attname, getattr(token, field.attname))
        obj._state.adding = False
        request.session[SHOWN_ONCE_KEY] = {"id": token.pk, "key": key}

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        shown = request.session.pop(SHOWN_ONCE_KEY, None) if request.method == "GET" else None
        new_key = shown["key"] if shown and str(shown.get("id")) == str(object_id) else None
        return super().change_view(request, object_id, form_url, {**(extra_context or {}), "new_key": new_key})

    def response_add(self, request: HttpRequest, obj: ApiToken, post_url_continue: str | None = None) -> HttpResponse:
        # Straight to the token's own page, where its key is shown this once.
        return HttpResponseRedirect(reverse("admin:api_apitoken_change", args=[obj.pk]))

    @admin.action(description=gettext_lazy("Revoke the selected tokens"))
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        for token in queryset:
            api_token_staff_revoke(token_id=token.pk, actor=request.user)
        messages.success(request, _("The selected tokens are revoked: they no longer work."))

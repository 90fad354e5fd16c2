from typing import Any

from csp.constants import UNSAFE_INLINE
from csp.decorators import csp_update
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.template import TemplateSyntaxError
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from notifications.models import EmailTemplate, InboundBounce, OutboxEmail, SuppressedAddress
from notifications.services import address_normalise, email_template_render


@admin.register(EmailTemplate)
class EmailTemplateAdmin(admin.ModelAdmin):
    list_display = ("key", "language", "subject", "updated_at", "preview_link")
    list_filter = ("language",)
    search_fields = ("key", "subject")
    fields = ("key", "language", "subject", "body_text", "body_html", "example_context")

    @admin.display(description=_("preview"))
    def preview_link(self, template: EmailTemplate) -> str:
        url = reverse("admin:notifications_emailtemplate_preview", args=[template.pk])
        return format_html('<a href="{}">{}</a>', url, _("Preview with example data"))

    def get_urls(self) -> list[URLPattern]:
        # The e-mail's own HTML is shown in a sandboxed srcdoc frame, which inherits the page's Content-Security-
        # Policy; e-mail HTML is styled inline by nature, so this page (administrators only) allows inline styles,
        # never scripts.
        # (django-csp types its decorators for views that take the request alone.)
        preview_view = csp_update({"style-src": [UNSAFE_INLINE]})(self.preview_view)  # type: ignore[arg-type]
        preview = path(
            "<int:template_id>/preview/",
            self.admin_site.admin_view(preview_view),
            name="notifications_emailtemplate_preview",
        )
        return [preview, *super().get_urls()]

    def preview_view(self, request: HttpRequest, template_id: int) -> HttpResponse:
        template = get_object_or_404(EmailTemplate, pk=template_id)
        if not self.has_view_permission(request, template):
            raise PermissionDenied
        error = ""
        subject = body_text = body_html = ""
        try:
            example = template.example_context if isinstance(template.example_context, dict) else {}
            subject, body_text, body_html = email_template_render(template=template, context=example)
        except TemplateSyntaxError as syntax_error:
            error = str(syntax_error)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": template,
            "title": _("Preview of %(template)s") % {"template": template},
            "subject": subject,
            "body_text": body_text,
            "body_html": body_html,
            "error": error,
        }
        return TemplateResponse(request, "notifications/emailtemplate_preview.html", context)


@admin.register(OutboxEmail)
class OutboxEmailAdmin(admin.ModelAdmin):
    list_display = ("queued_at", "template_key", "language", "to_address", "status", "attempts", "sent_at")
    list_filter = ("status", "language", "template_key")
    search_fields = ("to_address", "dedupe_key", "message_id")
    date_hierarchy = "queued_at"
    readonly_fields = [field.name for field in OutboxEmail._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # an e-mail is written by the change that causes it, never by hand

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(InboundBounce)
class InboundBounceAdmin(admin.ModelAdmin):
    """Read only: bounces are written by the intake (notifications.bounce_intake); the unrecognised ones are here for
    a person to read, with the message as it was received."""

    list_display = ("received_at", "recipient", "status_code", "action", "outcome", "matched_email", "subject")
    list_filter = ("outcome", "action", "received_at")
    search_fields = ("recipient", "message_id", "original_message_id", "subject", "sender")
    date_hierarchy = "received_at"
    list_select_related = ("email",)
    fields = (
        "received_at",
        "processed_at",
        "outcome",
        "note",
        "recipient",
        "action",
        "status_code",
        "diagnostic",
        "matched_email",
        "original_message_id",
        "message_id",
        "sender",
        "subject",
        "raw_size",
        "raw_sha256",
        "raw_text",
    )
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> Any:
        # Up to 256 KB a row: the list does not need the message; a bounce's page loads it with one more query.
        return super().get_queryset(request).defer("raw_message")

    @admin.display(description=_("e-mail"), ordering="email")
    def matched_email(self, bounce: InboundBounce) -> str:
        if bounce.email is None:
            return "-"
        url = reverse("admin:notifications_outboxemail_change", args=[bounce.email.pk])
        return format_html('<a href="{}">{}</a>', url, bounce.email)

    @admin.display(description=_("message as received"))
    def raw_text(self, bounce: InboundBounce) -> str:
        raw = bytes(bounce.raw_message)
        cut = ""
        if bounce.raw_size > len(raw):
            cut = _("(The first %(kept)s of %(size)s bytes; the rest was not kept.)") % {
                "kept": len(raw),
                "size": bounce.raw_size,
            }
        return format_html(
            '<pre class="htg-preformatted htg-preformatted--scroll">{}</pre>{}',
            raw.decode("utf-8", errors="replace"),
            cut,
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # a bounce is what came in, never written by hand

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(SuppressedAddress)
class SuppressedAddressAdmin(admin.ModelAdmin):
    list_display = ("address", "reason", "created_at")
    list_filter = ("reason",)
    search_fields = ("address",)
    readonly_fields = ("created_at",)

    def save_model(self, request: HttpRequest, obj: SuppressedAddress, form: object, change: bool) -> None:
        obj.address = address_normalise(obj.address)
        super().save_model(request, obj, form, change)

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from community.models import Document
from community.services.documents import document_delete, document_file_check


class DocumentAdminForm(forms.ModelForm):
    class Meta:
        model = Document
        fields = ("title_nl", "title_en", "kind", "plateau_number", "file")

    def clean_file(self) -> Any:
        uploaded = self.cleaned_data.get("file")
        if self.instance.pk is None or "file" in self.changed_data:
            try:
                self.checked_type = document_file_check(uploaded_file=uploaded)
            except ValidationError as error:
                raise ValidationError(error.message_dict["file"]) from None
        return uploaded


@admin.register(Document)
class DocumentAdmin(admin.ModelAdmin):
    """The same checks as the team's upload page (community.services.documents): type by extension and content, size."""

    form = DocumentAdminForm
    list_display = ("title_en", "title_nl", "kind", "plateau_number", "file_type", "size", "uploaded_at")
    list_filter = ("kind", "file_type")
    search_fields = ("title_nl", "title_en", "file_name")
    readonly_fields = ("file_name", "file_type", "size", "uploaded_by", "uploaded_at")

    def get_fields(self, request: HttpRequest, obj: Document | None = None) -> Any:
        # A published file is replaced by publishing a new document, so the file of a row never changes; it is shown
        # as a link to the team's download (MEDIA_ROOT has no public URL).
        if obj is None:
            return ("title_nl", "title_en", "kind", "plateau_number", "file")
        return ("title_nl", "title_en", "kind", "plateau_number", "download", *self.readonly_fields)

    def get_readonly_fields(self, request: HttpRequest, obj: Document | None = None) -> Any:
        return (*self.readonly_fields, "download") if obj is not None else self.readonly_fields

    @admin.display(description=_("file"))
    def download(self, document: Document) -> str:
        url = reverse("community:document_download", args=[document.pk])
        return format_html('<a href="{}">{}</a>', url, document.file_name)

    def save_model(self, request: HttpRequest, obj: Document, form: Any, change: bool) -> None:
        if not change:
            uploaded = form.cleaned_data["file"]
            obj.file_name = uploaded.name[-200:]
            obj.file_type = form.checked_type
            obj.size = uploaded.size
            obj.uploaded_by = request.user  # type: ignore[assignment]  # the admin is signed in
        super().save_model(request, obj, form, change)

    def delete_model(self, request: HttpRequest, obj: Document) -> None:
        document_delete(document_id=obj.pk)

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        for document_id in queryset.values_list("pk", flat=True):
            document_delete(document_id=document_id)

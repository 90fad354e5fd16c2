"""The team publishes specifications and schedules for the HTG Community area (and withdraws them)."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe

from community.models import Document
from community.selectors.documents import document_get, document_list
from community.services.documents import EXTENSIONS, document_content_type, document_delete, document_upload
from connections.views.access import team_required
from connections.views.feedback import form_errors_add
from htg_migration.forms import HtgForm
from plateaus.selectors import plateau_numbers


class DocumentForm(HtgForm):
    title_nl = forms.CharField(label=gettext_lazy("Title (Dutch)"), max_length=200)
    title_en = forms.CharField(label=gettext_lazy("Title (English)"), max_length=200)
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=Document.Kind.choices)
    plateau_number = forms.TypedChoiceField(
        label=gettext_lazy("Plateau (optional)"), coerce=int, required=False, empty_value=None
    )
    file = forms.FileField(
        label=gettext_lazy("File"),
        help_text=gettext_lazy("PDF, XLSX, DOCX, ZIP, TXT or CSV."),
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(EXTENSIONS)}),
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["plateau_number"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", _("All plateaus"))] + [(str(number), str(number)) for number in plateau_numbers()]


@team_required
def document_list_view(request: HttpRequest) -> HttpResponse:
    form = DocumentForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            fields = dict(form.cleaned_data)
            document = document_upload(uploaded_by=request.user, uploaded_file=fields.pop("file"), **fields)
        except ValidationError as error:
            form_errors_add(form, error)
        else:
            messages.success(
                request,
                _("Published in the HTG Community area: %(title)s.") % {"title": document.title_en},
            )
            return HttpResponseRedirect(reverse("community:document_list"))
    context = {
        "nav_active": "documents",
        "form": form,
        "documents": list(document_list()),
        "limit_megabytes": f"{settings.HTG_DOCUMENT_MAX_BYTES / 1_000_000:g}",
    }
    return render(request, "community/document_list.html", context, status=400 if form.errors else 200)


@require_POST
@team_required
def document_delete_view(request: HttpRequest, document_id: int) -> HttpResponse:
    document = document_delete(document_id=document_id)
    if document is None:
        raise Http404
    messages.success(request, _("Withdrawn from the HTG Community area: %(title)s.") % {"title": document.title_en})
    return HttpResponseRedirect(reverse("community:document_list"))


@require_safe
@team_required
def document_download_view(request: HttpRequest, document_id: int) -> FileResponse:
    return document_file_response(document_id)


def document_file_response(document_id: int) -> FileResponse:
    """The document's file as a download (never shown inline, never sniffed into another type); 404 when the
    document or its file is not there. The team's page and the community area both serve files this way."""
    document = document_get(document_id=document_id)
    if document is None:
        raise Http404
    try:
        handle = document.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(
        handle, as_attachment=True, filename=document.file_name, content_type=document_content_type(document)
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


urlpatterns = [
    path("team/documents/", document_list_view, name="document_list"),
    path("team/documents/<int:document_id>/delete/", document_delete_view, name="document_delete"),
    path("team/documents/<int:document_id>/download/", document_download_view, name="document_download"),
]

"""Import and export of the Digipoort registration list (CSV and XLSX): upload, report, import, export."""

import tempfile
from typing import cast

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import (
    FileResponse,
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseRedirect,
    JsonResponse,
    StreamingHttpResponse,
)
from django.shortcuts import get_object_or_404, render
from django.urls import path, reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from connections.selectors.connection_list import ConnectionFilters
from connections.views.access import team_required
from htg_migration import clock
from htg_migration.errors import ApplicationError
from imports.models import ImportBatch
from imports.selectors import import_batch_detail, import_batch_list, import_batch_progress, registration_export_rows
from imports.services import (
    import_batch_apply_request,
    import_batch_create,
    import_batch_resume,
)
from imports.services.batches import RUNNING_STATES
from imports.services.formats import csv_lines, write_xlsx

LIST_SIZE = 50
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _list_page(request: HttpRequest, *, file_errors: list[str], status: int = 200) -> HttpResponse:
    context = {
        "nav_active": "imports",
        "batches": import_batch_list()[:LIST_SIZE],
        "file_errors": file_errors,
        "limit_megabytes": f"{settings.HTG_IMPORT_MAX_BYTES / 1_000_000:g}",
    }
    return render(request, "imports/import_list.html", context, status=status)


@require_http_methods(["GET", "POST"])
@team_required
def import_list(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return _list_page(request, file_errors=[])
    try:
        batch = import_batch_create(created_by=request.user, uploaded_file=request.FILES.get("file"))
    except ValidationError as error:
        return _list_page(request, file_errors=error.messages, status=400)
    return HttpResponseRedirect(reverse("imports:import_detail", args=[batch.pk]))


@team_required
def import_detail(request: HttpRequest, batch_id: int) -> HttpResponse:
    batch = import_batch_detail(batch_id=batch_id)
    key = "message_nl" if get_language() == "nl" else "message_en"
    errors = [
        {"line": error["line"], "field": error["field"], "message": error.get(key) or error["message_en"]}
        for error in batch.errors
    ]
    context = {
        "nav_active": "imports",
        "batch": batch,
        "errors": errors,
        "errors_not_listed": max(batch.error_count - len(errors), 0),
        "running": batch.status in RUNNING_STATES,
    }
    return render(request, "imports/import_detail.html", context)


@team_required
def import_progress(request: HttpRequest, batch_id: int) -> JsonResponse:
    batch = import_batch_progress(batch_id=batch_id)
    return JsonResponse(
        {
            "done": batch.processed_rows,
            "total": batch.total_rows,
            "finished": batch.status not in RUNNING_STATES,
        }
    )


@require_POST
@team_required
def import_apply(request: HttpRequest, batch_id: int) -> HttpResponse:
    get_object_or_404(ImportBatch.objects.only("id"), pk=batch_id)
    try:
        import_batch_apply_request(batch_id=batch_id)
    except ApplicationError as error:
        messages.error(request, error.message)
    return HttpResponseRedirect(reverse("imports:import_detail", args=[batch_id]))


@require_POST
@team_required
def import_resume(request: HttpRequest, batch_id: int) -> HttpResponse:
    get_object_or_404(ImportBatch.objects.only("id"), pk=batch_id)
    import_batch_resume(batch_id=batch_id)
    messages.success(request, _("The work was started again."))
    return HttpResponseRedirect(reverse("imports:import_detail", args=[batch_id]))


@team_required
def connection_export(request: HttpRequest) -> HttpResponse:
    """The companies of the connection list, filtered as the list is, in the import's format (CSV or XLSX)."""
    file_format = request.GET.get("format", ImportBatch.Format.CSV)
    if file_format not in ImportBatch.Format.values:
        return HttpResponseBadRequest(_("Choose the format csv or xlsx."))
    today = clock.today()
    rows = registration_export_rows(filters=ConnectionFilters.from_query(request.GET), today=today)
    filename = f"digipoort-registrations-{today.isoformat()}.{file_format}"
    if file_format == ImportBatch.Format.CSV:
        response = StreamingHttpResponse(csv_lines(rows), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return cast(HttpResponse, response)  # team_required's type says HttpResponse; Django serves either
    # A workbook is a ZIP archive, written whole before it is sent; a temporary file keeps it out of memory.
    target = tempfile.TemporaryFile()  # noqa: SIM115 (FileResponse closes it)
    write_xlsx(rows, target)
    target.seek(0)
    return cast(
        HttpResponse, FileResponse(target, as_attachment=True, filename=filename, content_type=XLSX_CONTENT_TYPE)
    )


urlpatterns = [
    path("team/imports/", import_list, name="import_list"),
    path("team/imports/<int:batch_id>/", import_detail, name="import_detail"),
    path("team/imports/<int:batch_id>/progress.json", import_progress, name="import_progress"),
    path("team/imports/<int:batch_id>/import/", import_apply, name="import_apply"),
    path("team/imports/<int:batch_id>/resume/", import_resume, name="import_resume"),
    path("team/connections/export/", connection_export, name="connection_export"),
]

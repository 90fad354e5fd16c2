"""The team's traffic files: upload (with a progress bar), the check's report, the Apply button."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import path, reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from connections.services.submit_tokens import SUBMIT_TOKEN_FIELD, submit_token_parse
from connections.views.access import team_required
from htg_migration.errors import ApplicationError
from traffic.models import TrafficFile
from traffic.selectors import RUNNING, traffic_file_detail, traffic_file_list
from traffic.services.apply import traffic_file_apply_request
from traffic.services.receive import traffic_file_receive, traffic_request_too_large

LIST_SIZE = 50
# What a multipart request may add to the file itself (the boundary, the token, the CSRF field).


def _wants_json(request: HttpRequest) -> bool:
    return request.headers.get("X-Requested-With") == "XMLHttpRequest"


def _list_page(request: HttpRequest, *, file_errors: list[str], status: int = 200) -> HttpResponse:
    if _wants_json(request) and file_errors:
        return JsonResponse({"errors": file_errors}, status=status)
    context = {
        "nav_active": "traffic",
        "files": traffic_file_list()[:LIST_SIZE],
        "file_errors": file_errors,
        "limit_bytes": settings.HTG_TRAFFIC_MAX_BYTES,
        "limit_megabytes": f"{settings.HTG_TRAFFIC_MAX_BYTES / 1_000_000:g}",
    }
    return render(request, "traffic/traffic_list.html", context, status=status)


@require_http_methods(["GET", "POST"])
@team_required
def traffic_list(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return _list_page(request, file_errors=[])
    # Refused before the body is read: a file past the limit is not received at all.
    too_large = traffic_request_too_large(content_length=request.META.get("CONTENT_LENGTH"))
    if too_large is not None:
        return _list_page(request, file_errors=too_large.messages, status=413)
    upload = request.FILES.get("file")
    try:
        token = submit_token_parse(request.POST.get(SUBMIT_TOKEN_FIELD))
        if upload is None:
            raise ValidationError({"file": [_("Choose a file.")]})
        traffic_file = traffic_file_receive(
            name=upload.name or "",
            content=upload,
            size=upload.size or 0,
            source=TrafficFile.Source.UPLOAD,
            uploaded_by=request.user,
            submit_token=token,
        )
    except ValidationError as error:
        status = 413 if upload is not None and (upload.size or 0) > settings.HTG_TRAFFIC_MAX_BYTES else 400
        return _list_page(request, file_errors=error.messages, status=status)
    url = reverse("traffic:traffic_detail", args=[traffic_file.pk])
    if _wants_json(request):
        return JsonResponse({"url": url}, status=201)
    return HttpResponseRedirect(url)


@team_required
def traffic_detail(request: HttpRequest, file_id: int) -> HttpResponse:
    traffic_file = traffic_file_detail(file_id=file_id)
    key = "message_nl" if get_language() == "nl" else "message_en"
    report = [
        {"line": error["line"], "field": error["field"], "message": error.get(key) or error["message_en"]}
        for error in traffic_file.report
    ]
    context = {
        "nav_active": "traffic",
        "file": traffic_file,
        "report": report,
        "errors_not_listed": max(traffic_file.error_count - len(report), 0),
        "running": traffic_file.status in RUNNING,
    }
    return render(request, "traffic/traffic_detail.html", context)


@team_required
def traffic_progress(request: HttpRequest, file_id: int) -> JsonResponse:
    traffic_file = get_object_or_404(TrafficFile.objects.only("id", "status", "rows"), pk=file_id)
    finished = traffic_file.status not in RUNNING
    return JsonResponse({"done": int(finished), "total": 1, "finished": finished, "status": traffic_file.status})


@require_POST
@team_required
def traffic_apply(request: HttpRequest, file_id: int) -> HttpResponse:
    get_object_or_404(TrafficFile.objects.only("id"), pk=file_id)
    try:
        token = submit_token_parse(request.POST.get(SUBMIT_TOKEN_FIELD))
        traffic_file_apply_request(file_id=file_id, requested_by=request.user, submit_token=token)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    except ApplicationError as error:
        messages.error(request, error.message)
    return HttpResponseRedirect(reverse("traffic:traffic_detail", args=[file_id]))


urlpatterns = [
    path("team/traffic/", traffic_list, name="traffic_list"),
    path("team/traffic/<int:file_id>/", traffic_detail, name="traffic_detail"),
    path("team/traffic/<int:file_id>/progress.json", traffic_progress, name="traffic_progress"),
    path("team/traffic/<int:file_id>/apply/", traffic_apply, name="traffic_apply"),
]

"""The connection team's workspace: the connection list, a connection's page, its steps, bulk actions."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse, QueryDict
from django.shortcuts import get_object_or_404, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from connections.models import BulkJob, Connection
from connections.selectors.bulk import bulk_job_get, bulk_job_skipped
from connections.selectors.connection_detail import connection_detail
from connections.selectors.connection_list import (
    ConnectionFilters,
    connection_filter_options,
    connection_list,
    connection_list_hub,
)
from connections.services.bulk import bulk_job_create
from connections.services.submit_tokens import SUBMIT_TOKEN_FIELD, submit_token_parse
from connections.services.transitions import connection_transition, transition_label, transition_names
from connections.views.access import team_required
from connections.views.customers import connection_details_form
from connections.views.feedback import refusals_as_messages
from htg_migration import clock
from htg_migration.forms import posted_text, search_text
from htg_migration.parsing import parse_id

PAGE_SIZE = 50


@team_required
def connection_list_view(request: HttpRequest) -> HttpResponse:
    filters = ConnectionFilters.from_query(request.GET)
    search = search_text(request.GET)  # the filter dropped a refused search; the page says why
    for error in search.errors:
        messages.error(request, error)
    queryset = connection_list(filters=filters, today=clock.today())
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    hub = connection_list_hub(hub_id=filters.hub)
    context = {
        "nav_active": "connections",
        "filters": filters,
        "page": page,
        "hub": hub,
        "bulk_transitions": _bulk_transitions(),
        **connection_filter_options(),
    }
    return render(request, "connections/connection_list.html", context, status=400 if search.errors else 200)


@team_required
def connection_detail_view(request: HttpRequest, connection_id: int) -> HttpResponse:
    context = connection_detail(connection_id=connection_id, user=request.user)
    context["nav_active"] = "connections"
    context["details_form"] = connection_details_form(context["connection"])
    return render(request, "connections/connection_detail.html", context)


@require_POST
@team_required
def connection_transition_view(request: HttpRequest, connection_id: int) -> HttpResponse:
    get_object_or_404(Connection.objects.only("id"), pk=connection_id)
    with refusals_as_messages(request) as outcome:
        connection = connection_transition(
            connection_id=connection_id,
            transition=request.POST.get("transition", ""),
            actor=request.user,
            note=posted_text(request.POST, "note")[:2000],
            expected_state=request.POST.get("expected_state") or None,
        )
    if outcome.ok:
        messages.success(
            request, _("Done: the connection is now “%(state)s”.") % {"state": connection.get_state_display()}
        )
    return HttpResponseRedirect(reverse("connections:connection_detail", args=[connection_id]))


urlpatterns = [
    path("team/connections/", connection_list_view, name="connection_list"),
    path("team/connections/<int:connection_id>/", connection_detail_view, name="connection_detail"),
    path("team/connections/<int:connection_id>/step/", connection_transition_view, name="connection_transition"),
]


def _bulk_transitions() -> list[tuple[str, str]]:
    return [(name, transition_label(name)) for name in transition_names() if name not in {"resume"}]


@require_POST
@team_required
def bulk_job_create_view(request: HttpRequest) -> HttpResponse:
    selection = request.POST.get("selection", "")
    back = reverse("connections:connection_list") + (f"?{selection}" if selection else "")
    action_value = request.POST.get("action", "")
    action, _separator, transition = action_value.partition(":")
    limit_text = request.POST.get("limit", "").strip()
    assignee_text = request.POST.get("assignee", "").strip()
    if request.POST.get("scope") == "all":
        filters = ConnectionFilters.from_query(QueryDict(selection))
        connections = connection_list(filters=filters, today=clock.today())
    else:
        ids = [number for number in map(parse_id, request.POST.getlist("connection")) if number is not None]
        connections = Connection.objects.filter(pk__in=ids).order_by("id")
    try:
        note = posted_text(request.POST, "note")
        posted_text(request.POST, "selection")  # kept on the job as the list filter it came from
        # Refused like the form's other fields: the message on the list, whose form has a new token.
        submit_token = submit_token_parse(request.POST.get(SUBMIT_TOKEN_FIELD))
        if assignee_text and parse_id(assignee_text) is None:
            raise ValidationError({"assignee": [_("Choose a member of the connection team.")]})
        if limit_text and parse_id(limit_text) is None:
            raise ValidationError({"limit": [_("Enter a whole number.")]})
        job = bulk_job_create(
            created_by=request.user,
            action=action,
            transition=transition,
            connections=connections,
            assignee_id=parse_id(assignee_text),
            note=note,
            selection=selection,
            limit=parse_id(limit_text),
            submit_token=submit_token,
        )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return HttpResponseRedirect(back)
    return HttpResponseRedirect(reverse("connections:bulk_job_detail", args=[job.pk]))


@team_required
def bulk_job_detail_view(request: HttpRequest, job_id: int) -> HttpResponse:
    job = bulk_job_get(job_id=job_id)
    skipped = bulk_job_skipped(job=job)
    context = {
        "nav_active": "connections",
        "job": job,
        "job_label": transition_label(job.transition) if job.transition else job.get_action_display(),
        "skipped": skipped,
        "processed": job.done_count + job.skipped_count,
    }
    return render(request, "connections/bulk_job_detail.html", context)


@team_required
def bulk_job_progress_view(request: HttpRequest, job_id: int) -> JsonResponse:
    job = bulk_job_get(job_id=job_id)
    return JsonResponse(
        {
            "done": job.done_count + job.skipped_count,
            "total": job.total,
            "finished": job.status == BulkJob.Status.FINISHED,
        }
    )


urlpatterns += [
    path("team/bulk/", bulk_job_create_view, name="bulk_job_create"),
    path("team/bulk/<int:job_id>/", bulk_job_detail_view, name="bulk_job_detail"),
    path("team/bulk/<int:job_id>/progress.json", bulk_job_progress_view, name="bulk_job_progress"),
]

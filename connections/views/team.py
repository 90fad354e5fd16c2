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
from connections.selectors.bulk import (
    BulkSummary,
    bulk_job_get,
    bulk_job_skipped,
    bulk_selection_summary,
    bulk_step_source_states,
    bulk_steps,
    connection_states_present,
)
from connections.selectors.connection_detail import connection_detail
from connections.selectors.connection_list import (
    ConnectionFilters,
    connection_filter_options,
    connection_list,
    connection_list_hub,
)
from connections.selectors.connections import team_members
from connections.services.bulk import bulk_job_create, bulk_job_validate, bulk_needs_confirmation
from connections.services.connections import connection_assign
from connections.services.submit_tokens import SUBMIT_TOKEN_FIELD, submit_token_parse
from connections.services.transitions import connection_transition, transition_label
from connections.templatetags.htg import person
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
    # The bulk form offers the steps that leave from a state some connection of the list is in.
    states = connection_states_present(connections=queryset, candidates=bulk_step_source_states(filters=filters))
    hub = connection_list_hub(hub_id=filters.hub)
    context = {
        "nav_active": "connections",
        "filters": filters,
        "page": page,
        "hub": hub,
        "bulk_steps": bulk_steps(states=states, user=request.user),
        **connection_filter_options(),
    }
    return render(request, "connections/connection_list.html", context, status=400 if search.errors else 200)


@team_required
def connection_detail_view(request: HttpRequest, connection_id: int) -> HttpResponse:
    context = connection_detail(connection_id=connection_id, user=request.user)
    context["nav_active"] = "connections"
    context["details_form"] = connection_details_form(context["connection"])
    context["team_members"] = team_members()
    return render(request, "connections/connection_detail.html", context)


@require_POST
@team_required
def connection_assign_view(request: HttpRequest, connection_id: int) -> HttpResponse:
    """Give the connection to a team member (or to nobody), from its page: a timeline event."""
    get_object_or_404(Connection.objects.only("id"), pk=connection_id)
    back = HttpResponseRedirect(reverse("connections:connection_detail", args=[connection_id]) + "#assign-heading")
    raw = request.POST.get("assignee", "").strip()
    assignee_id = request.user.pk if raw == "me" else parse_id(raw)
    if raw and assignee_id is None:
        messages.error(request, _("Choose a member of the connection team."))
        return back
    with refusals_as_messages(request) as outcome:
        connection = connection_assign(
            connection_id=connection_id,
            assignee_id=assignee_id,
            actor=request.user,
            note=posted_text(request.POST, "note"),
        )
    if outcome.ok:
        if connection.assigned_to is None:
            messages.success(request, _("Nobody is assigned to this connection now."))
        else:
            messages.success(
                request, _("%(name)s now works on this connection.") % {"name": person(connection.assigned_to)}
            )
    return back


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
    path("team/connections/<int:connection_id>/assign/", connection_assign_view, name="connection_assign"),
]


@require_POST
@team_required
def bulk_job_create_view(request: HttpRequest) -> HttpResponse:
    """Start a bulk job from the connection list. A final step (withdraw, missed) and "every connection that
    matches the filter" first show a confirmation page with the count; its button sends the same form again with
    that count, and the job is made only if the selection still holds exactly that many."""
    selection = request.POST.get("selection", "")
    back = reverse("connections:connection_list") + (f"?{selection}" if selection else "")
    action_value = request.POST.get("action", "")
    action, _separator, transition = action_value.partition(":")
    limit_text = request.POST.get("limit", "").strip()
    assignee_text = request.POST.get("assignee", "").strip()
    scope_all = request.POST.get("scope") == "all"
    if scope_all:
        filters = ConnectionFilters.from_query(QueryDict(selection))
        connections = connection_list(filters=filters, today=clock.today())
    else:
        ids = [number for number in map(parse_id, request.POST.getlist("connection")) if number is not None]
        connections = Connection.objects.filter(pk__in=ids).order_by("id")
    confirmed_total = parse_id(request.POST.get("confirmed_total", "").strip())
    try:
        note = posted_text(request.POST, "note")
        posted_text(request.POST, "selection")  # kept on the job as the list filter it came from
        # Refused like the form's other fields: the message on the list, whose form has a new token.
        submit_token = submit_token_parse(request.POST.get(SUBMIT_TOKEN_FIELD))
        if assignee_text and parse_id(assignee_text) is None:
            raise ValidationError({"assignee": [_("Choose a member of the connection team.")]})
        if limit_text and parse_id(limit_text) is None:
            raise ValidationError({"limit": [_("Enter a whole number.")]})
        assignee_id, limit = parse_id(assignee_text), parse_id(limit_text)
        if (scope_all or bulk_needs_confirmation(action=action, transition=transition)) and confirmed_total is None:
            bulk_job_validate(action=action, transition=transition, assignee_id=assignee_id, limit=limit)
            summary = bulk_selection_summary(connections=connections, limit=limit, transition=transition)
            if summary.total:
                return _bulk_confirm_page(
                    request, summary=summary, action=action, transition=transition, assignee_id=assignee_id, back=back
                )
        job = bulk_job_create(
            created_by=request.user,
            action=action,
            transition=transition,
            connections=connections,
            assignee_id=assignee_id,
            note=note,
            selection=selection,
            limit=limit,
            submit_token=submit_token,
            confirmed_total=confirmed_total,
        )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return HttpResponseRedirect(back)
    return HttpResponseRedirect(reverse("connections:bulk_job_detail", args=[job.pk]))


def _bulk_confirm_page(
    request: HttpRequest, *, summary: BulkSummary, action: str, transition: str, assignee_id: int | None, back: str
) -> HttpResponse:
    if action == BulkJob.Action.TRANSITION:
        label = transition_label(transition)
    elif assignee_id is None:
        label = _("Remove the assignment")
    else:
        assignee = next((member for member in team_members() if member.pk == assignee_id), None)
        label = _("Assign to %(name)s") % {"name": person(assignee)}
    context = {
        "nav_active": "connections",
        "summary": summary,
        "label": label,
        "is_final": bulk_needs_confirmation(action=action, transition=transition),
        "scope_all": request.POST.get("scope") == "all",
        "posted": [
            (name, value)
            for name in ("scope", "selection", "action", "limit", "assignee", "note", SUBMIT_TOKEN_FIELD, "connection")
            for value in request.POST.getlist(name)
        ],
        "back": back,
    }
    return render(request, "connections/bulk_job_confirm.html", context)


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

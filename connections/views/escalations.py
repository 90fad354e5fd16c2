"""The core team's escalation queue: companies that did not respond to two reminders, to approach directly.

A sortable, filtered, paginated table (the filter lives in the URL). Each row's actions are plain POST forms that
come back to the same list, page and row (`#escalation-<id>`), with the confirmation beside that row: no script
needed.
"""

from collections.abc import Callable

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.shortcuts import get_object_or_404, render
from django.urls import path, reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from connections.models import Escalation
from connections.selectors.escalations import (
    OWNER_ME,
    OWNER_NOBODY,
    EscalationFilters,
    core_team_members,
    escalation_queue,
    escalation_rows_decorate,
)
from connections.services.escalations import escalation_assign, escalation_close, escalation_note
from connections.views.access import core_team_required
from connections.views.feedback import messages_by_row, refusals_as_messages, row_message
from htg_migration import clock
from htg_migration.forms import posted_text
from htg_migration.parsing import parse_id
from plateaus.selectors import plateau_numbers

PAGE_SIZE = 50


def _row(escalation_id: int) -> str:
    return f"escalation-{escalation_id}"


@core_team_required
def escalation_queue_view(request: HttpRequest) -> HttpResponse:
    filters = EscalationFilters.from_query(request.GET)
    queryset = escalation_queue(filters=filters, user_id=request.user.pk or 0)
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = escalation_rows_decorate(list(page.object_list), today=clock.today())
    page_messages, row_messages = messages_by_row(request, rows=[_row(row.pk) for row in rows])
    for row in rows:
        row.messages = row_messages.get(_row(row.pk), [])  # type: ignore[attr-defined]
    back = urlencode(filters.as_query(page=page.number if page.number > 1 else None))
    context = {
        "nav_active": "escalations",
        "messages": page_messages,
        "filters": filters,
        "page": page,
        "rows": rows,
        "back": back,
        "scopes": [("open", _("Open")), ("closed", _("Closed"))],
        "core_team": core_team_members(),
        "plateaus": plateau_numbers(),
        "owner_me": OWNER_ME,
        "owner_nobody": OWNER_NOBODY,
        "outcomes": Escalation.Outcome.choices,
    }
    return render(request, "connections/escalation_queue.html", context)


def _back(request: HttpRequest, escalation_id: int) -> HttpResponseRedirect:
    """The list the form was on (filter, sort, page: parsed again, so nothing hostile is echoed), at the row."""
    posted = QueryDict(request.POST.get("back", "")[:2000])
    filters = EscalationFilters.from_query(posted)
    page = parse_id(posted.get("page") or "")
    query = urlencode(filters.as_query(page=page if page and page > 1 else None))
    url = reverse("connections:escalation_queue") + (f"?{query}" if query else "")
    return HttpResponseRedirect(f"{url}#{_row(escalation_id)}")


def _act(request: HttpRequest, escalation_id: int, action: Callable[[], object], success: str) -> HttpResponse:
    get_object_or_404(Escalation.objects.only("id"), pk=escalation_id)
    with refusals_as_messages(request, row=_row(escalation_id)) as outcome:
        action()
    if outcome.ok:
        row_message(request, messages.SUCCESS, success, row=_row(escalation_id))
    return _back(request, escalation_id)


def _name(escalation_id: int) -> str:
    escalation = (
        Escalation.objects.select_related("connection__customer", "connection__flow")
        .only("connection__customer__legal_name", "connection__flow__code")
        .get(pk=escalation_id)
    )
    return f"{escalation.connection.customer.legal_name} · {escalation.connection.flow.code}"


@require_POST
@core_team_required
def escalation_assign_view(request: HttpRequest, escalation_id: int) -> HttpResponse:
    raw_owner = request.POST.get("owner", "").strip()
    if raw_owner == OWNER_ME:
        owner_id: int | None = request.user.pk
    else:
        owner_id = parse_id(raw_owner)
        if raw_owner and owner_id is None:  # neither a person nor "nobody": refused, nothing changes
            get_object_or_404(Escalation.objects.only("id"), pk=escalation_id)
            row_message(request, messages.ERROR, _("Choose a member of the core team."), row=_row(escalation_id))
            return _back(request, escalation_id)
    return _act(
        request,
        escalation_id,
        lambda: escalation_assign(escalation_id=escalation_id, owner_id=owner_id, actor=request.user),
        _("Owner saved."),
    )


@require_POST
@core_team_required
def escalation_note_view(request: HttpRequest, escalation_id: int) -> HttpResponse:
    return _act(
        request,
        escalation_id,
        lambda: escalation_note(
            escalation_id=escalation_id, notes=posted_text(request.POST, "notes"), actor=request.user
        ),
        _("Notes saved."),
    )


@require_POST
@core_team_required
def escalation_close_view(request: HttpRequest, escalation_id: int) -> HttpResponse:
    outcome = request.POST.get("outcome", "")
    get_object_or_404(Escalation.objects.only("id"), pk=escalation_id)
    # A closed escalation leaves the open list: its confirmation names it, for the top of the page.
    return _act(
        request,
        escalation_id,
        lambda: escalation_close(escalation_id=escalation_id, outcome=outcome, actor=request.user),
        _("Escalation of %(name)s closed.") % {"name": _name(escalation_id)},
    )


urlpatterns = [
    path("team/escalations/", escalation_queue_view, name="escalation_queue"),
    path("team/escalations/<int:escalation_id>/assign/", escalation_assign_view, name="escalation_assign"),
    path("team/escalations/<int:escalation_id>/notes/", escalation_note_view, name="escalation_note"),
    path("team/escalations/<int:escalation_id>/close/", escalation_close_view, name="escalation_close"),
]

"""The core team's escalation queue: companies that did not respond to two reminders, to approach directly."""

from collections.abc import Callable

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from connections.models import Escalation
from connections.selectors.escalations import ESCALATION_SCOPES, core_team_members, escalation_queue
from connections.services.escalations import escalation_assign, escalation_close, escalation_note
from connections.views.access import core_team_required
from connections.views.feedback import refusals_as_messages
from htg_migration.forms import posted_text
from htg_migration.parsing import parse_id

QUEUE_LIMIT = 200


def _scope(value: str | None) -> str:
    return value if value in ESCALATION_SCOPES else "open"


@core_team_required
def escalation_queue_view(request: HttpRequest) -> HttpResponse:
    scope = _scope(request.GET.get("scope"))
    context = {
        "nav_active": "escalations",
        "scope": scope,
        "scopes": [("open", _("Open")), ("closed", _("Closed"))],
        "escalations": list(escalation_queue(scope=scope)[:QUEUE_LIMIT]),
        "core_team": core_team_members(),
        "outcomes": Escalation.Outcome.choices,
    }
    return render(request, "connections/escalation_queue.html", context)


def _act(request: HttpRequest, escalation_id: int, action: Callable[[], object], success: str) -> HttpResponse:
    get_object_or_404(Escalation.objects.only("id"), pk=escalation_id)
    with refusals_as_messages(request) as outcome:
        action()
    if outcome.ok:
        messages.success(request, success)
    scope = _scope(request.POST.get("scope"))
    return HttpResponseRedirect(reverse("connections:escalation_queue") + f"?scope={scope}#escalation-{escalation_id}")


@require_POST
@core_team_required
def escalation_assign_view(request: HttpRequest, escalation_id: int) -> HttpResponse:
    raw_owner = request.POST.get("owner", "").strip()
    if raw_owner == "me":
        owner_id: int | None = request.user.pk
    else:
        owner_id = parse_id(raw_owner)
        if raw_owner and owner_id is None:  # neither a person nor "nobody": refused, nothing changes
            messages.error(request, _("Choose a member of the core team."))
            return HttpResponseRedirect(reverse("connections:escalation_queue") + f"#escalation-{escalation_id}")
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
    return _act(
        request,
        escalation_id,
        lambda: escalation_close(escalation_id=escalation_id, outcome=outcome, actor=request.user),
        _("Escalation closed."),
    )


urlpatterns = [
    path("team/escalations/", escalation_queue_view, name="escalation_queue"),
    path("team/escalations/<int:escalation_id>/assign/", escalation_assign_view, name="escalation_assign"),
    path("team/escalations/<int:escalation_id>/notes/", escalation_note_view, name="escalation_note"),
    path("team/escalations/<int:escalation_id>/close/", escalation_close_view, name="escalation_close"),
]

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect

from connections.permissions import is_helpdesk, is_team_member
from connections.selectors.company_access import portal_contact
from connections.services.health import readiness


def home(request: HttpRequest) -> HttpResponse:
    if portal_contact(request.user) is not None:
        return redirect("portal:status")
    if request.user.is_authenticated and is_team_member(request.user):
        return redirect("connections:connection_list")
    if request.user.is_authenticated and is_helpdesk(request.user):
        return redirect("helpdesk:helpdesk_lookup")
    if request.user.is_authenticated and request.user.is_superuser:
        return redirect("admin:index")
    return redirect("login")


def health(request: HttpRequest) -> JsonResponse:
    """Liveness: this process answers. It asks nothing of the database or anything else (that is `/readyz`), so a
    dependency that is down never gets the web processes restarted."""
    return JsonResponse({"status": "alive"})


def ready(request: HttpRequest) -> JsonResponse:
    """Readiness, in JSON: each dependency and background process, with its error or its heartbeat's age. 503 only
    when no page can be served (the database is down); a worker, scheduler, broker or cache that is down is reported
    as "degraded" with 200, because pages still work."""
    answer = readiness()
    response = JsonResponse(answer, status=503 if answer["status"] == "down" else 200)
    response["Cache-Control"] = "no-store"
    return response

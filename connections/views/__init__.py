from django.db import connection as database
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect

from connections.permissions import is_helpdesk, is_team_member
from connections.selectors.company_access import portal_contact


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
    with database.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})

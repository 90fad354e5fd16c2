from django.db import connection as database
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect


def home(request: HttpRequest) -> HttpResponse:
    # The team workspace, portal and helpdesk come in their own issues; until then staff work in the admin.
    return redirect("admin:index")


def health(request: HttpRequest) -> JsonResponse:
    with database.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})

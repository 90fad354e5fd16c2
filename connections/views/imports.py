"""Import and export of the Digipoort registration list (CSV and XLSX)."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path

from connections.views.access import team_required


@team_required
def import_list(request: HttpRequest) -> HttpResponse:
    return render(request, "connections/import_list.html", {"nav_active": "imports"})


urlpatterns = [
    path("team/imports/", import_list, name="import_list"),
]

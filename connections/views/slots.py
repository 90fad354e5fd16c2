"""Slot planning (the team's availability, one-hour slots, capacity, the iCalendar feed)."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path

from connections.views.access import team_required


@team_required
def slot_planning(request: HttpRequest) -> HttpResponse:
    return render(request, "connections/slot_planning.html", {"nav_active": "slots"})


urlpatterns = [
    path("team/slots/", slot_planning, name="slot_planning"),
]

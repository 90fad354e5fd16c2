"""A hub's or software supplier's clients in one list: each client's flows, their states and the next step, with
links to act for the client through the same pages the client itself uses."""

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path

from connections.helpdesk_scripts import STEP_GUIDES
from connections.views.access import company_required
from htg_migration.forms import search_text
from portal.selectors.actions import portal_client_list

PAGE_SIZE = 25


@company_required
def client_list_view(request: HttpRequest) -> HttpResponse:
    search = search_text(request.GET)
    query = search.text
    page = Paginator(portal_client_list(user=request.user, query=query), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "query": query,
        "search_errors": search.errors,
        "company": request.portal_contact.customer,  # type: ignore[attr-defined]
        "next_steps": {state: guide.company_next for state, guide in STEP_GUIDES.items()},
    }
    return render(request, "portal/clients.html", context, status=400 if search.errors else 200)


urlpatterns = [
    path("clients/", client_list_view, name="clients"),
]

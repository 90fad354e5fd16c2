"""A hub's or software supplier's clients in one list: each client's flows, their states, due dates and the next
step, with links to act for the client through the same pages the client itself uses. Filters (a name or HTG
number, "needs my action", "overdue") are in the URL, so a filtered list is a link."""

from typing import Any
from urllib.parse import urlencode

from django import forms
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils.translation import gettext_lazy

from connections.helpdesk_scripts import STEP_GUIDES
from connections.views.access import company_required
from htg_migration import clock
from htg_migration.forms import SEARCH_MAX_LENGTH, HtgForm
from portal.selectors.actions import portal_client_list

PAGE_SIZE = 25


class ClientFilterForm(HtgForm):
    q = forms.CharField(
        label=gettext_lazy("Name or HTG number"),
        required=False,
        widget=forms.SearchInput(attrs={"maxlength": SEARCH_MAX_LENGTH}),
    )
    action = forms.BooleanField(label=gettext_lazy("Needs my action"), required=False)
    overdue = forms.BooleanField(label=gettext_lazy("Overdue"), required=False)

    def clean_q(self) -> str:
        return str(self.cleaned_data["q"])[:SEARCH_MAX_LENGTH]  # cut, as the box's own maxlength would

    def filters(self) -> dict[str, Any]:
        """What the list is narrowed to: the fields that were understood (a refused search is no search)."""
        cleaned = getattr(self, "cleaned_data", {})
        return {
            "query": cleaned.get("q", ""),
            "needs_action": bool(cleaned.get("action")),
            "overdue": bool(cleaned.get("overdue")),
        }


@company_required
def client_list_view(request: HttpRequest) -> HttpResponse:
    form = ClientFilterForm(request.GET)
    form.is_valid()
    filters = form.filters()
    clients = portal_client_list(user=request.user, today=clock.today(), **filters)
    page = Paginator(clients, PAGE_SIZE).get_page(request.GET.get("page"))
    link = {"q": filters["query"], "action": filters["needs_action"], "overdue": filters["overdue"]}
    context = {
        "page": page,
        "form": form,
        "query": filters["query"],
        "is_filtered": any(filters.values()),
        "filter_query": urlencode({key: "1" if value is True else value for key, value in link.items() if value}),
        "company": request.portal_contact.customer,  # type: ignore[attr-defined]
        "next_steps": {state: guide.company_next for state, guide in STEP_GUIDES.items()},
        "today": clock.today(),
    }
    return render(request, "portal/clients.html", context, status=400 if form.errors else 200)


urlpatterns = [
    path("clients/", client_list_view, name="clients"),
]

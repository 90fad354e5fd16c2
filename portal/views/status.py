"""The company's status page: its HTG number, and per message flow where it stands and who does what next."""

from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import path

from connections.views.access import company_required
from portal.selectors.intake import portal_status
from portal.views.account import portal_identity


def status_view(request: HttpRequest) -> HttpResponseBase:
    identity = portal_identity(request)
    if identity is not None and identity.contact is None:
        return redirect("portal:intake")  # a new company: nothing to show before its intake
    return _status_page(request)


@company_required
def _status_page(request: HttpRequest) -> HttpResponse:
    contact = request.portal_contact  # type: ignore[attr-defined]
    status = portal_status(customer_id=contact.customer_id)
    return render(request, "portal/status.html", {"status": status, "nav_active": "status"})


urlpatterns = [
    path("status/", status_view, name="status"),
]

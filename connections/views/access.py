"""Who may open which page. Every view of the staff workspace is wrapped in one of these; every page a company uses
(the portal, the community area) in `company_required`.

A company page loads every object through `portal_customers` or `portal_connections`
(connections/selectors/company_access.py; `portal_connection_get` below), so a company never reaches another
company's data: a guessed or tampered id is a 404, exactly as if it did not exist.
"""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse

from connections.models import Connection
from connections.permissions import is_core_team, is_helpdesk, is_team_member
from connections.selectors.company_access import portal_connections, portal_contact

View = Callable[..., HttpResponseBase]


def _require(check: Callable[[Any], bool]) -> Callable[[View], View]:
    def decorator(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not check(request.user):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


# The connection team and the core team.
team_required = _require(is_team_member)
# Anyone of staff who works with companies: the team, the core team and the helpdesk.
staff_required = _require(lambda user: is_team_member(user) or is_helpdesk(user))
# The core team only (the escalation queue).
core_team_required = _require(is_core_team)


def portal_connection_get(user: Any, connection_id: int) -> Connection:
    connection = portal_connections(user).select_related("customer", "flow").filter(pk=connection_id).first()
    if connection is None:
        raise Http404
    return connection


def company_required(view: View) -> View:
    """A signed-in company contact; anyone else is sent to the portal's sign-in page (staff get a 404)."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return portal_sign_in_redirect(request)
        contact = portal_contact(request.user)
        if contact is None:
            raise Http404
        request.portal_contact = contact  # type: ignore[attr-defined]
        return view(request, *args, **kwargs)

    return wrapped


def portal_sign_in_redirect(request: HttpRequest) -> HttpResponseRedirect:
    """To the portal's sign-in page, and back to this page afterwards (as the staff pages' `redirect_to_login`)."""
    return redirect_to_login(request.get_full_path(), login_url=reverse("portal:sign_in"))


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """The site's 403 page (handler403). A company account that reached a page of the programme team (a typed or old
    address) is told where its own pages are, rather than to ask the core team."""
    company_account = portal_contact(request.user) is not None
    return render(request, "403.html", {"company_account": company_account}, status=403)

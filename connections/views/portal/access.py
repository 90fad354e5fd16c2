"""Who may open a portal page, and which companies they act for.

Every portal view is wrapped in `company_required`; every object a view loads is looked up through
`portal_customers` or `portal_connections` (`portal_connection_get` below), so a company never reaches another
company's data: a guessed or tampered id is a 404, exactly as if it did not exist.
"""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponseBase, HttpResponseRedirect
from django.urls import reverse

from connections.models import Connection
from connections.selectors.portal import portal_connections, portal_contact

View = Callable[..., HttpResponseBase]


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

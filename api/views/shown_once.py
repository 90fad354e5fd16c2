"""A secret a portal form makes and shows once: an API token's key, a webhook's signing secret. Post/Redirect/Get:
the service runs with the form's submit token (a double click makes one, and the second submit gets no secret), the
secret waits in the session for the page after the redirect, which shows it and drops it. Only a hash, or the
service's own storage, keeps it afterwards."""

from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect

from connections.views.feedback import form_errors_add
from htg_migration.errors import ApplicationError
from htg_migration.forms import HtgForm


def make_then_redirect(
    request: HttpRequest, form: HtgForm, *, make: Callable[[], tuple[Any, str | None]], session_key: str, to: str
) -> HttpResponse | None:
    """Run `make` (the service: the object made and its secret, or None for the secret when the same page was sent
    again) and redirect to `to`, the secret kept for it; a refusal puts its reasons on the form and returns None, so
    the page is drawn again with them."""
    try:
        made, secret = make()
    except ValidationError as error:
        form_errors_add(form, error)
        return None
    except ApplicationError as error:
        form.add_error(None, error.message)
        return None
    if secret is not None:  # the first submit keeps the secret to show; a double click's second made nothing
        request.session[session_key] = {"id": made.pk, "secret": secret}
    return HttpResponseRedirect(to)


def secret_to_show(request: HttpRequest, session_key: str, listed: list[Any]) -> str | None:
    """The secret kept by `make_then_redirect`, once, on the GET after it, if its object is among those listed."""
    shown = request.session.pop(session_key, None) if request.method == "GET" else None
    if not shown or not any(item.pk == shown.get("id") for item in listed):
        return None
    return str(shown["secret"])

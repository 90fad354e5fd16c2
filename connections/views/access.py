"""Who may open which page. Every view of the staff workspace is wrapped in one of these."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponseBase

from connections.permissions import is_core_team, is_helpdesk, is_team_member

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

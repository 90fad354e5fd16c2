"""The project's own middleware: the portal's language, and the limits and caching of signed-in sessions.

The portal speaks Dutch unless the visitor chose English.

Django's LocaleMiddleware takes the language from the language cookie (set by the switch in every page header),
then from the browser's Accept-Language, then LANGUAGE_CODE (nl). Companies use the portal once or twice, and it
is a Dutch government service: Dutch by default, English when they press "English". So on portal pages the
browser's Accept-Language is set aside and only a choice the visitor made counts. Staff pages keep the browser's
language.
"""

from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _

from htg_migration.sessions import SessionState, session_is_signed_in, session_refresh, session_state

PORTAL_PREFIX = "/portal/"


class PortalDutchByDefaultMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info.startswith(PORTAL_PREFIX) and settings.LANGUAGE_COOKIE_NAME not in request.COOKIES:
            request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)


class MethodNotAllowedPageMiddleware:
    """A button's address opened as a page (typed, bookmarked, or a GET on a view that only takes a form's POST) is
    answered with the app's own page in the reader's language instead of the browser's blank "HTTP ERROR 405". The
    API keeps its own answers (problem documents)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code != 405 or response.content or request.method != "GET":
            return response
        if request.path_info.startswith("/api/"):
            return response
        page = render(request, "405.html", status=405)
        page["Allow"] = response.get("Allow", "")
        return page


class SessionLimitsMiddleware:
    """Ends a signed-in session past its absolute limit (staff: HTG_STAFF_SESSION_MAX_HOURS after signing in): signs
    out and says why, so the page asks to sign in again. Saves an active session once a minute, so that its idle
    expiry moves on (htg_migration/sessions.py says why not on every request)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        now = timezone.now()
        state = session_state(request.session, now=now)
        if state is SessionState.EXPIRED:
            logout(request)
            messages.info(
                request,
                _("You have been signed out because your session reached its time limit. Please sign in again."),
            )
        elif state is SessionState.REFRESH:
            session_refresh(request.session, now=now)
        return self.get_response(request)


class SignedInNoStoreMiddleware:
    """Every page a signed-in person sees (staff, companies, the admin) is `Cache-Control: no-store`, so no browser or
    proxy keeps a copy of it; public pages and static files keep their own caching."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if session_is_signed_in(request.session) and not _says_no_store(response):
            add_never_cache_headers(response)
        return response


def _says_no_store(response: HttpResponse) -> bool:
    """A response that already forbids storing (a document download's `private, no-store`) is left as it is."""
    directives = response.get("Cache-Control", "").split(",")
    return any(directive.strip().lower() == "no-store" for directive in directives)

"""Signing in to the portal with an e-mailed link: the public start page, asking for a link, the confirm page that
signs in on POST only (a mail scanner that opens the link does not use it up), and signing out.

The session remembers the verified address (PORTAL_EMAIL_SESSION_KEY): a new company has no contact and so no
account yet, and does its intake with only that; an existing contact is signed in with its own account as well.
"""

from dataclasses import dataclass
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib.auth import login, logout
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import get_language
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from connections.models import Contact
from connections.selectors.company_access import portal_contact
from connections.views.access import View, portal_sign_in_redirect
from htg_migration.client_ip import client_ip
from htg_migration.errors import ApplicationError
from htg_migration.sessions import COMPANY, session_begin
from portal.selectors.programme import portal_programme_facts
from portal.services.sign_in import (
    PortalAccountRefused,
    SignInLinkInvalid,
    portal_email_normalise,
    portal_next_path_clean,
    portal_sign_in_link_check,
    portal_sign_in_link_request,
    portal_sign_in_link_use,
)

PORTAL_EMAIL_SESSION_KEY = "portal_verified_email"
SENT_TO_SESSION_KEY = "portal_sign_in_sent_to"
MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


@dataclass(frozen=True)
class PortalIdentity:
    """Who uses the portal: a verified address, and its contact once the company is registered."""

    email: str
    contact: Contact | None


def portal_identity(request: HttpRequest) -> PortalIdentity | None:
    contact = portal_contact(request.user)
    if contact is not None:
        return PortalIdentity(email=portal_email_normalise(contact.email), contact=contact)
    if request.user.is_authenticated:
        return None  # staff: the portal is not theirs
    email = request.session.get(PORTAL_EMAIL_SESSION_KEY)
    return PortalIdentity(email=email, contact=None) if email else None


def verified_email_required(view: View) -> View:
    """A verified address (a signed-in contact, or a new company that opened its sign-in link); else sign in."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        identity = portal_identity(request)
        if identity is None:
            if request.user.is_authenticated:
                raise Http404
            return portal_sign_in_redirect(request)
        request.portal_identity = identity  # type: ignore[attr-defined]
        return view(request, *args, **kwargs)

    return wrapped


def _link_request_page(
    request: HttpRequest, *, template: str, nav_active: str, extra: dict[str, Any] | None = None
) -> HttpResponse:
    email = request.POST.get("email", "") if request.method == "POST" else request.GET.get("email", "")
    next_path = portal_next_path_clean(request.POST.get("next") or request.GET.get("next") or "")
    errors: dict[str, list[str]] = {}
    retry_after_minutes = 0
    if request.method == "POST":
        try:
            outcome = portal_sign_in_link_request(
                email=email, requested_ip=client_ip(request), language=get_language() or "nl", next_path=next_path
            )
        except ValidationError as error:
            errors = error.message_dict
        else:
            if outcome.sent:
                request.session[SENT_TO_SESSION_KEY] = portal_email_normalise(email)
                return redirect("portal:sign_in_sent")
            retry_after_minutes = outcome.retry_after_minutes
    context = {
        "email": email,
        "next": next_path,
        "errors": errors,
        "retry_after_minutes": retry_after_minutes,
        "nav_active": nav_active,
        "link_minutes": settings.HTG_PORTAL_LINK_MINUTES,
        **(extra or {}),
    }
    status = 429 if retry_after_minutes else 400 if errors else 200
    response = render(request, template, context, status=status)
    if retry_after_minutes:
        response["Retry-After"] = str(retry_after_minutes * 60)
    return response


@require_http_methods(["GET", "POST"])
def start_view(request: HttpRequest) -> HttpResponse:
    """The public start page: what the migration asks of a company, and the address to send a link to."""
    if portal_identity(request) is not None and request.method == "GET":
        return redirect("portal:status")
    facts = portal_programme_facts()
    return _link_request_page(request, template="portal/start.html", nav_active="start", extra={"facts": facts})


@require_http_methods(["GET", "POST"])
def sign_in_view(request: HttpRequest) -> HttpResponse:
    return _link_request_page(request, template="portal/sign_in.html", nav_active="sign_in")


@never_cache
def sign_in_sent_view(request: HttpRequest) -> HttpResponse:
    """The same answer for every address: known or not, a link is on its way."""
    email = request.session.get(SENT_TO_SESSION_KEY)
    if not email:
        return redirect("portal:sign_in")
    context = {"email": email, "link_minutes": settings.HTG_PORTAL_LINK_MINUTES}
    return render(request, "portal/sign_in_sent.html", context)


def _invalid_link_page(request: HttpRequest, error: ApplicationError) -> HttpResponse:
    """A link that cannot be used (410), or an account the portal does not sign in (403: no new link helps)."""
    refused = isinstance(error, PortalAccountRefused)
    context = {"message": error.message, "email": error.extra.get("email", ""), "refused": refused}
    return render(request, "portal/sign_in_expired.html", context, status=403 if refused else 410)


@never_cache
@require_http_methods(["GET", "POST"])
def sign_in_confirm_view(request: HttpRequest, token: str) -> HttpResponse:
    """GET only shows a button (it never uses the link); the POST uses it and signs in."""
    if request.method == "GET":
        try:
            link = portal_sign_in_link_check(token=token)
        except SignInLinkInvalid as error:
            return _invalid_link_page(request, error)
        return render(request, "portal/sign_in_confirm.html", {"email": link.email})
    try:
        signed_in = portal_sign_in_link_use(token=token)
    except ApplicationError as error:
        return _invalid_link_page(request, error)
    if signed_in.user is not None:
        login(request, signed_in.user, backend=MODEL_BACKEND)
    else:
        if request.user.is_authenticated:
            logout(request)
        request.session.cycle_key()
        # No account to sign in yet (login() begins the session for one): the verified address is a company's session.
        session_begin(request.session, kind=COMPANY, now=timezone.now())
    request.session[PORTAL_EMAIL_SESSION_KEY] = signed_in.email
    if signed_in.next_path:
        response = redirect(signed_in.next_path)
    elif signed_in.contact is not None and signed_in.contact.customer.htg_number:
        response = redirect("portal:status")
    else:
        response = redirect("portal:intake")
    # The portal speaks the contact's preferred language (the one its e-mails are in), unless this browser has chosen
    # a language with the switch already.
    if signed_in.contact is not None and settings.LANGUAGE_COOKIE_NAME not in request.COOKIES:
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            signed_in.contact.language,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            path=settings.LANGUAGE_COOKIE_PATH,
            secure=settings.LANGUAGE_COOKIE_SECURE,
            httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
            samesite=settings.LANGUAGE_COOKIE_SAMESITE,
        )
    return response


@require_POST
def sign_out_view(request: HttpRequest) -> HttpResponse:
    logout(request)  # flushes the session, the verified address included
    return redirect("portal:sign_in")


urlpatterns = [
    path("", start_view, name="start"),
    path("sign-in/", sign_in_view, name="sign_in"),
    path("sign-in/sent/", sign_in_sent_view, name="sign_in_sent"),
    path("sign-in/<str:token>/", sign_in_confirm_view, name="sign_in_confirm"),
    path("sign-out/", sign_out_view, name="sign_out"),
]

"""The staff sign-in (/accounts/login/): staff accounts only. A company account (a contact's portal account) never
signs in here, even should it have a password: companies sign in to the portal with an e-mailed link.

Failed attempts are counted by django-axes (settings AXES_*): past the limit for a user name or a client address,
every attempt gets `staff_sign_in_locked_out`, also on /admin/login/. A forgotten password is reset with a link by
e-mail (`StaffPasswordResetView`)."""

import math
from typing import Any

from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm, PasswordResetForm, SetPasswordForm
from django.contrib.auth.views import (
    LoginView,
    PasswordChangeView,
    PasswordResetConfirmView,
    PasswordResetDoneView,
    PasswordResetView,
)
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.translation import get_language

from connections.models import Refusal
from connections.selectors.company_access import is_contact_account
from connections.services.accounts import staff_password_reset_request
from connections.services.refusals import refusal_record
from htg_migration.client_ip import client_ip
from htg_migration.forms import HtgForm, UserNameLengthChecked


class StaffAuthenticationForm(UserNameLengthChecked, AuthenticationForm):
    def confirm_login_allowed(self, user: Any) -> None:
        super().confirm_login_allowed(user)
        if is_contact_account(user):
            # The same words as a wrong password: the form does not tell which accounts exist.
            raise self.get_invalid_login_error()


class StaffLoginView(LoginView):
    authentication_form = StaffAuthenticationForm


def staff_sign_in_locked_out(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: dict[str, Any] | None = None
) -> HttpResponse:
    """Too many failed sign-ins for this user name or from this address: a 429 that says when to try again, in the
    reader's language, with Retry-After (seconds)."""
    seconds = int(settings.AXES_COOLOFF_TIME.total_seconds())
    context = {"minutes": max(1, math.ceil(seconds / 60))}
    response = render(request, "registration/locked_out.html", context, status=429)
    response["Retry-After"] = str(seconds)
    username = (credentials or {}).get("username") or request.POST.get("username", "")
    refusal_record(request=request, status=429, reason=Refusal.Reason.LOCKED_OUT, username=str(username))
    return response


# Django's password forms, with the project's labels and required messages (HtgForm).
class StaffPasswordResetForm(HtgForm, PasswordResetForm):
    pass


class StaffSetPasswordForm(HtgForm, SetPasswordForm):
    pass


class StaffPasswordChangeForm(HtgForm, PasswordChangeForm):
    pass


class StaffPasswordResetConfirmView(PasswordResetConfirmView):
    form_class = StaffSetPasswordForm


class StaffPasswordChangeView(PasswordChangeView):
    """A signed-in staff member changes their password, on the project's page (Django's is the admin's)."""

    form_class = StaffPasswordChangeForm


class StaffPasswordResetView(PasswordResetView):
    """Ask for a new password by e-mail address. The link goes through the outbox (`staff_password_reset_request`),
    rate-limited per address and per client IP address: over a limit, a 429 with Retry-After. Known and unknown
    addresses get the same answer."""

    form_class = StaffPasswordResetForm

    def form_invalid(self, form: PasswordResetForm) -> HttpResponse:
        return self.render_to_response(self.get_context_data(form=form), status=400)

    def form_valid(self, form: PasswordResetForm) -> HttpResponse:
        try:
            outcome = staff_password_reset_request(
                email=form.cleaned_data["email"], requested_ip=client_ip(self.request), language=get_language()
            )
        except ValidationError as error:
            form.add_error(None, error)
            return self.form_invalid(form)
        if not outcome.sent:
            context = self.get_context_data(form=form, retry_after_minutes=outcome.retry_after_minutes)
            response = self.render_to_response(context, status=429)
            response["Retry-After"] = str(outcome.retry_after_minutes * 60)
            return response
        return HttpResponseRedirect(self.get_success_url())


class StaffPasswordResetDoneView(PasswordResetDoneView):
    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(reset_hours=max(1, settings.PASSWORD_RESET_TIMEOUT // 3600), **kwargs)

"""The staff sign-in (/accounts/login/): staff accounts only. A company account (a contact's portal account) never
signs in here, even should it have a password: companies sign in to the portal with an e-mailed link.

Failed attempts are counted by django-axes (settings AXES_*): past the limit for a user name or a client address,
every attempt gets `staff_sign_in_locked_out`, also on /admin/login/."""

import math
from typing import Any

from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.views import LoginView
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from connections.selectors.company_access import is_contact_account
from htg_migration.forms import UserNameLengthChecked


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
    return response

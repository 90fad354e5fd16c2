"""The staff sign-in (/accounts/login/): staff accounts only. A company account (a contact's portal account) never
signs in here, even should it have a password: companies sign in to the portal with an e-mailed link."""

from typing import Any

from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.views import LoginView

from connections.selectors.company_access import is_contact_account


class StaffAuthenticationForm(AuthenticationForm):
    def confirm_login_allowed(self, user: Any) -> None:
        super().confirm_login_allowed(user)
        if is_contact_account(user):
            # The same words as a wrong password: the form does not tell which accounts exist.
            raise self.get_invalid_login_error()


class StaffLoginView(LoginView):
    authentication_form = StaffAuthenticationForm

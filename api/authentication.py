"""`Authorization: Bearer htg_...`: an API token (api.models.ApiToken). A company's token acts as the contact who
made it, a staff token as its staff member; a revoked, expired, unknown or malformed token, or one whose owner is no
longer what the token is for (a contact that left the company's accounts, a staff member that left the staff
groups), is a 401 at once. Without the header the next class (Django's session) is asked, so a signed-in browser
keeps working."""

from typing import TYPE_CHECKING, Any, NoReturn

from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header

from api.models import ApiToken
from api.services.tokens import api_token_authenticate, is_staff_member
from connections.models import Refusal
from connections.selectors.company_access import portal_contact
from connections.services.refusals import refusal_record
from htg_migration.client_ip import client_ip

if TYPE_CHECKING:
    from rest_framework.request import Request


class ApiTokenAuthentication(BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request: "Request") -> tuple[Any, Any] | None:
        header = get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            refusal_record(request=request._request, status=401, reason=Refusal.Reason.TOKEN_REFUSED)
            raise exceptions.AuthenticationFailed(_("The Authorization header holds no token, or more than one."))
        try:
            key = header[1].decode("ascii")
        except UnicodeDecodeError:
            self._refuse(request)
        token = api_token_authenticate(key=key, client_ip=client_ip(request._request))
        user = _token_user(token) if token is not None else None
        if user is None:
            self._refuse(request)
        return user, token

    def _refuse(self, request: "Request") -> NoReturn:
        """A refused token is a row of the refusal audit (the middleware sees only 403s and signed-in 404s)."""
        refusal_record(request=request._request, status=401, reason=Refusal.Reason.TOKEN_REFUSED)
        raise exceptions.AuthenticationFailed(_("This token is not valid, has expired or was revoked."))

    def authenticate_header(self, request: "Request") -> str:
        return self.keyword


def _token_user(token: ApiToken) -> Any:
    """The account the token acts as, if it may still: a staff token's member still in a staff group, or a company
    token's contact still a company account of the token's company."""
    if token.user_id is not None:
        return token.user if is_staff_member(token.user) else None
    user = token.created_by.user if token.created_by is not None else None
    contact = portal_contact(user) if user is not None else None
    return user if contact is not None and contact.customer_id == token.customer_id else None

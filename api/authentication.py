"""`Authorization: Bearer htg_...`: a company's API token (api.models.ApiToken). A request with a token acts as the
contact who made it; a revoked, expired, unknown or malformed token is a 401 at once. Without the header the next
class (Django's session) is asked, so a signed-in portal user's browser keeps working."""

from typing import TYPE_CHECKING, Any, NoReturn

from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header

from api.services.tokens import api_token_authenticate
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
        user = token.created_by.user if token is not None and token.created_by is not None else None
        # The contact behind the token must still be a company account of the token's company.
        contact = portal_contact(user) if user is not None else None
        if token is None or contact is None or contact.customer_id != token.customer_id:
            self._refuse(request)
        return user, token

    def _refuse(self, request: "Request") -> NoReturn:
        """A refused token is a row of the refusal audit (the middleware sees only 403s and signed-in 404s)."""
        refusal_record(request=request._request, status=401, reason=Refusal.Reason.TOKEN_REFUSED)
        raise exceptions.AuthenticationFailed(_("This token is not valid, has expired or was revoked."))

    def authenticate_header(self, request: "Request") -> str:
        return self.keyword

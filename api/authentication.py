"""`Authorization: Bearer htg_...`: a company's API token (api.models.ApiToken). A request with a token acts as the
contact who made it; a revoked, expired, unknown or malformed token is a 401 at once. Without the header the next
class (Django's session) is asked, so a signed-in portal user's browser keeps working."""

from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header

from api.services.tokens import api_token_authenticate
from connections.selectors.company_access import portal_contact
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
            raise exceptions.AuthenticationFailed(_("The Authorization header holds no token, or more than one."))
        try:
            key = header[1].decode("ascii")
        except UnicodeDecodeError as error:
            raise exceptions.AuthenticationFailed(_("This token is not valid.")) from error
        token = api_token_authenticate(key=key, client_ip=client_ip(request._request))
        if token is None:
            raise exceptions.AuthenticationFailed(_("This token is not valid, has expired or was revoked."))
        user = token.created_by.user if token.created_by is not None else None
        # The contact behind the token must still be a company account of the token's company.
        contact = portal_contact(user) if user is not None else None
        if contact is None or contact.customer_id != token.customer_id:
            raise exceptions.AuthenticationFailed(_("This token is not valid, has expired or was revoked."))
        return user, token

    def authenticate_header(self, request: "Request") -> str:
        return self.keyword

"""Who may use the API. A company contact (signed in, or through one of its company's tokens) sees its own company
and, for a hub or software supplier, the clients it serves: every object is loaded through the portal's access
selectors (connections/selectors/company_access.py), so a guessed id is a 404 exactly as in the portal. Staff
accounts are not company accounts (`portal_contact` is None for them) and are refused here: the two never mix."""

from typing import TYPE_CHECKING, Any

from rest_framework.permissions import SAFE_METHODS, BasePermission

from connections.selectors.company_access import portal_contact

if TYPE_CHECKING:
    from rest_framework.request import Request
    from rest_framework.views import APIView


class IsCompanyContact(BasePermission):
    def has_permission(self, request: "Request", view: "APIView") -> bool:
        return portal_contact(request.user) is not None


class TokenScopeAllows(BasePermission):
    """A read-only token reads; only a read-write token (or a signed-in session) may write."""

    def has_permission(self, request: "Request", view: "APIView") -> bool:
        token: Any = request.auth
        if request.method in SAFE_METHODS or token is None or not hasattr(token, "may_write"):
            return True
        return bool(token.may_write)

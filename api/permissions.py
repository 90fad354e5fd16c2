"""Who may use the API. A company contact (signed in, or through one of its company's tokens) sees its own company
and, for a hub or software supplier, the clients it serves: every object is loaded through the portal's access
selectors (connections/selectors/company_access.py), so a guessed id is a 404 exactly as in the portal. Staff
accounts are not company accounts (`portal_contact` is None for them) and are refused here: the two never mix."""

from typing import TYPE_CHECKING, Any

from rest_framework.permissions import SAFE_METHODS, BasePermission

from connections.permissions import is_core_team, is_helpdesk, is_team_member
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


# The team's endpoints ask the same questions as the team's pages (connections/views/access.py): one helper each.
class IsTeamMember(BasePermission):
    """The connection team and the core team (the pages behind `team_required`)."""

    def has_permission(self, request: "Request", view: "APIView") -> bool:
        return is_team_member(request.user)


class IsStaffMember(BasePermission):
    """The team, the core team and the helpdesk (the pages behind `staff_required`)."""

    def has_permission(self, request: "Request", view: "APIView") -> bool:
        return is_team_member(request.user) or is_helpdesk(request.user)


class IsCoreTeam(BasePermission):
    """The core team (the pages behind `core_team_required`)."""

    def has_permission(self, request: "Request", view: "APIView") -> bool:
        return is_core_team(request.user)


class IsCompanyContactOrTeamMember(BasePermission):
    """An endpoint that answers both: a company (what the portal shows it) and the team (what the team's list
    shows); what the caller is decides which."""

    def has_permission(self, request: "Request", view: "APIView") -> bool:
        return portal_contact(request.user) is not None or is_team_member(request.user)

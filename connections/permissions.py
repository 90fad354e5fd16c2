"""Who may do what. Staff belong to groups; company contacts act through their linked user account."""

from typing import Any

CONNECTION_TEAM = "connection team"
CORE_TEAM = "core team"
HELPDESK = "helpdesk"
STAFF_GROUPS = (CONNECTION_TEAM, CORE_TEAM, HELPDESK)


def _group_names(user: Any) -> set[str]:
    # Cached on the user object: a page asks this for every button it shows.
    cached: set[str] | None = getattr(user, "_htg_group_names", None)
    if cached is None:
        cached = set(user.groups.values_list("name", flat=True)) if user.pk else set()
        user._htg_group_names = cached
    return cached


def is_team_member(user: Any) -> bool:
    """Connection team or core team (the core team can do everything the connection team can)."""
    if not getattr(user, "is_active", False):
        return False
    return bool(user.is_superuser or _group_names(user) & {CONNECTION_TEAM, CORE_TEAM})


def is_core_team(user: Any) -> bool:
    if not getattr(user, "is_active", False):
        return False
    return bool(user.is_superuser or CORE_TEAM in _group_names(user))


def is_helpdesk(user: Any) -> bool:
    if not getattr(user, "is_active", False):
        return False
    return bool(user.is_superuser or HELPDESK in _group_names(user))


def may_be_company_account(user: Any) -> bool:
    """The part of the company-account rule the user row itself answers: active, neither staff nor superuser.

    A company account (the sign-in account of a company contact) is also in no group; `portal_contact` asks that in
    the same query that finds the contact. Staff accounts and company accounts never mix: an account that fails the
    rule is never signed in through the portal and never acts for a company, whatever contact points at it."""
    return bool(
        getattr(user, "is_authenticated", False)
        and user.pk
        and user.is_active
        and not user.is_staff
        and not user.is_superuser
    )


def acts_for_customer(user: Any, customer_id: int, hub_id: int | None) -> bool:
    """A company contact acts for its own customer, and a hub's contact for each client the hub serves."""
    # Imported here: connections.models imports this module, and the selector imports connections.models.
    from connections.selectors.company_access import portal_contact

    contact = portal_contact(user)
    if contact is None:
        return False
    return contact.customer_id == customer_id or (hub_id is not None and contact.customer_id == hub_id)


# The permission callables django-fsm asks (with a Connection), one per kind of actor.
def team_may(connection: Any, user: Any) -> bool:
    return is_team_member(user)


def core_team_may(connection: Any, user: Any) -> bool:
    return is_core_team(user)


def company_or_team_may(connection: Any, user: Any) -> bool:
    return is_team_member(user) or acts_for_customer(user, connection.customer_id, connection.customer.hub_id)

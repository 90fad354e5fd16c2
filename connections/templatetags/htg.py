from typing import Any

from django import template
from django.utils.http import urlencode

from connections import permissions

register = template.Library()


@register.simple_tag
def filter_url(filters: Any, **changes: Any) -> str:
    """The list URL's query for this filter with some values changed (page resets unless given)."""
    return "?" + urlencode(filters.as_query(**changes))


def _current_sort(filters: Any) -> str:
    """The sort in force: a filter whose default depends on other values says it as `effective_sort`."""
    return str(getattr(filters, "effective_sort", filters.sort))


@register.simple_tag
def sort_url(filters: Any, column: str) -> str:
    current = _current_sort(filters)
    target = f"-{column}" if current == column else column
    return "?" + urlencode(filters.as_query(sort=target))


@register.simple_tag
def sort_state(filters: Any, column: str) -> str:
    """aria-sort for a column header."""
    current = _current_sort(filters)
    if current == column:
        return "ascending"
    if current == f"-{column}":
        return "descending"
    return "none"


@register.filter
def person(user: Any, empty: str = "—") -> str:
    """A user's full name, else the username; `empty` for nobody."""
    if user is None:
        return empty
    return user.get_full_name() or user.username


@register.filter
def is_team_member(user: Any) -> bool:
    """For the navigation: the connection team and the core team."""
    return permissions.is_team_member(user)


@register.filter
def is_staff_worker(user: Any) -> bool:
    """For the navigation: everyone who works with companies (the team, the core team and the helpdesk)."""
    return permissions.is_team_member(user) or permissions.is_helpdesk(user)


@register.filter
def is_core_team(user: Any) -> bool:
    """For the navigation: the core team (escalations)."""
    return permissions.is_core_team(user)

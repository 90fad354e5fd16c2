from typing import Any

from django import template

register = template.Library()


@register.filter
def errors_for(errors: dict[str, list[str]] | None, key: str) -> list[str]:
    """The messages for one form field (keys such as "contacts-1-email" are not template variable names)."""
    return list((errors or {}).get(key, []))


@register.simple_tag
def field_key(*parts: Any) -> str:
    """A field name from its parts: {% field_key "contacts" forloop.counter0 "email" %} is "contacts-0-email"."""
    return "-".join(str(part) for part in parts)


@register.filter
def get_item(mapping: dict[str, Any] | None, key: str) -> Any:
    return (mapping or {}).get(key, "")

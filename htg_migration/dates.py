"""Dates as people read them, in their language, for the templates (the `date` filter) and for Python (`date_text`).

Django's format character "M" (Jan, Feb, ...) is capitalised in every language: its DateFormat.M calls .title() on the
translated abbreviation, which prints "15 Mei 2020" in Dutch, where month names are written in lower case. In Dutch,
"M" therefore becomes "b", Django's own lower-case abbreviation ("mei", "jun"); every other language keeps "M". The
full names ("F": "mei") and the weekdays ("l", "D": "vrijdag", "vr") are lower case in Django's Dutch already.

The templates get this through the `date` filter below, registered as a template builtin in settings (it takes the
place of Django's filter of that name and otherwise hands over to it), so that no template needs to change.
"""

import datetime

from django import template
from django.conf import settings
from django.template import defaultfilters
from django.utils import formats, translation

register = template.Library()


def date_pattern(format_string: str | None) -> str | None:
    """The format to use in the active language: a format setting's name is resolved first (DATE_FORMAT and so on),
    then, in Dutch, every unescaped "M" becomes "b"."""
    if not format_string:
        return format_string
    if format_string in formats.FORMAT_SETTINGS:
        format_string = str(formats.get_format(format_string))
    if not (translation.get_language() or settings.LANGUAGE_CODE).startswith("nl"):
        return format_string
    characters = []
    escaped = False
    for character in format_string:
        if escaped:
            escaped = False
        elif character == "\\":
            escaped = True
        elif character == "M":
            character = "b"
        characters.append(character)
    return "".join(characters)


def date_text(value: datetime.date | datetime.datetime, format_string: str) -> str:
    """`value` in `format_string`, as the reader's language writes it ("15 mei 2020", "15 May 2020")."""
    return formats.date_format(value, date_pattern(format_string))


@register.filter(expects_localtime=True, is_safe=False)
def date(value: datetime.date | datetime.datetime | str | None, arg: str | None = None) -> str:
    """Django's `date` filter, with the month abbreviation in lower case in Dutch."""
    return defaultfilters.date(value, date_pattern(arg))

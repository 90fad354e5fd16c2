"""Request text that no form of a view's own reads: a search box's `q`, a free-text field posted beside buttons (a
note, an outcome), and the sign-in forms' user name.

Each goes through Django's CharField, which strips it and refuses a NUL character (`ProhibitNullCharactersValidator`)
with its message in the reader's language: PostgreSQL can neither store nor compare the character, and read by hand
(`request.GET.get(...)`) such a value was a server error. Ids and counts typed as text go through
`htg_migration.parsing.parse_id`.
"""

from dataclasses import dataclass
from typing import Any

from django import forms
from django.core.validators import MaxLengthValidator

SEARCH_MAX_LENGTH = 200


class SearchForm(forms.Form):
    """A search box. Text past `SEARCH_MAX_LENGTH` characters is cut, as the box's own maxlength would."""

    q = forms.CharField(required=False)


@dataclass(frozen=True)
class SearchText:
    text: str  # "" when refused
    errors: list[str]  # the reasons, in the user's language; empty when the text is usable


def search_text(data: Any, name: str = "q") -> SearchText:
    """The search text of a query string (`request.GET`), or its refusal."""
    form = SearchForm({"q": data.get(name) or ""})
    if form.is_valid():
        return SearchText(text=form.cleaned_data["q"][:SEARCH_MAX_LENGTH], errors=[])
    return SearchText(text="", errors=[str(message) for message in form.errors["q"]])


def posted_text(data: Any, name: str) -> str:
    """A free-text field of a posted form (a note, an outcome), read through Django's CharField: stripped, and a NUL
    character refused as a ValidationError naming the field, in the user's language. (Its length is the service's
    rule, which says it in its own words.)"""
    field = forms.CharField(required=False)
    try:
        return str(field.clean(data.get(name) or ""))
    except forms.ValidationError as error:
        raise forms.ValidationError({name: error.messages}) from None


class UserNameLengthChecked(forms.Form):
    """For a sign-in form (Django's AuthenticationForm and the admin's): the user name's length is checked.

    AuthenticationForm sets the field's max_length after the field is made, so no validator checks it: a user name of
    5,000 characters reached authenticate() and then Axes' record of the failed attempt (255 characters), a server
    error. Now it is a form error, and nothing is written."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["username"]
        assert isinstance(field, forms.CharField)
        if field.max_length is not None:
            field.validators.append(MaxLengthValidator(field.max_length))

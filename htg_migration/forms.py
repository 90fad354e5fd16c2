"""The project's forms: the base every form of ours derives from (`HtgForm`), the renderer that draws every form
through the project's own templates (`HtgFormRenderer`, templates/forms/), and request text that no form of a
view's own reads: a search box's `q`, a free-text field posted beside buttons (a
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
from django.forms.renderers import TemplatesSetting
from django.utils.functional import Promise, lazy
from django.utils.translation import gettext_lazy


class HtgFormRenderer(TemplatesSetting):
    """`FORM_RENDERER`: every `{{ form }}`, `{{ field.as_field_group }}` and formset is drawn by the project's own
    templates (label without a colon, the hint and the error beside the field and named by it, a checkbox at full
    size with its label after it), found through `TEMPLATES` like any page template."""

    form_template_name = "forms/form.html"
    formset_template_name = "forms/formset.html"
    field_template_name = "forms/field.html"


# A required field left empty, in the reader's language and naming the field (Django's own says "This field is
# required.", which names nothing, least of all in an error summary at the top of the page).
REQUIRED_TEXT = gettext_lazy("Fill in “%(field)s”.")
REQUIRED_CHOICE = gettext_lazy("Choose a value for “%(field)s”.")
REQUIRED_CHECKBOX = gettext_lazy("Tick “%(field)s”.")
REQUIRED_FILE = gettext_lazy("Choose a file for “%(field)s”.")
REQUIRED_UNLABELLED = gettext_lazy("Fill in this field.")


def _required_message_text(message: Promise, label: Any) -> str:
    return str(message) % {"field": label}


_required_message = lazy(_required_message_text, str)


def required_message(field: forms.Field) -> Any:
    """The message for `field` left empty, translated when it is shown (so in the reader's language)."""
    if not field.label:
        return REQUIRED_UNLABELLED
    if isinstance(field.widget, forms.CheckboxInput):
        message = REQUIRED_CHECKBOX
    elif isinstance(field.widget, forms.FileInput):
        message = REQUIRED_FILE
    elif isinstance(field, forms.ChoiceField):
        message = REQUIRED_CHOICE
    else:
        message = REQUIRED_TEXT
    return _required_message(message, field.label)


class HtgForm(forms.Form):
    """The base of every form of ours (tests/test_form_rendering.py walks them): labels without Django's colon, and a
    required field's message names the field. Drawn by `HtgFormRenderer`.

    No `required` attribute on the inputs: the browser's own check would stop the form with a bubble in the
    browser's language that names nothing; the server's message, in the reader's language, names the field and
    stays on the page. The labels mark the optional fields instead."""

    use_required_attribute = False

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.error_messages["required"] = required_message(field)


SEARCH_MAX_LENGTH = 200


class SearchForm(HtgForm):
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


class UserNameLengthChecked(HtgForm):
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

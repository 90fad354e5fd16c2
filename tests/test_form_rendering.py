"""Every form renders through the project's own form templates (templates/forms/, `HtgFormRenderer`), never Django's
defaults: no label ending in a colon, no "This field is required." that names no field, no bare `errorlist` or
`helptext`, and a checkbox with its label beside it at full size.

Two guards: every form class of ours derives from `HtgForm` (a form added later without it fails here), and every
page of the URLconf, as the role that may use it, shown (GET) and sent empty (POST) in Dutch and in English, renders
none of Django's default form templates and shows none of their artefacts.
"""

import importlib
import pkgutil
import re
from typing import Any

import pytest
from django import forms
from django.conf import settings
from django.db import transaction
from django.test import Client
from django.utils import translation

from htg_migration.forms import HtgForm, HtgFormRenderer
from tests.test_hostile_input import ROUTES, _base_post, _kwargs, _role, _url, world  # noqa: F401 (the fixture)

pytestmark = pytest.mark.django_db

OUR_PACKAGES = ("plateaus", "connections", "notifications", "portal", "helpdesk", "reporting", "imports", "community")
# Forms drawn by Django's admin with its own templates, for administrators (htg_migration/admin.py).
ADMIN_FORMS = {
    "community.admin.DocumentAdminForm",
    "connections.admin.ConnectionAdminForm",
    "htg_migration.admin_forms.HtgAdminAuthenticationForm",
}
# Django's default templates for forms, fields, labels and error lists (its widget templates draw the inputs and
# are fine): rendering one of these is a page falling back to Django's look.
DJANGO_DEFAULT_TEMPLATE = re.compile(r"^django/forms/(?!widgets/)")
ARTEFACTS = {
    "Django's required message (en)": re.compile(re.escape("This field is required.")),
    "Django's required message (nl)": re.compile(re.escape("Dit veld is verplicht.")),
    "Django's error list": re.compile(r'class="errorlist'),
    "Django's help text": re.compile(r'class="helptext'),
    "a label ending in a colon": re.compile(r":\s*</(label|legend)>"),
}


def _our_form_classes() -> list[type[forms.BaseForm]]:
    for package_name in (*OUR_PACKAGES, "htg_migration"):
        package = importlib.import_module(package_name)
        for module in pkgutil.walk_packages(package.__path__, prefix=f"{package_name}."):
            if ".migrations" in module.name or module.name.startswith("htg_migration.settings"):
                continue
            importlib.import_module(module.name)
    found: list[type[forms.BaseForm]] = []
    pending: list[type[Any]] = [forms.BaseForm]
    while pending:
        for subclass in pending.pop().__subclasses__():
            pending.append(subclass)
            if subclass.__module__.split(".")[0] in (*OUR_PACKAGES, "htg_migration"):
                found.append(subclass)
    return sorted(set(found), key=lambda form: f"{form.__module__}.{form.__qualname__}")


def _name(form: type[Any]) -> str:
    return f"{form.__module__}.{form.__qualname__}"


# ------------------------------------------------------------------------------------------------------ the classes
def test_every_form_of_ours_derives_from_the_project_form():
    # given: every form class defined in the project's apps
    found = _our_form_classes()

    # then: all of them but the admin's are HtgForm (labels without a colon, required messages naming the field)
    names = {_name(form) for form in found}
    assert {"portal.views.actions.ProblemReportForm", "community.views.news.NewsItemForm"} <= names
    assert {"helpdesk.views.CallbackRequestForm", "helpdesk.views.HelpdeskContactForm"} <= names
    outside = {_name(form) for form in found if not issubclass(form, HtgForm)}
    assert outside - ADMIN_FORMS == set()


def test_the_renderer_is_the_projects_and_draws_with_the_projects_templates():
    from django.forms.renderers import get_default_renderer

    renderer = get_default_renderer()
    assert settings.FORM_RENDERER == "htg_migration.forms.HtgFormRenderer"
    assert isinstance(renderer, HtgFormRenderer)
    assert (renderer.form_template_name, renderer.field_template_name, renderer.formset_template_name) == (
        "forms/form.html",
        "forms/field.html",
        "forms/formset.html",
    )


class _Example(HtgForm):
    name = forms.CharField(label="Company name", help_text="As registered with the KvK.")
    language = forms.ChoiceField(label="Language", choices=[("", "—"), ("nl", "Dutch")])
    note = forms.CharField(label="Note", required=False, widget=forms.Textarea)
    document = forms.FileField(label="Schedule")
    urgent = forms.BooleanField(label="Urgent", required=True)


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        (
            "en",
            {
                "name": ["Fill in “Company name”."],
                "language": ["Choose a value for “Language”."],
                "document": ["Choose a file for “Schedule”."],
                "urgent": ["Tick “Urgent”."],
            },
        ),
        (
            "nl",
            {
                "name": ["Vul “Company name” in."],
                "language": ["Kies een waarde bij “Language”."],
                "document": ["Kies een bestand bij “Schedule”."],
                "urgent": ["Vink “Urgent” aan."],
            },
        ),
    ],
)
def test_a_required_field_left_empty_says_which_field_in_the_readers_language(language, expected):
    # given: a form made in one language (as a view makes it), its errors read in the reader's language
    form = _Example({})

    # when
    with translation.override(language):
        errors = {name: [str(message) for message in messages] for name, messages in form.errors.items()}

    # then
    assert errors == expected


def test_a_field_renders_with_its_label_hint_and_error_tied_to_the_input_and_a_checkbox_at_full_size():
    # given: a form sent empty
    form = _Example({})

    # when
    with translation.override("en"):
        html = str(form)

    # then: a label without a colon, its hint and its error named by the input; no Django default look
    assert '<label for="id_name">Company name</label>' in html
    assert '<div class="hint" id="id_name_helptext">As registered with the KvK.</div>' in html
    assert (
        '<p class="field-error" id="id_name_error"><span class="visually-hidden">Error: </span>'
        "Fill in “Company name”.</p>" in html
    )
    assert 'aria-describedby="id_name_helptext id_name_error"' in html
    assert 'aria-invalid="true"' in html
    assert '<label for="id_note">Note <span class="optional">(optional)</span></label>' in html
    # no browser check in the browser's language before the server's in the reader's (the labels mark optional ones)
    assert " required" not in html
    # the checkbox first, then its label, in the full-size choice layout (.choice: 1.25rem box, 44px target)
    assert re.search(
        r'<div class="choice"><input type="checkbox" name="urgent"[^>]*><label for="id_urgent">Urgent', html
    )
    for artefact, pattern in ARTEFACTS.items():
        assert not pattern.search(html), artefact


# ------------------------------------------------------------------------------------------------------ the pages
# The admin's pages are Django's own, with its own templates, for administrators alone.
PAGES = sorted(route for route in ROUTES if not route.startswith("admin/"))


def _ask(client: Client, method: str, url: str, data: dict[str, str], language: str) -> tuple[int, str, list[str]]:
    """One request in a savepoint rolled back afterwards: its status, its HTML and the templates it rendered."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    result: tuple[int, str, list[str]] = (0, "", [])
    with transaction.atomic():
        response = (client.get if method == "get" else client.post)(url, data, HTTP_ACCEPT_LANGUAGE=language)
        html = "" if response.streaming else response.content.decode(errors="replace")
        if "html" not in response.get("Content-Type", ""):
            html = ""
        names = [template.name for template in getattr(response, "templates", []) if template.name]
        result = (response.status_code, html, names)
        transaction.set_rollback(True)
    return result


@pytest.mark.parametrize("route", PAGES)
def test_no_page_falls_back_to_djangos_default_form_rendering(route, world):  # noqa: F811 (the fixture)
    # given: the page's role signed in
    client = Client(raise_request_exception=False)
    user = world.users[_role(route)]
    if user is not None:
        client.force_login(user)
    url = _url(ROUTES[route], _kwargs(ROUTES[route], world))

    # when: shown, and sent empty (every required field missing) and as the walk's clean body, in both languages
    found = []
    for language in ("nl", "en"):
        for method, data in (("get", {}), ("post", {}), ("post", _base_post(route, world))):
            status, html, templates = _ask(client, method, url, data, language)
            defaults = sorted({name for name in templates if DJANGO_DEFAULT_TEMPLATE.match(name)})
            artefacts = [artefact for artefact, pattern in ARTEFACTS.items() if pattern.search(html)]
            if defaults or artefacts:
                found.append(f"{method.upper()} {url} {data} ({language}) -> {status}: {defaults} {artefacts}")

    # then
    assert found == []


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", ["Fill in “Username”.", "Fill in “Password”."]),
        ("nl", ["Vul “Gebruikersnaam” in.", "Vul “Wachtwoord” in."]),
    ],
)
def test_the_staff_sign_in_sent_empty_says_which_fields_are_missing(client, language, expected):
    # when: both fields left empty (the page used to show nothing at all: it drew only the form-wide errors)
    response = client.post("/accounts/login/", {}, HTTP_ACCEPT_LANGUAGE=language)

    # then
    html = response.content.decode()
    assert [message for message in expected if message in html] == expected
    assert 'id="id_username_error"' in html

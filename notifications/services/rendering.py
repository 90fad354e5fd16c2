"""Rendering an e-mail template: Django's template engine, each template compiled once per enqueue call."""

from collections.abc import Iterable
from typing import Any

from django.template import Context, Template
from django.utils.html import conditional_escape
from django.utils.translation import gettext as _

from htg_migration.errors import ApplicationError
from notifications.models import EmailLanguage, EmailTemplate


class EmailRenderer:
    """Templates looked up and compiled once, however many e-mails of one enqueue call use them. Subject and text are
    rendered without autoescaping, HTML with it; a subject's whitespace becomes one space each."""

    def __init__(self, templates: Iterable[EmailTemplate]) -> None:
        self.templates = {(template.key, template.language): template for template in templates}
        self.compiled: dict[tuple[str, str], tuple[Template, Template, Template | None]] = {}

    def template(self, *, key: str, language: str) -> EmailTemplate:
        """The template in this language, else in the other one."""
        fallback = EmailLanguage.ENGLISH if language == EmailLanguage.DUTCH else EmailLanguage.DUTCH
        template = self.templates.get((key, language)) or self.templates.get((key, fallback))
        if template is None:
            raise ApplicationError(_("There is no e-mail template %(key)s.") % {"key": key}, {"template_key": key})
        return template

    def render(self, template: EmailTemplate, context: dict[str, Any]) -> tuple[str, str, str]:
        parts = self.compiled.get((template.key, template.language))
        if parts is None:
            parts = (
                Template(template.subject),
                Template(template.body_text),
                Template(template.body_html) if template.body_html.strip() else None,
            )
            self.compiled[(template.key, template.language)] = parts
        subject, text, html = parts
        stops = _values_ending_in_a_full_stop(context)
        return (
            _one_full_stop(" ".join(subject.render(Context(context, autoescape=False)).split()), stops),
            _one_full_stop(text.render(Context(context, autoescape=False)), stops),
            _one_full_stop(html.render(Context(context, autoescape=True)), stops, escape=True) if html else "",
        )


def _values_ending_in_a_full_stop(value: Any) -> set[str]:
    """The text values of a context (nested ones too) that end in a full stop, such as "Van Dam B.V."."""
    if isinstance(value, str):
        return {value} if value.endswith(".") and not value.endswith("..") else set()
    if isinstance(value, dict):
        value = value.values()
    if isinstance(value, list | tuple | type({}.values())):
        return set().union(*(_values_ending_in_a_full_stop(item) for item in value))
    return set()


def _one_full_stop(rendered: str, values: set[str], *, escape: bool = False) -> str:
    """A template that ends a sentence after a value that itself ends in a full stop ("the intake of
    {{ company_name }}.") says "the intake of Van Dam B.V.", not "B.V..": whatever the administrator writes."""
    for value in values:
        shown = str(conditional_escape(value)) if escape else value
        rendered = rendered.replace(shown + ".", shown)
    return rendered


def email_renderer(template_keys: Iterable[str]) -> EmailRenderer:
    """A renderer for these template keys, in both languages (one query)."""
    return EmailRenderer(EmailTemplate.objects.filter(key__in=set(template_keys)))


def email_template_render(*, template: EmailTemplate, context: dict[str, Any]) -> tuple[str, str, str]:
    """Subject, text and HTML of a template with a context. HTML is autoescaped; subject and text are not."""
    return EmailRenderer([template]).render(template, context)

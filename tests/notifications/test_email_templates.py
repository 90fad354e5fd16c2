"""Every stored e-mail template, in both languages, rendered with its example data: addresses are links in the HTML
part and lead to a page of the app, and a name that ends in a full stop gets no second one."""

import re
from urllib.parse import urlsplit

import pytest
from django.urls import Resolver404, resolve

from notifications.models import EmailTemplate
from notifications.services import email_template_render

pytestmark = pytest.mark.django_db

URL = re.compile(r"https?://[^\s<>\"']+")
TEXT_VALUE = re.compile(r"^[^\d:/@]*[A-Za-z][^:/@]*$")  # a name or a phrase: no address, date or number


# Every template the app sends (a new one joins this list, and so every test here).
KEYS = [
    "connection.digipoort_closed",
    "connection.invited",
    "connection.live",
    "connection.problem_reported",
    "connection.reminder",
    "connection.slot_booked",
    "connection.slot_cancelled",
    "connection.slot_offered",
    "connection.technical_data_sent",
    "connection.testing",
    "core_team.escalation",
    "customer.htg_number_issued",
    "hub.reminder",
    "news.item",
    "portal.sign_in_link",
    "staff.password_reset",
    "team.digest",
    "webhooks.endpoint_paused",
]
TEMPLATES = [(key, language) for key in KEYS for language in ("nl", "en")]


def _template(key_and_language):
    key, language = key_and_language
    return EmailTemplate.objects.get(key=key, language=language)


def _with_full_stops(value):
    """The example data with every name and phrase ending in a full stop ("Example B.V.", "Jane Smith Jr.")."""
    if isinstance(value, dict):
        return {key: _with_full_stops(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_with_full_stops(item) for item in value]
    if isinstance(value, str) and TEXT_VALUE.match(value) and "\n" not in value and not value.endswith("."):
        return value + "."
    return value


def test_these_are_all_the_templates_each_in_both_languages():
    assert sorted(EmailTemplate.objects.values_list("key", "language")) == sorted(TEMPLATES)


@pytest.mark.parametrize("key_and_language", TEMPLATES, ids=":".join)
def test_a_name_ending_in_a_full_stop_gets_no_second_one(key_and_language):
    # given: every name in the example data ends in a full stop
    template = _template(key_and_language)
    context = _with_full_stops(template.example_context)

    # when
    subject, text, html = email_template_render(template=template, context=context)

    # then
    for part in (subject, text, html):
        assert not re.search(r"(?<!\.)\.\.(?!\.)", part), part


@pytest.mark.parametrize("key_and_language", TEMPLATES, ids=":".join)
def test_every_address_in_the_html_part_is_a_link_to_itself(key_and_language):
    # given
    template = _template(key_and_language)

    # when
    _subject, _text, html = email_template_render(template=template, context=template.example_context)

    # then: each address shown is the text of a link to it, and each link's address is shown
    shown = [match.group(0) for match in URL.finditer(re.sub(r'href="[^"]*"', "", html))]
    linked = re.findall(r'<a href="([^"]+)">([^<]*)</a>', html)
    assert sorted(shown) == sorted(text for _href, text in linked if URL.fullmatch(text))
    assert all(href == text for href, text in linked if URL.fullmatch(text))


@pytest.mark.parametrize("key_and_language", TEMPLATES, ids=":".join)
def test_every_address_in_the_example_data_is_a_page_of_the_app(key_and_language):
    # given
    template = _template(key_and_language)

    # when
    _subject, text, html = email_template_render(template=template, context=template.example_context)

    # then
    for address in set(URL.findall(text + html)):
        path = urlsplit(address).path
        try:
            resolve(path)
        except Resolver404:
            pytest.fail(f"{template}: {address} is not a page of the app")

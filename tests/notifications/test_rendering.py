"""A template part renders exactly what Django renders, whether it took the shape's static pieces or Django itself."""

from unittest import mock

import pytest
from django.template import Context, Template

from notifications import rendering
from notifications.models import EmailTemplate
from notifications.rendering import TemplatePart, template_names

HOSTILE = "<b>Smit & Zn</b> \"quoted\" 'single' {{ not_a_tag }} {% if x %} \x01"


def django(source, context, *, autoescape):
    return Template(source).render(Context(context, autoescape=autoescape))


def rendered_both_ways(source, contexts, *, autoescape):
    part = TemplatePart(source, autoescape=autoescape)
    return [part.render(context) for context in contexts], [
        django(source, context, autoescape=autoescape) for context in contexts
    ]


@pytest.mark.parametrize("autoescape", [True, False])
def test_printed_names_are_filled_in_from_one_rendering_per_shape(autoescape):
    # given: a template whose printed names appear once, twice, inside a branch and inside a loop
    source = (
        "Dear {{ name }} ({{ name }}), {% if rung == 2 %}second{% else %}first{% endif %} for {{ company }}; "
        "{% for item in items_fixed %}[{{ company }}]{% endfor %} {{ missing_in_context }} {{ count }}."
    )
    contexts = [
        {"name": f"Person {number} {HOSTILE}", "company": f"Firm {number} & Co", "rung": 1 + number % 2, "count": 3}
        for number in range(10)
    ]
    contexts = [{**context, "items_fixed": (1, 2)} for context in contexts]

    # when
    fast, slow = rendered_both_ways(source, contexts, autoescape=autoescape)

    # then: the same text, and only two shapes (rung 1 and rung 2) were rendered by Django
    assert fast == slow
    part = TemplatePart(source, autoescape=autoescape)
    with mock.patch.object(part, "_django", wraps=part._django) as through_django:
        assert [part.render(context) for context in contexts] == slow
    assert through_django.call_count == 2


def test_a_name_used_in_a_tag_or_with_a_filter_is_part_of_the_shape_not_filled_in():
    # given: names tested, filtered, shadowed by a loop and by `with`, and dotted
    source = (
        "{% if htg %}({{ htg }}){% endif %} {{ contact|default:'unknown' }} "
        "{% for name in names %}{{ name }}{% endfor %} {% with company=other %}{{ company }}{% endwith %} "
        "{{ company }} {{ obj.title }}"
    )
    contexts = [
        {"htg": "", "contact": "", "names": ("a", "b"), "other": "X", "company": "Firm <1>", "obj": "s", "name": "N"},
        {"htg": "HTG1", "contact": "Jan", "names": ("c",), "other": "Y", "company": "Firm 2", "obj": "t", "name": "M"},
        {"htg": "HTG2", "contact": "", "names": (), "other": "<Z>", "company": "", "obj": "u", "name": ""},
    ]

    # when / then
    printed, mentioned = template_names(source)
    assert printed == frozenset()  # company is used in `with`, name in `for`: neither is only printed
    assert {"htg", "contact", "names", "other", "company", "obj"} <= mentioned
    fast, slow = rendered_both_ways(source, contexts, autoescape=True)
    assert fast == slow
    assert "unknown" in fast[0] and "(HTG1)" in fast[1] and "&lt;Z&gt;" in fast[2]


def test_values_that_are_not_plain_text_change_the_shape_and_render_as_django_renders_them():
    # given: a number, a boolean, None, a marked-safe string and a list printed with {{ }}
    from django.utils.safestring import mark_safe

    source = "{{ value }}|{{ text }}"
    contexts = [
        {"value": 1, "text": "a"},
        {"value": True, "text": "b"},
        {"value": None, "text": "c"},
        {"value": mark_safe("<i>safe</i>"), "text": "<d>"},
        {"value": ["x", "<y>"], "text": "e"},
        {"value": {"k": "v"}, "text": "f"},
        {"value": "plain\x00nul", "text": "g"},
        {"text": "h"},
    ]

    # when / then
    for autoescape in (True, False):
        fast, slow = rendered_both_ways(source, contexts, autoescape=autoescape)
        assert fast == slow


def test_a_template_with_a_tag_outside_the_known_list_is_always_rendered_by_django():
    # given: tags that wrap or read their body or the context in their own way
    for source in (
        "{% filter upper %}{{ name }}{% endfilter %}",
        "{% autoescape off %}{{ name }}{% endautoescape %}",
        "{% spaceless %}<p> {{ name }} </p>{% endspaceless %}",
        "{% firstof name 'x' %} {{ name }}",
        "{% load i18n %}{% blocktranslate %}Hi {{ name }}{% endblocktranslate %}",
        "text with a NUL \x00 {{ name }}",
    ):
        # when
        part = TemplatePart(source, autoescape=True)

        # then
        assert part.printed is None
        contexts = [{"name": "<a> b"}, {"name": "c"}]
        assert [part.render(context) for context in contexts] == [
            django(source, context, autoescape=True) for context in contexts
        ]
        assert part.shapes == {}


def test_beyond_the_shape_limit_the_rest_is_rendered_by_django(monkeypatch):
    # given: every context a different shape (the tested name differs each time)
    monkeypatch.setattr(rendering, "MAX_SHAPES", 3)
    source = "{% if code %}{{ code }}{% endif %} {{ name }}"
    contexts = [{"code": f"C{number}", "name": f"N{number}"} for number in range(6)]

    # when
    fast, slow = rendered_both_ways(source, contexts, autoescape=False)

    # then
    assert fast == slow
    part = TemplatePart(source, autoescape=False)
    for context in contexts:
        part.render(context)
    assert len(part.shapes) == 3


@pytest.mark.django_db
def test_every_stored_template_renders_its_example_exactly_as_django_does():
    # given: the templates the migrations install, each with its example data and variants of it
    templates = list(EmailTemplate.objects.all())
    assert templates
    for template in templates:
        example = template.example_context if isinstance(template.example_context, dict) else {}
        variants = [
            example,
            {key: f"{value} <&> “x”" if isinstance(value, str) else value for key, value in example.items()},
            {key: "" if isinstance(value, str) else value for key, value in example.items()},
        ]
        for source, autoescape in (
            (template.subject, False),
            (template.body_text, False),
            (template.body_html, True),
        ):
            # when
            part = TemplatePart(source, autoescape=autoescape)

            # then
            for context in variants:
                assert part.render(context) == django(source, context, autoescape=autoescape), template.key

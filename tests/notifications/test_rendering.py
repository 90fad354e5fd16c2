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
    names = template_names(source)
    # company is used in `with`, name in `for`: neither is only printed; htg is printed and tested bare only
    assert names.printed == names.tested == frozenset({"htg"})
    assert {"htg", "contact", "names", "other", "company", "obj"} <= names.mentioned
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
    source = "{% if code != name %}{{ code }}{% endif %} {{ name }}"
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


@pytest.mark.parametrize("autoescape", [True, False])
def test_a_name_tested_bare_and_printed_is_filled_in_when_not_empty_and_part_of_the_shape_when_empty(autoescape):
    # given: a code tested with if, elif and not, printed in the branch; ten different codes and two empty ones
    source = (
        "{% if code %}({{ code }}){% elif other %}[{{ other }}]{% endif %}"
        "{% if not code %} no code{% endif %} {{ name }}"
    )
    contexts = [{"code": f"C{number} {HOSTILE}", "other": "", "name": f"N{number}"} for number in range(10)]
    contexts += [{"code": "", "other": "O <1>", "name": "x"}, {"code": "", "other": "", "name": "y"}]

    # when
    fast, slow = rendered_both_ways(source, contexts, autoescape=autoescape)
    part = TemplatePart(source, autoescape=autoescape)
    for context in contexts:
        part.render(context)

    # then: the same text; one shape for every non-empty code, one per empty combination
    assert fast == slow
    assert part.tested == frozenset({"code", "other"})
    assert len(part.shapes) == 3


HUB_SOURCE = (
    "Dear {{ contact_name }}, {{ client_count }} clients of {{ hub_name }}:\n"
    "{% for client in clients %}- {{ client.company_name }}{% if client.htg_number %} ({{ client.htg_number }})"
    "{% endif %} · {{ client.step }}{% if client.rung == 2 %} · second reminder{% endif %}\n{% endfor %}"
    "See {{ portal_url }}"
)


def _hub_context(number, clients):
    return {
        "contact_name": f"Contact {number} {HOSTILE}",
        "hub_name": f"Hub {number} & Zn",
        "client_count": clients,
        "portal_url": "https://example.org/portal/",
        "clients": [
            {
                "company_name": f"Client {number}.{index} <{HOSTILE}>",
                "htg_number": "" if index % 3 == 0 else f"HTG{number:03d}{index}",
                "step": "invited",
                "rung": 1 + index % 2,
            }
            for index in range(clients)
        ],
    }


@pytest.mark.parametrize("autoescape", [True, False])
def test_a_top_level_loop_over_dicts_is_rendered_apart_from_a_few_shapes_exactly_as_django_does(autoescape):
    # given: twenty hubs, each with a different list of clients (none, one, many)
    contexts = [_hub_context(number, clients=number % 7) for number in range(20)]

    # when
    part = TemplatePart(HUB_SOURCE, autoescape=autoescape)
    with mock.patch.object(TemplatePart, "_django", autospec=True, side_effect=TemplatePart._django) as django_calls:
        fast = [part.render(context) for context in contexts]

    # then: the same text as Django's; the loop was rendered apart, from a handful of shapes
    assert fast == [django(HUB_SOURCE, context, autoescape=autoescape) for context in contexts]
    assert [(loop.variable, loop.sequence, loop.keys) for loop in part.loops] == [
        ("client", "clients", ("company_name", "htg_number", "rung", "step"))
    ]
    assert len(part.loops[0].body.shapes) == 4  # htg number empty or not, times rung 1 or 2
    assert django_calls.call_count <= len(part.shapes) + 4
    assert len(part.shapes) <= 7  # the client count is a number: part of the outer shape


@pytest.mark.parametrize(
    "body",
    [
        "{{ forloop.counter }} {{ client.company_name }}",
        "{{ client }}",
        "{{ client.company_name }}{% for other in clients %}{{ other.step }}{% endfor %}",
        "{{ client.company_name }}{% empty %}none",
        "{{ client.company_name|default:'-' }}",
        "{{ client.company.name }}",
    ],
)
def test_a_loop_that_reads_its_item_otherwise_stays_with_django(body):
    # given: a loop body that uses the loop, the item itself, a nested loop, empty, quoted text or a nested key
    source = f"Hi {{{{ hub_name }}}} {{% for client in clients %}}[{body}]{{% endfor %}}"
    contexts = [_hub_context(number, clients=number % 3) for number in range(4)]
    for context in contexts:
        context["clients"] = [{**client, "company": {"name": "C <x>"}} for client in context["clients"]]

    # when
    part = TemplatePart(source, autoescape=True)

    # then
    assert part.loops == []
    assert [part.render(context) for context in contexts] == [
        django(source, context, autoescape=True) for context in contexts
    ]


def test_a_loop_over_what_is_not_a_list_of_dicts_with_its_keys_is_rendered_by_django():
    # given: the hub template with contexts the loop cannot be rendered apart for
    part = TemplatePart(HUB_SOURCE, autoescape=True)
    assert part.loops
    good = _hub_context(1, clients=2)
    contexts = [
        {**good, "clients": None},
        {key: value for key, value in good.items() if key != "clients"},
        {**good, "clients": "abc"},
        {**good, "clients": [*good["clients"], "not a dict"]},
        {**good, "clients": [{"company_name": "Only a name"}]},
        {**good, "client__step": "a name a flattened key could be taken for"},
        {**good, "clients": ({"company_name": "T", "htg_number": "", "step": "s", "rung": 2},)},
    ]

    # when / then
    for context in contexts:
        assert part.render(context) == django(HUB_SOURCE, context, autoescape=True)


@pytest.mark.parametrize(
    "source",
    [
        "{% load i18n %}{% for client in clients %}{% translate client.step %} {{ client.company_name }}{% endfor %}",
        "{% load tz %}{% for client in clients %}{{ client.company_name|utc }}{% endfor %}",
    ],
)
def test_a_loop_in_a_template_that_loads_a_library_stays_with_django(source):
    # given: a loop body that uses a tag or filter of a library loaded outside the loop
    contexts = [_hub_context(number, clients=2) for number in range(3)]

    # when
    part = TemplatePart(source, autoescape=True)

    # then: not split (the body alone would not compile), rendered as Django renders it
    assert part.loops == []
    assert [part.render(context) for context in contexts] == [
        django(source, context, autoescape=True) for context in contexts
    ]

"""The team's daily digest (connections/services/digest.py), in Dutch and English (editable in the admin afterwards).

Context values are strings formatted by the caller in the team's language (HTG_TEAM_LANGUAGE), as in 0002 and 0003:
`slots`, `due` and `callbacks` are lists of dicts, each with a `url` into the team workspace.
"""

from django.db import migrations

EXAMPLE_NL = {
    "member_name": "Piet Jansen",
    "date": "dinsdag 19 mei 2020",
    "item_count": 4,
    "slots": [
        {
            "start": "10:00",
            "end": "11:00",
            "company_name": "Voorbeeld Logistiek B.V.",
            "htg_number": "HTG-0000042-2",
            "flow_code": "NCTS",
            "url": "https://migratie-htg.example.org/team/connections/42/",
        }
    ],
    "due": [
        {
            "company_name": "Haven Expeditie B.V.",
            "htg_number": "",
            "flow_code": "AGS",
            "step": "Testen",
            "due_date": "15 mei 2020",
            "overdue": True,
            "url": "https://migratie-htg.example.org/team/connections/43/",
        },
        {
            "company_name": "Voorbeeld Logistiek B.V.",
            "htg_number": "HTG-0000042-2",
            "flow_code": "ECS",
            "step": "Uitgenodigd",
            "due_date": "19 mei 2020",
            "overdue": False,
            "url": "https://migratie-htg.example.org/team/connections/44/",
        },
    ],
    "callbacks": [
        {
            "company_name": "Haven Expeditie B.V.",
            "htg_number": "",
            "flow_code": "AGS",
            "contact_name": "Jan de Vries",
            "contact_phone": "010 123 4567",
            "urgent": True,
            "due": "19 mei 2020 11:00",
            "escalated": False,
            "url": "https://migratie-htg.example.org/team/callbacks/",
        }
    ],
    "team_url": "https://migratie-htg.example.org/team/connections/",
}
EXAMPLE_EN = {
    **EXAMPLE_NL,
    "member_name": "Peter Johnson",
    "date": "Tuesday 19 May 2020",
    "slots": [{**EXAMPLE_NL["slots"][0], "company_name": "Example Logistics Ltd"}],
    "due": [
        {**EXAMPLE_NL["due"][0], "company_name": "Harbour Forwarding Ltd", "step": "Testing", "due_date": "15 May 2020"},
        {
            **EXAMPLE_NL["due"][1],
            "company_name": "Example Logistics Ltd",
            "step": "Invited",
            "due_date": "19 May 2020",
        },
    ],
    "callbacks": [
        {
            **EXAMPLE_NL["callbacks"][0],
            "company_name": "Harbour Forwarding Ltd",
            "contact_name": "Jane Smith",
            "due": "19 May 2020 11:00",
        }
    ],
}

WORDS = {
    "nl": {
        "subject": "Werklijst {{ date }}: {{ item_count }} punt{{ item_count|pluralize:'en' }}",
        "greeting": "Goedemorgen {{ member_name }},",
        "intro": "Dit staat vandaag, {{ date }}, voor je klaar.",
        "slots": "Afspraken vandaag",
        "due": "Aansluitingen die vandaag verlopen of te laat zijn",
        "by": "uiterlijk",
        "overdue": "te laat",
        "callbacks": "Open terugbelverzoeken",
        "call_by": "terugbellen vóór",
        "urgent": "urgent",
        "escalated": "geëscaleerd",
        "workspace": "Alles in de werkruimte",
        "footer": "Je krijgt dit overzicht elke werkdag waarop er iets voor je klaarstaat.",
    },
    "en": {
        "subject": "Your list for {{ date }}: {{ item_count }} item{{ item_count|pluralize }}",
        "greeting": "Good morning {{ member_name }},",
        "intro": "This is waiting for you today, {{ date }}.",
        "slots": "Sessions today",
        "due": "Connections due today or overdue",
        "by": "due",
        "overdue": "overdue",
        "callbacks": "Open callback requests",
        "call_by": "call back by",
        "urgent": "urgent",
        "escalated": "escalated",
        "workspace": "Everything in the workspace",
        "footer": "You get this list every working day on which something is waiting for you.",
    },
}

NUMBER = "{% if line.htg_number %} ({{ line.htg_number }}){% endif %}"
SLOT_LINE = "{{ line.start }}–{{ line.end }} · {{ line.company_name }}" + NUMBER + " · {{ line.flow_code }}"
DUE_LINE = (
    "{{ line.company_name }}" + NUMBER + " · {{ line.flow_code }} · {{ line.step }} · [by] {{ line.due_date }}"
    "{% if line.overdue %} · [overdue]{% endif %}"
)
CALLBACK_LINE = (
    "{{ line.company_name }}" + NUMBER + "{% if line.flow_code %} · {{ line.flow_code }}{% endif %} · "
    "{{ line.contact_name }}, {{ line.contact_phone }} · [call_by] {{ line.due }}"
    "{% if line.urgent %} · [urgent]{% endif %}{% if line.escalated %} · [escalated]{% endif %}"
)
SECTIONS = (("slots", SLOT_LINE), ("due", DUE_LINE), ("callbacks", CALLBACK_LINE))


def _words(line, words):
    for name in ("by", "overdue", "call_by", "urgent", "escalated"):
        line = line.replace(f"[{name}]", words[name])
    return line


def _text(words):
    parts = [f"{words['greeting']}\n\n{words['intro']}\n"]
    for name, line in SECTIONS:
        parts.append(
            f"{{% if {name} %}}\n{words[name]}:\n"
            f"{{% for line in {name} %}}- {_words(line, words)}\n  {{{{ line.url }}}}\n{{% endfor %}}{{% endif %}}"
        )
    parts.append(f"\n{words['workspace']}: {{{{ team_url }}}}\n\n{words['footer']}\n")
    return "".join(parts)


def _html(words):
    parts = [f"<p>{words['greeting']}</p>\n<p>{words['intro']}</p>\n"]
    for name, line in SECTIONS:
        parts.append(
            f"{{% if {name} %}}<h3>{words[name]}</h3>\n<ul>\n"
            f'{{% for line in {name} %}}<li><a href="{{{{ line.url }}}}">{_words(line, words)}</a></li>\n'
            "{% endfor %}</ul>\n{% endif %}"
        )
    parts.append(
        f'<p>{words["workspace"]}: <a href="{{{{ team_url }}}}">{{{{ team_url }}}}</a></p>\n<p>{words["footer"]}</p>\n'
    )
    return "".join(parts)


def load(apps, schema_editor):
    EmailTemplate = apps.get_model("notifications", "EmailTemplate")
    for language, example in (("nl", EXAMPLE_NL), ("en", EXAMPLE_EN)):
        words = WORDS[language]
        EmailTemplate.objects.update_or_create(
            key="team.digest",
            language=language,
            defaults={
                "subject": words["subject"],
                "body_text": _text(words),
                "body_html": _html(words),
                "example_context": example,
            },
        )


def unload(apps, schema_editor):
    apps.get_model("notifications", "EmailTemplate").objects.filter(key="team.digest").delete()


class Migration(migrations.Migration):
    dependencies = [("notifications", "0004_attachments")]

    operations = [migrations.RunPython(load, unload)]

"""The reminder ladder's e-mails, in Dutch and English (editable in the admin afterwards): a reminder to a company,
one reminder to a hub listing its clients, and the escalation to the core team.

Context values are strings formatted by the caller in the recipient's language (dates included), as in 0002; the
hub's `clients` is a list of such dicts. The HTML body is built from the text paragraph by paragraph, except for the
hub reminder, whose client list is an HTML list.
"""

from django.db import migrations

SIGNATURE_NL = "Met vriendelijke groet,\nHet aansluitteam Migratie Digipoort HTG\nDouane"
SIGNATURE_EN = "Kind regards,\nThe connection team, Digipoort HTG migration\nDutch Customs"

CLIENTS_NL = [
    {
        "company_name": "Voorbeeld Logistiek B.V.",
        "htg_number": "HTG-0000042-2",
        "flow_name": "NCTS",
        "step": "Uitgenodigd",
        "due_date": "26 mei 2020",
        "rung": 1,
    },
    {
        "company_name": "Haven Expeditie B.V.",
        "htg_number": "",
        "flow_name": "AGS",
        "step": "Testen",
        "due_date": "26 mei 2020",
        "rung": 2,
    },
]
CLIENTS_EN = [
    {**CLIENTS_NL[0], "company_name": "Example Logistics Ltd", "step": "Invited", "due_date": "26 May 2020"},
    {**CLIENTS_NL[1], "company_name": "Harbour Forwarding Ltd", "step": "Testing", "due_date": "26 May 2020"},
]

REMINDER_NL = {
    "contact_name": "Jan de Vries",
    "company_name": "Voorbeeld Logistiek B.V.",
    "htg_number": "HTG-0000042-2",
    "flow_name": "NCTS",
    "step": "Uitgenodigd",
    "passed_due_date": "20 mei 2020",
    "due_date": "26 mei 2020",
    "rung": 1,
    "portal_url": "https://migratie-htg.example.org/portaal/",
}
REMINDER_EN = {
    **REMINDER_NL,
    "contact_name": "Jane Smith",
    "company_name": "Example Logistics Ltd",
    "step": "Invited",
    "passed_due_date": "20 May 2020",
    "due_date": "26 May 2020",
}

HUB_HTML_NL = (
    "<p>Beste {{ contact_name }},</p>\n"
    "<p>Voor {{ client_count }} klant(en) die {{ hub_name }} bedient, wachten wij nog op een actie. Wilt u die "
    "vóór de genoemde datum uitvoeren?</p>\n"
    "<ul>\n{% for client in clients %}<li>{{ client.company_name }}{% if client.htg_number %} "
    "({{ client.htg_number }}){% endif %} · {{ client.flow_name }} · {{ client.step }} · uiterlijk "
    "{{ client.due_date }}{% if client.rung == 2 %} · tweede herinnering{% endif %}</li>\n{% endfor %}</ul>\n"
    "<p>Dat kan via het portaal: {{ portal_url }}</p>\n"
    "<p>Zonder reactie na de tweede herinnering neemt het kernteam rechtstreeks contact op met de klant.</p>\n"
)
HUB_HTML_EN = (
    "<p>Dear {{ contact_name }},</p>\n"
    "<p>For {{ client_count }} client(s) that {{ hub_name }} serves, we are still waiting for an action. Please take "
    "it by the date given.</p>\n"
    "<ul>\n{% for client in clients %}<li>{{ client.company_name }}{% if client.htg_number %} "
    "({{ client.htg_number }}){% endif %} · {{ client.flow_name }} · {{ client.step }} · by "
    "{{ client.due_date }}{% if client.rung == 2 %} · second reminder{% endif %}</li>\n{% endfor %}</ul>\n"
    "<p>You can do so in the portal: {{ portal_url }}</p>\n"
    "<p>Without a response after the second reminder, the core team will contact the client directly.</p>\n"
)

TEMPLATES = {
    "connection.reminder": {
        "nl": (
            "{% if rung == 2 %}Tweede herinnering{% else %}Herinnering{% endif %}: {{ flow_name }} – {{ step }}",
            "Beste {{ contact_name }},\n\n"
            "Voor de migratie van {{ flow_name }} van {{ company_name }} naar HTG wachten wij op uw actie in de stap "
            "“{{ step }}”. Die was uiterlijk {{ passed_due_date }} verwacht.\n\n"
            "Wilt u dit vóór {{ due_date }} doen? Dat kan via het portaal: {{ portal_url }}\n\n"
            "{% if rung == 2 %}Dit is de tweede herinnering. Zonder reactie neemt het kernteam rechtstreeks contact "
            "met u op.{% else %}Lukt het niet? Antwoord op deze e-mail; het aansluitteam helpt u.{% endif %}",
            None,
            REMINDER_NL,
        ),
        "en": (
            "{% if rung == 2 %}Second reminder{% else %}Reminder{% endif %}: {{ flow_name }} – {{ step }}",
            "Dear {{ contact_name }},\n\n"
            "For the move of {{ company_name }}'s {{ flow_name }} to HTG we are waiting for your action in the step "
            "“{{ step }}”. It was due by {{ passed_due_date }}.\n\n"
            "Please take it before {{ due_date }}, in the portal: {{ portal_url }}\n\n"
            "{% if rung == 2 %}This is the second reminder. Without a response, the core team will contact you "
            "directly.{% else %}Any trouble? Reply to this e-mail; the connection team will help.{% endif %}",
            None,
            REMINDER_EN,
        ),
    },
    "hub.reminder": {
        "nl": (
            "Herinnering: {{ client_count }} klant(en) van {{ hub_name }} wachten op actie",
            "Beste {{ contact_name }},\n\n"
            "Voor {{ client_count }} klant(en) die {{ hub_name }} bedient, wachten wij nog op een actie. Wilt u die "
            "vóór de genoemde datum uitvoeren?\n\n"
            "{% for client in clients %}- {{ client.company_name }}{% if client.htg_number %} "
            "({{ client.htg_number }}){% endif %} · {{ client.flow_name }} · {{ client.step }} · uiterlijk "
            "{{ client.due_date }}{% if client.rung == 2 %} · tweede herinnering{% endif %}\n{% endfor %}\n"
            "Dat kan via het portaal: {{ portal_url }}\n\n"
            "Zonder reactie na de tweede herinnering neemt het kernteam rechtstreeks contact op met de klant.",
            HUB_HTML_NL,
            {
                "contact_name": "Jan de Vries",
                "hub_name": "Voorbeeld Hub B.V.",
                "clients": CLIENTS_NL,
                "client_count": 2,
                "portal_url": "https://migratie-htg.example.org/portaal/",
            },
        ),
        "en": (
            "Reminder: {{ client_count }} client(s) of {{ hub_name }} waiting for action",
            "Dear {{ contact_name }},\n\n"
            "For {{ client_count }} client(s) that {{ hub_name }} serves, we are still waiting for an action. Please "
            "take it by the date given.\n\n"
            "{% for client in clients %}- {{ client.company_name }}{% if client.htg_number %} "
            "({{ client.htg_number }}){% endif %} · {{ client.flow_name }} · {{ client.step }} · by "
            "{{ client.due_date }}{% if client.rung == 2 %} · second reminder{% endif %}\n{% endfor %}\n"
            "You can do so in the portal: {{ portal_url }}\n\n"
            "Without a response after the second reminder, the core team will contact the client directly.",
            HUB_HTML_EN,
            {
                "contact_name": "Jane Smith",
                "hub_name": "Example Hub Ltd",
                "clients": CLIENTS_EN,
                "client_count": 2,
                "portal_url": "https://migratie-htg.example.org/portal/",
            },
        ),
    },
    "core_team.escalation": {
        "nl": (
            "Escalatie: {{ company_name }} · {{ flow_name }} · {{ step }}",
            "Aan het kernteam,\n\n"
            "{{ company_name }}{% if htg_number %} ({{ htg_number }}){% endif %} reageerde niet op "
            "{{ reminders }} herinneringen voor {{ flow_name }} in de stap “{{ step }}” (uiterlijk "
            "{{ due_date }}).\n\n"
            "Contactpersoon: {{ contact_name|default:'onbekend' }}{% if contact_email %}, {{ contact_email }}"
            "{% endif %}{% if contact_phone %}, {{ contact_phone }}{% endif %}\n\n"
            "Neem de escalatie op in de wachtrij en benader het bedrijf rechtstreeks: {{ queue_url }}",
            None,
            {
                "company_name": "Voorbeeld Logistiek B.V.",
                "htg_number": "HTG-0000042-2",
                "flow_name": "NCTS",
                "step": "Testen",
                "due_date": "29 mei 2020",
                "reminders": 2,
                "contact_name": "Jan de Vries",
                "contact_email": "jan@voorbeeld.example",
                "contact_phone": "010 123 4567",
                "queue_url": "https://migratie-htg.example.org/team/escalations/",
            },
        ),
        "en": (
            "Escalation: {{ company_name }} · {{ flow_name }} · {{ step }}",
            "To the core team,\n\n"
            "{{ company_name }}{% if htg_number %} ({{ htg_number }}){% endif %} did not respond to "
            "{{ reminders }} reminders for {{ flow_name }} in the step “{{ step }}” (due by {{ due_date }}).\n\n"
            "Contact: {{ contact_name|default:'unknown' }}{% if contact_email %}, {{ contact_email }}{% endif %}"
            "{% if contact_phone %}, {{ contact_phone }}{% endif %}\n\n"
            "Take the escalation in the queue and approach the company directly: {{ queue_url }}",
            None,
            {
                "company_name": "Example Logistics Ltd",
                "htg_number": "HTG-0000042-2",
                "flow_name": "NCTS",
                "step": "Testing",
                "due_date": "29 May 2020",
                "reminders": 2,
                "contact_name": "Jane Smith",
                "contact_email": "jane@example.example",
                "contact_phone": "010 123 4567",
                "queue_url": "https://migratie-htg.example.org/team/escalations/",
            },
        ),
    },
}


def _html(text):
    paragraphs = text.split("\n\n")
    return "".join(f"<p>{paragraph.replace(chr(10), '<br>')}</p>\n" for paragraph in paragraphs)


def load(apps, schema_editor):
    EmailTemplate = apps.get_model("notifications", "EmailTemplate")
    for key, languages in TEMPLATES.items():
        for language, (subject, body, body_html, example) in languages.items():
            signature = SIGNATURE_NL if language == "nl" else SIGNATURE_EN
            body_text = f"{body}\n\n{signature}\n"
            signature_html = _html(signature)
            EmailTemplate.objects.update_or_create(
                key=key,
                language=language,
                defaults={
                    "subject": subject,
                    "body_text": body_text,
                    "body_html": body_html + signature_html if body_html else _html(body_text.strip()),
                    "example_context": example,
                },
            )


def unload(apps, schema_editor):
    apps.get_model("notifications", "EmailTemplate").objects.filter(key__in=list(TEMPLATES)).delete()


class Migration(migrations.Migration):
    dependencies = [("notifications", "0002_step_templates")]

    operations = [migrations.RunPython(load, unload)]

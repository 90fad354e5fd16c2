"""The companies' e-mails after issue 14 (editable in the admin afterwards):

- every address in an HTML part is a link (`<a href>`), in every template;
- "connection.slot_booked" says whether the session is booked or moved, its time with the time zone, and how it
  happens (by phone: the team calls the person who booked); its reschedule link is the connection's slot page;
- new: "connection.slot_cancelled" (a booked session that no longer takes place; it carries METHOD:CANCEL) and
  "connection.problem_reported" (a problem report's reference and what happens next);
- the example data's addresses are the portal's real ones, so the preview's links lead somewhere.

Context of the session e-mails: `slot_start`, `slot_end`, `time_zone`, `call_name`, `call_phone`, `rescheduled`,
`booking_url`, `connection_url` (connections/services/step_emails.py); of the problem report: `reference`,
`call_name`, `call_phone`, `call_by`, `time_zone`, `urgent`, `report_url` (portal/services/company_actions.py).
"""

import re

from django.db import migrations

SIGNATURE = {
    "nl": "Met vriendelijke groet,\nHet aansluitteam Migratie Digipoort HTG\nDouane",
    "en": "Kind regards,\nThe connection team, Digipoort HTG migration\nDutch Customs",
}
SITE = "https://migratie-htg.example.org"
URL_NAMES = ("intake_url", "booking_url", "connection_url", "portal_url", "status_url", "queue_url", "report_url")

SESSION = {
    "nl": {
        "slot_start": "dinsdag 19 mei 2020 10:00",
        "slot_end": "11:00",
        "time_zone": "Amsterdamse tijd, CEST",
        "call_name": "Anna de Vries",
        "call_phone": "010 123 4567",
        "contact_name": "Anna de Vries",
        "company_name": "Van Dam Logistiek B.V.",
        "flow_name": "NCTS",
    },
    "en": {
        "slot_start": "Tuesday 19 May 2020 10:00",
        "slot_end": "11:00",
        "time_zone": "Amsterdam time, CEST",
        "call_name": "Jane Smith",
        "call_phone": "010 123 4567",
        "contact_name": "Jane Smith",
        "company_name": "Example Logistics Ltd.",
        "flow_name": "NCTS",
    },
}
LINKS = {
    "portal_url": f"{SITE}/portal/",
    "intake_url": f"{SITE}/portal/intake/",
    "booking_url": f"{SITE}/portal/connections/42/slot/",
    "connection_url": f"{SITE}/portal/connections/42/",
    "status_url": f"{SITE}/portal/status/",
}

HOW_NL = (
    "Zo verloopt de afspraak: telefonisch. Een medewerker van het aansluitteam belt "
    "{% if call_phone %}{{ call_name }} op {{ call_phone }}{% else %}u{% endif %} bij het begin van de afspraak. "
    "Houd uw technisch contactpersoon bij de hand.{% if not call_phone %} Wij hebben nog geen telefoonnummer van u: "
    "antwoord op deze e-mail met het nummer waarop wij u kunnen bellen.{% endif %}"
)
HOW_EN = (
    "How it happens: by phone. A member of the connection team calls "
    "{% if call_phone %}{{ call_name }} on {{ call_phone }}{% else %}you{% endif %} at the start of the session. "
    "Please have your technical contact at hand.{% if not call_phone %} We do not have a phone number for you yet: "
    "reply to this e-mail with the number on which we can call you.{% endif %}"
)

NEW = {
    "connection.slot_booked": {
        "nl": (
            "{% if rescheduled %}Verzet{% else %}Bevestiging{% endif %}: aansluitafspraak {{ slot_start }}",
            "Beste {{ contact_name }},\n\n"
            "Uw afspraak met het aansluitteam voor {{ flow_name }} van {{ company_name }} "
            "{% if rescheduled %}is verzet naar{% else %}staat vast op{% endif %}:\n"
            "{{ slot_start }} tot {{ slot_end }} ({{ time_zone }})\n\n"
            f"{HOW_NL}\n\n"
            "Met de bijgevoegde agenda-uitnodiging staat de afspraak in uw agenda"
            "{% if rescheduled %}; de eerdere afspraak wordt daarin verplaatst{% endif %}.\n\n"
            "Verzetten kan via het portaal: {{ booking_url }}",
            {**SESSION["nl"], **LINKS, "rescheduled": False},
        ),
        "en": (
            "{% if rescheduled %}Moved{% else %}Confirmed{% endif %}: connection session on {{ slot_start }}",
            "Dear {{ contact_name }},\n\n"
            "Your session with the connection team for {{ flow_name }} of {{ company_name }} "
            "{% if rescheduled %}is moved to{% else %}is booked for{% endif %}:\n"
            "{{ slot_start }} to {{ slot_end }} ({{ time_zone }})\n\n"
            f"{HOW_EN}\n\n"
            "The attached calendar invitation puts the session in your calendar"
            "{% if rescheduled %} and moves the earlier one there{% endif %}.\n\n"
            "To reschedule, use the portal: {{ booking_url }}",
            {**SESSION["en"], **LINKS, "rescheduled": False},
        ),
    },
    "connection.slot_cancelled": {
        "nl": (
            "Geannuleerd: aansluitafspraak {{ slot_start }}",
            "Beste {{ contact_name }},\n\n"
            "Uw afspraak met het aansluitteam voor {{ flow_name }} van {{ company_name }} op {{ slot_start }} "
            "({{ time_zone }}) gaat niet door. Met de bijgevoegde annulering verdwijnt de afspraak uit uw agenda.\n\n"
            "{% if rebook %}Maak een nieuwe afspraak: {{ booking_url }}"
            "{% else %}Hoe uw aansluiting ervoor staat: {{ connection_url }}{% endif %}",
            {**SESSION["nl"], **LINKS, "rebook": True},
        ),
        "en": (
            "Cancelled: connection session on {{ slot_start }}",
            "Dear {{ contact_name }},\n\n"
            "Your session with the connection team for {{ flow_name }} of {{ company_name }} on {{ slot_start }} "
            "({{ time_zone }}) no longer takes place. The attached cancellation removes it from your calendar.\n\n"
            "{% if rebook %}Please book a new session: {{ booking_url }}"
            "{% else %}Where your connection stands: {{ connection_url }}{% endif %}",
            {**SESSION["en"], **LINKS, "rebook": True},
        ),
    },
    "connection.problem_reported": {
        "nl": (
            "Uw probleemmelding {{ reference }}",
            "Beste {{ contact_name }},\n\n"
            "Wij hebben uw melding ontvangen van een probleem met {{ flow_name }} van {{ company_name }}. "
            "Uw referentie is:\n\n{{ reference }}\n\n"
            "Noem deze referentie als u de helpdesk belt.\n\n"
            "Hoe het verder gaat: het aansluitteam belt {{ call_name }} op {{ call_phone }}, uiterlijk {{ call_by }} "
            "({{ time_zone }}){% if urgent %}. U heeft de melding als dringend aangemerkt{% endif %}.\n\n"
            "Uw melding in het portaal: {{ report_url }}",
            {
                **SESSION["nl"],
                "reference": "P-000042",
                "call_by": "dinsdag 19 mei 2020 14:00",
                "urgent": True,
                "report_url": f"{SITE}/portal/problems/42/",
            },
        ),
        "en": (
            "Your problem report {{ reference }}",
            "Dear {{ contact_name }},\n\n"
            "We have received your report of a problem with {{ flow_name }} of {{ company_name }}. "
            "Your reference is:\n\n{{ reference }}\n\n"
            "Quote it when you call the helpdesk.\n\n"
            "What happens next: the connection team calls {{ call_name }} on {{ call_phone }}, by {{ call_by }} "
            "({{ time_zone }}){% if urgent %}. You marked the report urgent{% endif %}.\n\n"
            "Your report in the portal: {{ report_url }}",
            {
                **SESSION["en"],
                "reference": "P-000042",
                "call_by": "Tuesday 19 May 2020 14:00",
                "urgent": True,
                "report_url": f"{SITE}/portal/problems/42/",
            },
        ),
    },
}


def links(html: str) -> str:
    """Each address variable shown as text becomes a link to itself (one already in an href stays)."""
    for name in URL_NAMES + ("line.url",):
        variable = "{{ " + name + " }}"
        pattern = re.compile(r'(?<!href=")(?<!">)' + re.escape(variable))
        html = pattern.sub(f'<a href="{variable}">{variable}</a>', html)
    return html


def html_from_text(text: str) -> str:
    paragraphs = text.strip().split("\n\n")
    return links("".join(f"<p>{paragraph.replace(chr(10), '<br>')}</p>\n" for paragraph in paragraphs))


def _example_links(example: dict) -> dict:
    """The example data's addresses as the portal's real ones (the booking link pointed at a page that never was)."""
    fixed = dict(example)
    for name, value in LINKS.items():
        if name in fixed:
            fixed[name] = value
    return fixed


def load(apps, schema_editor):
    EmailTemplate = apps.get_model("notifications", "EmailTemplate")
    for key, languages in NEW.items():
        for language, (subject, body, example) in languages.items():
            body_text = f"{body}\n\n{SIGNATURE[language]}\n"
            EmailTemplate.objects.update_or_create(
                key=key,
                language=language,
                defaults={
                    "subject": subject,
                    "body_text": body_text,
                    "body_html": html_from_text(body_text),
                    "example_context": example,
                },
            )
    for template in EmailTemplate.objects.exclude(key__in=list(NEW)):
        template.body_html = links(template.body_html)
        if template.key == "news.item":
            template.body_html = template.body_html.replace("{{ body|linebreaks }}", "{{ body|urlize|linebreaks }}")
        template.example_context = _example_links(template.example_context or {})
        template.save(update_fields=["body_html", "example_context"])


class Migration(migrations.Migration):
    dependencies = [("notifications", "0015_outbox_unknown_status")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]

"""The portal's own e-mails, in Dutch and English (editable in the admin afterwards): the sign-in link
(connections/services/portal_sign_in.py) and the HTG number issued at intake (connections/services/intake.py).

Context values are strings (and one boolean, `is_known`: the address belongs to a registered contact; otherwise the
link starts the intake of a new company).
"""

from django.db import migrations

SIGNATURE_NL = "Met vriendelijke groet,\nHet aansluitteam Migratie Digipoort HTG\nDouane"
SIGNATURE_EN = "Kind regards,\nThe connection team, Digipoort HTG migration\nDutch Customs"

TEMPLATES = {
    "portal.sign_in_link": {
        "nl": (
            "Uw inloglink voor het HTG-migratieportaal",
            "{% if is_known %}Beste {{ contact_name }},{% else %}Goedendag,{% endif %}\n\n"
            "{% if is_known %}Met deze link logt u in op het HTG-migratieportaal voor {{ company_name }}:"
            "{% else %}Met deze link bevestigt u uw e-mailadres en start u de intake voor de overstap naar HTG:"
            "{% endif %}\n{{ link }}\n\n"
            "De link werkt één keer en is {{ minutes }} minuten geldig. Op de pagina die opent, klikt u op Inloggen.\n\n"
            "Heeft u deze link niet aangevraagd? Dan hoeft u niets te doen: zonder de link kan niemand inloggen.",
        ),
        "en": (
            "Your sign-in link for the HTG migration portal",
            "{% if is_known %}Dear {{ contact_name }},{% else %}Hello,{% endif %}\n\n"
            "{% if is_known %}Use this link to sign in to the HTG migration portal for {{ company_name }}:"
            "{% else %}Use this link to confirm your e-mail address and start the intake for the move to HTG:"
            "{% endif %}\n{{ link }}\n\n"
            "The link works once, for {{ minutes }} minutes. On the page it opens, press Sign in.\n\n"
            "Did you not ask for this link? Then you need not do anything: nobody can sign in without it.",
        ),
    },
    "customer.htg_number_issued": {
        "nl": (
            "Uw HTG-nummer: {{ htg_number }}",
            "Beste {{ contact_name }},\n\n"
            "Bedankt voor de intake van {{ company_name }}. Uw HTG-nummer is:\n\n{{ htg_number }}\n\n"
            "Noem dit nummer als u contact opneemt met de helpdesk.\n\n"
            "Waar uw aansluiting staat en wat u als volgende moet doen, ziet u in het portaal: {{ status_url }}",
        ),
        "en": (
            "Your HTG number: {{ htg_number }}",
            "Dear {{ contact_name }},\n\n"
            "Thank you for the intake of {{ company_name }}. Your HTG number is:\n\n{{ htg_number }}\n\n"
            "State this number when you contact the helpdesk.\n\n"
            "Where your connection stands and what you do next is in the portal: {{ status_url }}",
        ),
    },
}

EXAMPLES = {
    "portal.sign_in_link": {
        "nl": {
            "link": "https://migratie-htg.example.org/portal/sign-in/voorbeeld/",
            "minutes": 10,
            "is_known": True,
            "contact_name": "Jan de Vries",
            "company_name": "Voorbeeld Logistiek B.V.",
        },
        "en": {
            "link": "https://migratie-htg.example.org/portal/sign-in/example/",
            "minutes": 10,
            "is_known": True,
            "contact_name": "Jane Smith",
            "company_name": "Example Logistics Ltd",
        },
    },
    "customer.htg_number_issued": {
        "nl": {
            "contact_name": "Jan de Vries",
            "company_name": "Voorbeeld Logistiek B.V.",
            "htg_number": "HTG-0000042-2",
            "status_url": "https://migratie-htg.example.org/portal/status/",
        },
        "en": {
            "contact_name": "Jane Smith",
            "company_name": "Example Logistics Ltd",
            "htg_number": "HTG-0000042-2",
            "status_url": "https://migratie-htg.example.org/portal/status/",
        },
    },
}


def _html(text):
    paragraphs = text.split("\n\n")
    html = "".join(f"<p>{paragraph.replace(chr(10), '<br>')}</p>\n" for paragraph in paragraphs)
    for name in ("link", "status_url"):  # clickable in the HTML part
        html = html.replace(f"{{{{ {name} }}}}", f'<a href="{{{{ {name} }}}}">{{{{ {name} }}}}</a>')
    return html


def load(apps, schema_editor):
    EmailTemplate = apps.get_model("notifications", "EmailTemplate")
    for key, languages in TEMPLATES.items():
        for language, (subject, body) in languages.items():
            signature = SIGNATURE_NL if language == "nl" else SIGNATURE_EN
            body_text = f"{body}\n\n{signature}\n"
            EmailTemplate.objects.update_or_create(
                key=key,
                language=language,
                defaults={
                    "subject": subject,
                    "body_text": body_text,
                    "body_html": _html(body_text.strip()),
                    "example_context": EXAMPLES[key][language],
                },
            )


def unload(apps, schema_editor):
    apps.get_model("notifications", "EmailTemplate").objects.filter(key__in=list(TEMPLATES)).delete()


class Migration(migrations.Migration):
    dependencies = [("notifications", "0007_news_template")]

    operations = [migrations.RunPython(load, unload)]

"""The staff password reset e-mail, in Dutch and English (editable in the admin afterwards); sent through the outbox
like every other e-mail (connections/services/accounts.py). Context: `user_name`, `link`, `hours` (how long the
link works)."""

from django.db import migrations

SIGNATURE_NL = "Met vriendelijke groet,\nHet aansluitteam Migratie Digipoort HTG\nDouane"
SIGNATURE_EN = "Kind regards,\nThe connection team, Digipoort HTG migration\nDutch Customs"

KEY = "staff.password_reset"
TEMPLATES = {
    "nl": (
        "Nieuw wachtwoord voor de HTG-migratietracker",
        "Beste {{ user_name }},\n\n"
        "Iemand heeft gevraagd om een nieuw wachtwoord voor uw account {{ user_name }} bij de HTG-migratietracker. "
        "Met deze link kiest u een nieuw wachtwoord:\n{{ link }}\n\n"
        "De link werkt één keer en is {{ hours }} uur geldig.\n\n"
        "Heeft u dit niet gevraagd? Dan hoeft u niets te doen: uw wachtwoord blijft zoals het is.",
    ),
    "en": (
        "A new password for the HTG migration tracker",
        "Dear {{ user_name }},\n\n"
        "Someone asked for a new password for your account {{ user_name }} at the HTG migration tracker. "
        "Use this link to choose a new password:\n{{ link }}\n\n"
        "The link works once, for {{ hours }} hours.\n\n"
        "Did you not ask for this? Then you need not do anything: your password stays as it is.",
    ),
}
EXAMPLES = {
    "nl": {"user_name": "jdevries", "link": "https://migratie-htg.example.org/accounts/reset/MQ/voorbeeld/", "hours": 1},
    "en": {"user_name": "jsmith", "link": "https://migratie-htg.example.org/accounts/reset/MQ/example/", "hours": 1},
}


def load(apps, schema_editor):
    EmailTemplate = apps.get_model("notifications", "EmailTemplate")
    for language, (subject, body) in TEMPLATES.items():
        signature = SIGNATURE_NL if language == "nl" else SIGNATURE_EN
        body_text = f"{body}\n\n{signature}\n"
        paragraphs = body_text.strip().split("\n\n")
        body_html = "".join(f"<p>{paragraph.replace(chr(10), '<br>')}</p>\n" for paragraph in paragraphs)
        body_html = body_html.replace("{{ link }}", '<a href="{{ link }}">{{ link }}</a>')
        EmailTemplate.objects.update_or_create(
            key=KEY,
            language=language,
            defaults={
                "subject": subject,
                "body_text": body_text,
                "body_html": body_html,
                "example_context": EXAMPLES[language],
            },
        )


def unload(apps, schema_editor):
    apps.get_model("notifications", "EmailTemplate").objects.filter(key=KEY).delete()


class Migration(migrations.Migration):
    dependencies = [("notifications", "0013_news_and_documents_to_community")]

    operations = [migrations.RunPython(load, unload)]

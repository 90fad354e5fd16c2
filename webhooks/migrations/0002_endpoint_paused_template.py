"""The e-mail to the contact who registered a webhook endpoint when it is paused after failing deliveries, in Dutch
and English (editable in the admin afterwards). Context: `host` (of the address: the address itself is not a page of ours), `reason`, `hours`, `link` (the portal's webhooks
page)."""

from django.db import migrations

SIGNATURE_NL = "Met vriendelijke groet,\nHet aansluitteam Migratie Digipoort HTG\nDouane"
SIGNATURE_EN = "Kind regards,\nThe connection team, Digipoort HTG migration\nDutch Customs"

KEY = "webhooks.endpoint_paused"
TEMPLATES = {
    "nl": (
        "Uw webhookadres is gepauzeerd",
        "Beste klant,\n\n"
        "Wij konden {{ hours }} uur lang geen berichten afleveren op uw webhookadres bij {{ host }}. "
        "Wij hebben het adres daarom gepauzeerd: nieuwe gebeurtenissen wachten tot u het weer aanzet.\n\n"
        "De laatste fout: {{ reason }}\n\n"
        "Zodra uw systeem weer bereikbaar is, zet u het adres hier weer aan:\n{{ link }}",
    ),
    "en": (
        "Your webhook address is paused",
        "Dear customer,\n\n"
        "For {{ hours }} hours we could not deliver to your webhook address at {{ host }}. "
        "We have therefore paused it: new events wait until you resume it.\n\n"
        "The last error: {{ reason }}\n\n"
        "Once your system can be reached again, resume the address here:\n{{ link }}",
    ),
}
EXAMPLES = {
    language: {
        "host": "hooks.example.com",
        "reason": "HTTP 503",
        "hours": 24,
        "link": "https://migratie-htg.example.org/portal/webhooks/",
    }
    for language in ("nl", "en")
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
    dependencies = [
        ("webhooks", "0001_events_and_webhooks"),
        ("notifications", "0018_suppression_on_programme_clock"),
    ]

    operations = [migrations.RunPython(load, unload)]

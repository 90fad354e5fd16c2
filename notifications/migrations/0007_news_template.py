"""The news e-mail (connections/services/news.py), in Dutch and English (editable in the admin afterwards).

The title and the text are the news item's own, in the recipient's language: the template only frames them.
"""

from django.db import migrations

EXAMPLES = {
    "nl": {
        "title": "Plateau 3 is open voor aansluiting",
        "body": "Vanaf maandag kunt u uw aansluiting voor plateau 3 plannen.\n\nMet vriendelijke groet,\nHet HTG-team",
    },
    "en": {
        "title": "Plateau 3 is open for connection",
        "body": "From Monday you can plan your connection for plateau 3.\n\nKind regards,\nThe HTG team",
    },
}


def load(apps, schema_editor):
    EmailTemplate = apps.get_model("notifications", "EmailTemplate")
    for language, example in EXAMPLES.items():
        EmailTemplate.objects.update_or_create(
            key="news.item",
            language=language,
            defaults={
                "subject": "{{ title }}",
                "body_text": "{{ body }}\n",
                "body_html": "<h1>{{ title }}</h1>\n{{ body|linebreaks }}\n",
                "example_context": example,
            },
        )


def unload(apps, schema_editor):
    apps.get_model("notifications", "EmailTemplate").objects.filter(key="news.item").delete()


class Migration(migrations.Migration):
    dependencies = [("notifications", "0006_news")]

    operations = [migrations.RunPython(load, unload)]

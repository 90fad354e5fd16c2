"""Dutch grammar in the session e-mail: "uw technische contactpersoon" (0016 wrote "technisch"). Only a template
that still says it is changed, so an administrator's own wording stays."""

from django.db import migrations

WRONG = "Houd uw technisch contactpersoon bij de hand"
RIGHT = "Houd uw technische contactpersoon bij de hand"


def load(apps, schema_editor):
    EmailTemplate = apps.get_model("notifications", "EmailTemplate")
    for template in EmailTemplate.objects.filter(key="connection.slot_booked", language="nl"):
        template.body_text = template.body_text.replace(WRONG, RIGHT)
        template.body_html = template.body_html.replace(WRONG, RIGHT)
        template.save(update_fields=["body_text", "body_html"])


class Migration(migrations.Migration):
    dependencies = [("notifications", "0016_session_and_problem_emails")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]

from django.db import migrations, models

# Migration 0013 dropped the due_on index so that a reminder's update could be HOT, with room on each page
# (fillfactor 85); the list sorted by due date then read the whole table. The index is back, the fillfactor default
# again (pages written from now on; VACUUM FULL rewrites the rest).


class Migration(migrations.Migration):
    dependencies = [
        ("connections", "0015_models_to_feature_apps"),
    ]

    operations = [
        migrations.RunSQL(
            "ALTER TABLE connections_connection RESET (fillfactor)",
            "ALTER TABLE connections_connection SET (fillfactor = 85)",
        ),
        migrations.AddIndex(
            model_name="connection",
            index=models.Index(fields=["due_on", "id"], name="connection_due_idx"),
        ),
    ]

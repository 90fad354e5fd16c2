"""The Digipoort senders by volume (the dashboard's top senders still on Digipoort) read one index in order."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("traffic", "0003_count_references_without_constraints")]

    operations = [
        migrations.RunSQL(
            "CREATE INDEX traffic_sender_volume_idx ON traffic_trafficsender (gateway, messages_total DESC, id)",
            reverse_sql="DROP INDEX traffic_sender_volume_idx",
        ),
    ]

"""The counts by sender: the foreign key's check when a sender row is deleted, and a sender's own traffic, read one
index instead of every month's partition."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("traffic", "0001_initial")]

    operations = [
        migrations.RunSQL(
            "CREATE INDEX traffic_count_sender_idx ON traffic_trafficcount (sender_id, day)",
            reverse_sql="DROP INDEX traffic_count_sender_idx",
        ),
    ]

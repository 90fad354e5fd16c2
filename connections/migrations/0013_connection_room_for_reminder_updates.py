from django.db import migrations

# Room on each page of the connections table for a new version of a row, so that an update that changes no indexed
# column (the ladder's rung: reminder_count and due_on) is a HOT update: the row's new version on the same page and
# no new index entries. PostgreSQL only; it applies to pages written from now on (VACUUM FULL rewrites the rest).
FILLFACTOR = 85


def set_fillfactor(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"ALTER TABLE connections_connection SET (fillfactor = {FILLFACTOR})")


def reset_fillfactor(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE connections_connection RESET (fillfactor)")


class Migration(migrations.Migration):
    dependencies = [
        ("connections", "0012_connection_no_redundant_fk_indexes"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="connection", name="connection_due_idx"),
        migrations.RunPython(set_fillfactor, reset_fillfactor),
    ]

"""News and documents move to the community app, which holds the rest of them. Their tables stay as they are:
this only takes them out of the notifications app's state; community's first migration takes them in."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('notifications', '0012_outbox_dedupe_key_one_index'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
        migrations.RemoveField(
            model_name='newsitem',
            name='created_by',
        ),
        migrations.RemoveField(
            model_name='newssending',
            name='news_item',
        ),
        migrations.RemoveField(
            model_name='newssending',
            name='started_by',
        ),
        migrations.DeleteModel(
            name='Document',
        ),
        migrations.DeleteModel(
            name='NewsItem',
        ),
        migrations.DeleteModel(
            name='NewsSending',
        ),
            ],
        ),
    ]

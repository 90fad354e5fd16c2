from django.db import migrations, models


class Migration(migrations.Migration):
    """The dedupe key's uniqueness as a constraint (one index) instead of unique=True (a unique index and a second
    index for LIKE queries, which nothing asks). The constraint first, so the key is never without one."""

    dependencies = [
        ("notifications", "0011_inbound_bounces"),
    ]

    operations = [
        migrations.AddConstraint(
            model_name="outboxemail",
            constraint=models.UniqueConstraint(fields=("dedupe_key",), name="notifications_outbox_dedupe_key"),
        ),
        migrations.AlterField(
            model_name="outboxemail",
            name="dedupe_key",
            field=models.CharField(max_length=255, verbose_name="dedupe key"),
        ),
    ]

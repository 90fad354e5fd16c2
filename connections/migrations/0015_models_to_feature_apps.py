"""Four models move to the feature apps that use them (portal, reporting, imports). Their tables stay as they
are: this only takes them out of the connections app's state; the feature apps' first migrations take them in."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('connections', '0014_contact_account_not_editable'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
        migrations.RemoveField(
            model_name='importbatch',
            name='created_by',
        ),
        migrations.DeleteModel(
            name='IntakeDraft',
        ),
        migrations.DeleteModel(
            name='PortalSignInLink',
        ),
        migrations.DeleteModel(
            name='WeeklyReport',
        ),
        migrations.DeleteModel(
            name='ImportBatch',
        ),
            ],
        ),
    ]

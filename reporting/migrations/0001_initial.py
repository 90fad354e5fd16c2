"""The weeklyreport table(s), made by the connections app, taken into this app's state as they are (no table
is rebuilt); their content types follow, so permissions and admin history stay attached."""

import django.utils.timezone
from django.db import migrations, models


MODELS = ['weeklyreport']


def content_types_follow(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    for model in MODELS:
        if not ContentType.objects.filter(app_label="reporting", model=model).exists():
            ContentType.objects.filter(app_label="connections", model=model).update(app_label="reporting")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('connections', '0015_models_to_feature_apps'),
        ('contenttypes', '0002_remove_content_type_name'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
        migrations.CreateModel(
            name='WeeklyReport',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('week_start', models.DateField(help_text='The Monday of the reported week.', unique=True, verbose_name='week starting')),
                ('as_of', models.DateField(help_text='The last day of the week (its Sunday).', verbose_name='figures as of')),
                ('generated_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='generated')),
                ('pdf', models.BinaryField(verbose_name='PDF')),
                ('xlsx', models.BinaryField(verbose_name='spreadsheet (XLSX)')),
            ],
            options={
                'verbose_name': 'weekly report',
                'verbose_name_plural': 'weekly reports',
                'db_table': 'connections_weeklyreport',
                'ordering': ['-week_start'],
            },
        ),
            ],
        ),
        migrations.RunPython(content_types_follow, migrations.RunPython.noop),
    ]

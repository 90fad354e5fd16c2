"""The importbatch table(s), made by the connections app, taken into this app's state as they are (no table
is rebuilt); their content types follow, so permissions and admin history stay attached."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


MODELS = ['importbatch']


def content_types_follow(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    for model in MODELS:
        if not ContentType.objects.filter(app_label="imports", model=model).exists():
            ContentType.objects.filter(app_label="connections", model=model).update(app_label="imports")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('connections', '0015_models_to_feature_apps'),
        ('contenttypes', '0002_remove_content_type_name'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
        migrations.CreateModel(
            name='ImportBatch',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='uploaded')),
                ('file', models.FileField(upload_to='imports/%Y/%m/', verbose_name='file')),
                ('original_name', models.CharField(max_length=255, verbose_name='file name')),
                ('file_format', models.CharField(choices=[('csv', 'CSV'), ('xlsx', 'XLSX')], max_length=10, verbose_name='format')),
                ('status', models.CharField(choices=[('uploaded', 'Uploaded'), ('validating', 'Checking'), ('invalid', 'Has errors: nothing written'), ('valid', 'Checked: ready to import'), ('applying', 'Importing'), ('applied', 'Imported'), ('failed', 'Failed')], default='uploaded', max_length=20, verbose_name='status')),
                ('total_rows', models.PositiveIntegerField(default=0, verbose_name='rows')),
                ('processed_rows', models.PositiveIntegerField(default=0, verbose_name='rows processed')),
                ('errors', models.JSONField(blank=True, default=list, verbose_name='errors')),
                ('error_count', models.PositiveIntegerField(default=0, verbose_name='errors found')),
                ('created_customers', models.PositiveIntegerField(default=0, verbose_name='companies added')),
                ('updated_customers', models.PositiveIntegerField(default=0, verbose_name='companies updated')),
                ('created_connections', models.PositiveIntegerField(default=0, verbose_name='connections added')),
                ('failure', models.TextField(blank=True, verbose_name='failure')),
                ('finished_at', models.DateTimeField(blank=True, null=True, verbose_name='finished')),
                ('created_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='imports', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': 'import',
                'verbose_name_plural': 'imports',
                'db_table': 'connections_importbatch',
                'ordering': ['-created_at'],
            },
        ),
            ],
        ),
        migrations.RunPython(content_types_follow, migrations.RunPython.noop),
    ]

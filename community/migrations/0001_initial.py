"""The news item, news sending and document tables, made by the notifications app, taken into this app's state as
they are (no table is rebuilt); their content types follow."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


MODELS = ['newsitem', 'newssending', 'document']


def content_types_follow(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    for model in MODELS:
        if not ContentType.objects.filter(app_label="community", model=model).exists():
            ContentType.objects.filter(app_label="notifications", model=model).update(app_label="community")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('notifications', '0013_news_and_documents_to_community'),
        ('contenttypes', '0002_remove_content_type_name'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
        migrations.CreateModel(
            name='NewsItem',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('title_nl', models.CharField(max_length=200, verbose_name='title (Dutch)')),
                ('title_en', models.CharField(max_length=200, verbose_name='title (English)')),
                ('body_nl', models.TextField(verbose_name='text (Dutch)')),
                ('body_en', models.TextField(verbose_name='text (English)')),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='written at')),
                ('published_at', models.DateTimeField(blank=True, null=True, verbose_name='first sent at')),
                ('created_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='written by')),
            ],
            options={
                'verbose_name': 'news item',
                'verbose_name_plural': 'news items',
                'db_table': 'notifications_newsitem',
                'ordering': ['-created_at', '-id'],
            },
        ),
        migrations.CreateModel(
            name='Document',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('title_nl', models.CharField(max_length=200, verbose_name='title (Dutch)')),
                ('title_en', models.CharField(max_length=200, verbose_name='title (English)')),
                ('kind', models.CharField(choices=[('specification', 'Specification'), ('schedule', 'Schedule')], max_length=20, verbose_name='kind')),
                ('plateau_number', models.PositiveSmallIntegerField(blank=True, null=True, verbose_name='plateau')),
                ('file', models.FileField(max_length=255, upload_to='documents/%Y/%m/', verbose_name='file')),
                ('file_name', models.CharField(max_length=200, verbose_name='file name')),
                ('file_type', models.CharField(choices=[('pdf', 'PDF'), ('xlsx', 'Excel (XLSX)'), ('docx', 'Word (DOCX)'), ('zip', 'ZIP'), ('txt', 'Text (TXT)'), ('csv', 'CSV')], max_length=10, verbose_name='file type')),
                ('size', models.PositiveBigIntegerField(verbose_name='size (bytes)')),
                ('uploaded_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='uploaded at')),
                ('uploaded_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='uploaded by')),
            ],
            options={
                'verbose_name': 'document',
                'verbose_name_plural': 'documents',
                'db_table': 'notifications_document',
                'ordering': ['-uploaded_at', '-id'],
                'indexes': [models.Index(fields=['kind', 'uploaded_at'], name='notifications_document_kind')],
            },
        ),
        migrations.CreateModel(
            name='NewsSending',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('segment', models.JSONField(default=dict, verbose_name='recipients (parameters)')),
                ('segment_description', models.CharField(max_length=255, verbose_name='recipients')),
                ('status', models.CharField(choices=[('queued', 'queued'), ('running', 'running'), ('finished', 'finished')], default='queued', max_length=10, verbose_name='status')),
                ('total', models.PositiveIntegerField(default=0, verbose_name='recipients')),
                ('queued_count', models.PositiveIntegerField(default=0, verbose_name='queued')),
                ('started_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='started at')),
                ('progressed_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='last progress')),
                ('finished_at', models.DateTimeField(blank=True, null=True, verbose_name='finished at')),
                ('news_item', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='sendings', to='community.newsitem')),
                ('started_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='started by')),
            ],
            options={
                'verbose_name': 'news sending',
                'verbose_name_plural': 'news sendings',
                'db_table': 'notifications_newssending',
                'ordering': ['-started_at', '-id'],
                'indexes': [models.Index(fields=['status', 'progressed_at'], name='notifications_news_unfinished')],
            },
        ),
            ],
        ),
        migrations.RunPython(content_types_follow, migrations.RunPython.noop),
    ]

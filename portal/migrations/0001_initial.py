"""The intakedraft, portalsigninlink table(s), made by the connections app, taken into this app's state as they are (no table
is rebuilt); their content types follow, so permissions and admin history stay attached."""

import django.utils.timezone
from django.db import migrations, models


MODELS = ['intakedraft', 'portalsigninlink']


def content_types_follow(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    for model in MODELS:
        if not ContentType.objects.filter(app_label="portal", model=model).exists():
            ContentType.objects.filter(app_label="connections", model=model).update(app_label="portal")


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
            name='IntakeDraft',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('email', models.EmailField(help_text='Stored in lower case.', max_length=254, unique=True, verbose_name='e-mail address')),
                ('data', models.JSONField(default=dict, verbose_name='form data')),
                ('step', models.CharField(default='company', max_length=20, verbose_name='last step')),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='started')),
                ('updated_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='saved')),
            ],
            options={
                'verbose_name': 'intake draft',
                'verbose_name_plural': 'intake drafts',
                'db_table': 'connections_intakedraft',
            },
        ),
        migrations.CreateModel(
            name='PortalSignInLink',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('email', models.EmailField(help_text='Stored in lower case.', max_length=254, verbose_name='e-mail address')),
                ('token_hash', models.CharField(blank=True, editable=False, max_length=64, null=True, unique=True)),
                ('requested_ip', models.GenericIPAddressField(blank=True, null=True, verbose_name='requested from')),
                ('next_path', models.CharField(blank=True, max_length=500)),
                ('rate_limited', models.BooleanField(default=False, verbose_name='refused: too many requests')),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='requested')),
                ('expires_at', models.DateTimeField(verbose_name='expires')),
                ('used_at', models.DateTimeField(blank=True, null=True, verbose_name='used')),
            ],
            options={
                'verbose_name': 'portal sign-in link',
                'verbose_name_plural': 'portal sign-in links',
                'db_table': 'connections_portalsigninlink',
                'ordering': ['-created_at', '-id'],
                'indexes': [models.Index(fields=['email', 'created_at'], name='signin_link_email_idx'), models.Index(fields=['requested_ip', 'created_at'], name='signin_link_ip_idx')],
                'constraints': [models.CheckConstraint(condition=models.Q(models.Q(('rate_limited', True), ('token_hash__isnull', True)), models.Q(('rate_limited', False), ('token_hash__isnull', False)), _connector='OR'), name='signin_link_token_unless_refused')],
            },
        ),
            ],
        ),
        migrations.RunPython(content_types_follow, migrations.RunPython.noop),
    ]

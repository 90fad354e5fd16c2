"""The Celery app. Periodic jobs are declared here, in one place; one scheduler instance runs them."""

import logging.config
import os
from typing import Any

from celery import Celery
from celery.schedules import crontab
from celery.signals import setup_logging
from django_structlog.celery.steps import DjangoStructLogInitStep

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "htg_migration.settings.local")

app = Celery("htg_migration")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# The worker binds the request id (and user, client address) a task was queued with to its log lines.
app.steps["worker"].add(DjangoStructLogInitStep)


@setup_logging.connect
def logging_setup(**kwargs: Any) -> None:
    """The worker and the scheduler log as the web does (settings.LOGGING: JSON in production, redacted), instead
    of Celery's own format."""
    from django.conf import settings

    logging.config.dictConfig(settings.LOGGING)


app.conf.beat_schedule = {
    # The scheduler's and the worker's signs of life, which /readyz reports (connections.services.health).
    "heartbeat": {
        "task": "connections.tasks.heartbeat_task",
        "schedule": 30.0,
    },
    # Bulk jobs whose task was lost are picked up again (items already done are never redone).
    "bulk-jobs-resume": {
        "task": "connections.tasks.bulk_jobs_resume_task",
        "schedule": 60.0,
    },
    # Imports whose task was lost or whose worker was killed are started again (an import is one transaction: an
    # interrupted one wrote nothing).
    "imports-resume": {
        "task": "imports.tasks.import_batches_resume_task",
        "schedule": 60.0,
    },
    # Traffic files dropped in HTG_TRAFFIC_INBOX become rows and are checked; files whose check or apply task was
    # lost are queued again (both are safe to run twice: the file's row is locked and its state decides).
    "traffic-inbox": {
        "task": "traffic.tasks.traffic_inbox_scan_task",
        "schedule": 60.0,
    },
    # E-mails whose task was lost, or whose retry is due, are sent (a row already sent is never sent again).
    "emails-sweep": {
        "task": "notifications.tasks.emails_sweep_task",
        "schedule": 60.0,
    },
    # Webhook deliveries of senders that died are put back; retries whose time has come, and deliveries whose task
    # was lost, are sent (webhooks.services.sending).
    "webhooks-sweep": {
        "task": "webhooks.tasks.webhooks_sweep_task",
        "schedule": 60.0,
    },
    # Hard bounces of a company contact's address become events for the company's webhooks and events feed.
    "bounce-events": {
        "task": "connections.tasks.bounce_events_record_task",
        "schedule": 60.0,
    },
    # Bounces waiting in the Maildir of HTG_BOUNCE_MAILDIR (if set) are received; recorded bounces whose processing
    # never finished are processed (notifications.bounce_intake).
    "bounces-receive": {
        "task": "notifications.tasks.bounces_receive_task",
        "schedule": 60.0,
    },
    # After the programme deadline, every connection that is not live is recorded as missed.
    "connections-mark-missed": {
        "task": "connections.tasks.connections_mark_missed_task",
        "schedule": crontab(minute=5, hour="*/1"),
    },
    # Callback requests still open after their service level go to the top of the queue, for the core team too.
    "callback-requests-escalate": {
        "task": "connections.tasks.callback_requests_escalate_task",
        "schedule": 300.0,
    },
    # The reminder ladder: reminders, second reminders and escalations for steps past due (working hours only).
    "connections-ladder-sweep": {
        "task": "connections.tasks.ladder_sweep_task",
        "schedule": crontab(minute="*/15"),
    },
    # Each team member's daily digest of their due items (working days from 07:00; one per member and day).
    "team-digest": {
        "task": "connections.tasks.team_digest_task",
        "schedule": crontab(minute="*/30"),
    },
    # News sendings whose task was lost are run again (an address that already has the item is skipped).
    "news-sendings-resume": {
        "task": "community.tasks.news_sendings_resume_task",
        "schedule": 60.0,
    },
    # The weekly report for the ministry (PDF and XLSX of the week that ended yesterday), Monday 06:00 Amsterdam time
    # (CELERY_TIMEZONE); one per week even if two schedulers run it.
    "weekly-report": {
        "task": "reporting.tasks.weekly_report_task",
        "schedule": crontab(minute=0, hour=6, day_of_week=1),
    },
    # The daily snapshot of the dashboard's counts (reporting.services.snapshots), just after midnight: yesterday is
    # closed and checked against the timeline's replay, today's is opened (or checked); differences are repaired and
    # logged. Safe to run twice: a closed day is skipped.
    "daily-snapshots-nightly": {
        "task": "reporting.tasks.daily_snapshots_nightly_task",
        "schedule": crontab(minute=10, hour=0),
    },
    # Retention, nightly: personal data past its period goes (htg_migration/retention.py: closed companies' contact
    # details, intake drafts, sign-in link rows, raw bounce messages, uploaded import files).
    "retention-nightly": {
        "task": "connections.tasks.retention_run_task",
        "schedule": crontab(minute=30, hour=3),
    },
}

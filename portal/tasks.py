"""Celery tasks: ids in, one service call, safe to run twice."""

from celery import shared_task
from django.utils import timezone


@shared_task
def portal_sign_in_links_purge_task() -> int:
    from portal.services.sign_in import portal_sign_in_links_purge

    return portal_sign_in_links_purge(now=timezone.now())

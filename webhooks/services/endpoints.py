"""A company's webhook endpoints: registered, resumed and removed by its contacts (the portal, the API), paused by
the sender when their deliveries keep failing; and a failed delivery sent again."""

import datetime
import secrets
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from htg_migration import clock
from htg_migration.errors import ApplicationError
from htg_migration.queueing import task_queue_on_commit
from notifications.services import email_enqueue
from webhooks.models import EventKind, WebhookDelivery, WebhookEndpoint
from webhooks.services.addresses import webhook_url_check

SECRET_PREFIX = "whsec_"  # noqa: S105 (the visible start of every secret, not a secret)
ENDPOINTS_PER_COMPANY = 10
PAUSED_TEMPLATE = "webhooks.endpoint_paused"


def _send_on_commit() -> None:
    from webhooks.tasks import webhook_deliveries_send_task

    task_queue_on_commit(webhook_deliveries_send_task.delay)


def _kinds_checked(kinds: list[str]) -> list[str]:
    chosen = sorted(set(kinds))
    if not chosen or any(kind not in EventKind.values for kind in chosen):
        raise ApplicationError(_("Choose one or more of the events listed."))
    return chosen


@transaction.atomic
def endpoint_create(
    *, customer_id: int, url: str, kinds: list[str], owner_email: str, owner_language: str
) -> tuple[WebhookEndpoint, str]:
    """A new endpoint of the company for the chosen kinds of events; returns it and its secret (kept for signing,
    shown this once). The address must be https and public (`webhook_url_check`)."""
    checked_url = webhook_url_check(url)
    chosen = _kinds_checked(kinds)
    # The company's row is the lock that keeps two registrations at once from passing the limit together.
    existing = list(
        WebhookEndpoint.objects.select_for_update().filter(customer_id=customer_id).values_list("url", flat=True)
    )
    if len(existing) >= ENDPOINTS_PER_COMPANY:
        raise ApplicationError(
            _("A company has at most %(count)s webhook addresses: remove one first.") % {"count": ENDPOINTS_PER_COMPANY}
        )
    if checked_url in existing:
        raise ApplicationError(_("This address is registered already."))
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    endpoint = WebhookEndpoint.objects.create(
        customer_id=customer_id,
        url=checked_url,
        kinds=chosen,
        secret=secret,
        owner_email=owner_email,
        owner_language=owner_language if owner_language in ("nl", "en") else "nl",
        created_at=clock.now(),
    )
    return endpoint, secret


def _own_endpoint(*, customer_id: int, endpoint_id: int) -> WebhookEndpoint:
    endpoint = WebhookEndpoint.objects.select_for_update().filter(customer_id=customer_id, pk=endpoint_id).first()
    if endpoint is None:
        raise ApplicationError(_("This webhook address does not exist (any more)."))
    return endpoint


@transaction.atomic
def endpoint_delete(*, customer_id: int, endpoint_id: int) -> None:
    """Remove one of the company's endpoints, with its deliveries: nothing more goes there."""
    _own_endpoint(customer_id=customer_id, endpoint_id=endpoint_id).delete()


@transaction.atomic
def endpoint_resume(*, customer_id: int, endpoint_id: int) -> WebhookEndpoint:
    """A paused endpoint takes deliveries again: the waiting ones go now, in order, each with a fresh 24 hours."""
    endpoint = _own_endpoint(customer_id=customer_id, endpoint_id=endpoint_id)
    if endpoint.state == WebhookEndpoint.State.ACTIVE:
        return endpoint
    endpoint.state, endpoint.paused_at, endpoint.last_error = WebhookEndpoint.State.ACTIVE, None, ""
    endpoint.save(update_fields=["state", "paused_at", "last_error"])
    endpoint.deliveries.filter(status=WebhookDelivery.Status.PENDING).update(next_attempt_at=None, retry_until=None)
    _send_on_commit()
    return endpoint


@transaction.atomic
def delivery_resend(*, customer_id: int, delivery_id: int) -> WebhookDelivery:
    """Send a failed delivery again ("send again" in the portal): it waits its turn behind nothing older."""
    delivery = (
        WebhookDelivery.objects.select_for_update(of=("self",))
        .filter(endpoint__customer_id=customer_id, pk=delivery_id)
        .first()
    )
    if delivery is None:
        raise ApplicationError(_("This delivery does not exist (any more)."))
    if delivery.status != WebhookDelivery.Status.FAILED:
        raise ApplicationError(_("Only a failed delivery can be sent again."))
    delivery.status, delivery.next_attempt_at, delivery.retry_until = WebhookDelivery.Status.PENDING, None, None
    delivery.save(update_fields=["status", "next_attempt_at", "retry_until"])
    _send_on_commit()
    return delivery


@transaction.atomic
def endpoint_pause(*, endpoint_id: int, reason: str, now: datetime.datetime) -> bool:
    """An endpoint whose delivery failed for HTG_WEBHOOK_RETRY_HOURS is paused and the contact who made it is
    e-mailed (once per pause). Returns whether it was paused now."""
    endpoint = WebhookEndpoint.objects.select_for_update().filter(pk=endpoint_id).first()
    if endpoint is None or endpoint.state == WebhookEndpoint.State.PAUSED:
        return False
    endpoint.state, endpoint.paused_at, endpoint.last_error = WebhookEndpoint.State.PAUSED, now, reason
    endpoint.save(update_fields=["state", "paused_at", "last_error"])
    email_enqueue(
        to_address=endpoint.owner_email,
        template_key=PAUSED_TEMPLATE,
        language=endpoint.owner_language,
        context={
            "host": urlsplit(endpoint.url).hostname or "",
            "reason": reason,
            "hours": settings.HTG_WEBHOOK_RETRY_HOURS,
            "link": settings.HTG_PORTAL_URL.rstrip("/") + "/webhooks/",
        },
        dedupe_key=f"webhook-paused:{endpoint.pk}:{now.isoformat()}",
    )
    return True

"""Webhook endpoints for the tests, made through the real service."""

from connections.models import Contact
from webhooks.models import EventKind, WebhookEndpoint
from webhooks.services.endpoints import endpoint_create


def endpoint_for(contact: Contact, url: str = "http://127.0.0.1:9/hook", kinds=None) -> tuple[WebhookEndpoint, str]:
    """An endpoint of the contact's company (loopback: HTG_WEBHOOK_ALLOW_PRIVATE is on in the tests) and its secret."""
    return endpoint_create(
        customer_id=contact.customer_id,
        url=url,
        kinds=list(kinds or EventKind.values),
        owner_email=contact.email,
        owner_language=contact.language,
    )

"""The portal's form for a webhook address: `endpoint_create` made once per form page (connections/services/
submit_tokens.py), so a double click on "Add the address" makes one address and shows its secret once."""

import uuid
from typing import Any

from django.db import transaction

from connections.services.submit_tokens import submit_token_claim, submit_token_record
from webhooks.models import WebhookEndpoint
from webhooks.services.endpoints import endpoint_create


@transaction.atomic
def endpoint_create_once(
    *, submit_owner: str, submit_token: uuid.UUID, **endpoint: Any
) -> tuple[WebhookEndpoint, str | None]:
    """`endpoint_create`; the page sent again with the same `submit_token` makes nothing and returns the first
    endpoint without its secret (None): only the first submit shows it."""
    earlier = submit_token_claim(token=submit_token, owner=submit_owner, model=WebhookEndpoint)
    if earlier is not None:
        return earlier, None
    created, secret = endpoint_create(**endpoint)
    submit_token_record(token=submit_token, owner=submit_owner, created=created)
    return created, secret

"""Making, revoking and using a company's API tokens (api.models.ApiToken)."""

import datetime
import hashlib
import secrets
import uuid
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from api.models import ApiToken
from connections.models import Contact
from connections.services.submit_tokens import submit_owner_user, submit_token_claim, submit_token_record
from htg_migration import clock
from htg_migration.errors import ApplicationError

TOKEN_PREFIX = "htg_"  # noqa: S105 (the visible start of every token, not a secret)
# A token's last use is written at most this often (or when it comes from another address): not a write per request.
LAST_USED_RESOLUTION = datetime.timedelta(minutes=1)
NAME_MAX_LENGTH = ApiToken._meta.get_field("name").max_length


def api_token_hash(*, key: str) -> str:
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


@transaction.atomic
def api_token_create(
    *,
    contact: Contact,
    name: str,
    scope: str,
    expires_on: datetime.date | None,
    submit_token: uuid.UUID | None = None,
) -> tuple[ApiToken, str | None]:
    """A new token of the contact's company; returns it and the token itself, which is never stored nor shown again.

    The form sent again with the same `submit_token` (a double click) makes nothing and returns the first token
    without its key (None): only the first submit ever had it, and shows it."""
    owner = submit_owner_user(contact.user)
    earlier = submit_token_claim(token=submit_token, owner=owner, model=ApiToken)
    if earlier is not None:
        return earlier, None
    name = name.strip()
    if not name or len(name) > (NAME_MAX_LENGTH or 100) or "\x00" in name:
        raise ApplicationError(
            _("Give the token a name of at most %(length)s characters.") % {"length": NAME_MAX_LENGTH}
        )
    if scope not in ApiToken.Scope.values:
        raise ApplicationError(_("Choose whether the token may only read, or also write."))
    if expires_on is not None and expires_on < clock.today():
        raise ApplicationError(_("The expiry date lies in the past."))
    secret = secrets.token_urlsafe(32)
    key = f"{TOKEN_PREFIX}{secret}"
    token = ApiToken.objects.create(
        customer_id=contact.customer_id,
        created_by=contact,
        name=name,
        prefix=secret[:8],
        key_hash=api_token_hash(key=key),
        scope=scope,
        expires_on=expires_on,
        created_at=clock.now(),
    )
    submit_token_record(token=submit_token, owner=owner, created=token)
    return token, key


@transaction.atomic
def api_token_revoke(*, contact: Contact, token_id: int, actor: Any) -> ApiToken:
    """Revoke one of the company's tokens, at once: the next request with it is refused."""
    token = ApiToken.objects.select_for_update().filter(customer_id=contact.customer_id, pk=token_id).first()
    if token is None:
        raise ApplicationError(_("This token does not exist."))
    if token.revoked_at is None:
        token.revoked_at = clock.now()
        token.revoked_by = actor
        token.save(update_fields=["revoked_at", "revoked_by"])
    return token


def api_token_authenticate(*, key: str, client_ip: str | None) -> ApiToken | None:
    """The live token with this key (not revoked, not expired, its maker still a company account), or None. Notes
    when and from where it was used."""
    if not key.startswith(TOKEN_PREFIX) or len(key) > 100:
        return None
    token = (
        ApiToken.objects.select_related("created_by__user", "created_by__customer")
        .filter(key_hash=api_token_hash(key=key), revoked_at__isnull=True)
        .first()
    )
    if token is None:
        return None
    now = clock.now()
    if token.expires_on is not None and token.expires_on < clock.today():
        return None
    stale = token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION
    if stale or token.last_used_from != client_ip:
        # Not the token's state, only when it was last seen: one UPDATE, no lock, no read-modify-write.
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now, last_used_from=client_ip)
        token.last_used_at, token.last_used_from = now, client_ip
    return token

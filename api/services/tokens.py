"""Making, revoking and using API tokens (api.models.ApiToken): a company's, made in the portal by its contact, and a
staff member's, made by an administrator in the admin."""

import datetime
import hashlib
import secrets
import uuid
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from api.models import ApiToken
from connections.models import Contact
from connections.permissions import is_helpdesk, is_team_member, may_be_company_account
from connections.services.submit_tokens import submit_owner_user, submit_token_claim, submit_token_record
from htg_migration import clock
from htg_migration.errors import ApplicationError

TOKEN_PREFIX = "htg_"  # noqa: S105 (the visible start of every token, not a secret)
# A token's last use is written at most this often (or when it comes from another address): not a write per request.
LAST_USED_RESOLUTION = datetime.timedelta(minutes=1)
NAME_MAX_LENGTH = ApiToken._meta.get_field("name").max_length


def api_token_hash(*, key: str) -> str:
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


def api_token_validate(*, name: str, scope: str, expires_on: datetime.date | None) -> str:
    name = name.strip()
    if not name or len(name) > (NAME_MAX_LENGTH or 100) or "\x00" in name:
        raise ApplicationError(
            _("Give the token a name of at most %(length)s characters.") % {"length": NAME_MAX_LENGTH}
        )
    if scope not in ApiToken.Scope.values:
        raise ApplicationError(_("Choose whether the token may only read, or also write."))
    if expires_on is not None and expires_on < clock.today():
        raise ApplicationError(_("The expiry date lies in the past."))
    return name


def _token_make(*, name: str, scope: str, expires_on: datetime.date | None, **owner: Any) -> tuple[ApiToken, str]:
    secret = secrets.token_urlsafe(32)
    key = f"{TOKEN_PREFIX}{secret}"
    token = ApiToken.objects.create(
        **owner,
        name=name,
        prefix=secret[:8],
        key_hash=api_token_hash(key=key),
        scope=scope,
        expires_on=expires_on,
        created_at=clock.now(),
    )
    return token, key


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
    name = api_token_validate(name=name, scope=scope, expires_on=expires_on)
    token, key = _token_make(
        name=name, scope=scope, expires_on=expires_on, customer_id=contact.customer_id, created_by=contact
    )
    submit_token_record(token=submit_token, owner=owner, created=token)
    return token, key


def is_staff_member(user: Any) -> bool:
    """A staff member who works with the API: the connection team, the core team or the helpdesk; never a company
    account (the two never mix)."""
    return not may_be_company_account(user) and (is_team_member(user) or is_helpdesk(user))


@transaction.atomic
def api_token_staff_create(
    *, user: Any, name: str, scope: str, expires_on: datetime.date | None
) -> tuple[ApiToken, str]:
    """A new token of a staff member (made by an administrator); it acts with that member's role. Returns it and the
    token itself, which is never stored nor shown again."""
    name = api_token_validate(name=name, scope=scope, expires_on=expires_on)
    if user is None or not is_staff_member(user):
        raise ApplicationError(
            _("A staff token is for a member of the connection team, the core team or the helpdesk.")
        )
    return _token_make(name=name, scope=scope, expires_on=expires_on, user=user)


@transaction.atomic
def api_token_staff_revoke(*, token_id: int, actor: Any) -> ApiToken:
    """Revoke a staff token (an administrator), at once."""
    token = ApiToken.objects.select_for_update().filter(user__isnull=False, pk=token_id).first()
    if token is None:
        raise ApplicationError(_("This token does not exist."))
    if token.revoked_at is None:
        token.revoked_at = clock.now()
        token.revoked_by = actor
        token.save(update_fields=["revoked_at", "revoked_by"])
    return token


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
    """The live token with this key (not revoked, not expired), or None; whether its owner may still use it is the
    authentication's question. Notes when and from where it was used."""
    if not key.startswith(TOKEN_PREFIX) or len(key) > 100:
        return None
    token = (
        ApiToken.objects.select_related("created_by__user", "created_by__customer", "user")
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

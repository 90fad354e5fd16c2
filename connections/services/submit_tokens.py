"""One row per form page, however often it is submitted (docs/architecture.md, "Double submits").

A form whose submit creates a row carries a fresh token (`{% submit_token %}`, a random UUID per rendered page). The
service that writes the row claims the token first, inside its own transaction:

    earlier = submit_token_claim(token=submit_token, owner=submit_owner_user(user), model=NewsItem)
    if earlier is not None:
        return earlier            # the same page sent again: its first row, so the same confirmation
    item = ...                    # the service's own work
    submit_token_record(token=submit_token, owner=..., created=item)

The claim takes a transaction-level advisory lock named after the token, so a second submit of the page waits there
until the first one's transaction has ended, and then finds the token's row (committed) or nothing (rolled back: it
goes ahead itself). The token is the table's primary key as well, so the database refuses a second row for it
whatever happens. Nothing is decided on a read made before the lock: there is no check-then-insert window. The lock
lives only as long as the transaction, so it works through PgBouncer in transaction pooling mode.

A token belongs to whoever sent it first: the same token from someone else is refused like a malformed one (a form
error, nothing written) and never shows the first sender's confirmation.
"""

import datetime
import re
import uuid
from typing import TypeVar

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import connection as database
from django.db import models, transaction
from django.utils.translation import gettext as _

from connections.models import SubmitToken
from htg_migration.retention import rows_purge

SUBMIT_TOKEN_FIELD = "submit_token"  # noqa: S105 - a form field's name, not a secret
SUBMIT_LOCK_NAMESPACE = 7_340_104  # the first key of the submit tokens' advisory locks
# A token matters while its page may be sent again (a double click, the back button); an intake's names an address.
SUBMIT_TOKEN_RETENTION = datetime.timedelta(days=30)

# As the page has it (str(uuid4())): lower-case hex in its four dashes, nothing else.
TOKEN_PATTERN = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")

M = TypeVar("M", bound=models.Model)


def submit_token_refusal() -> ValidationError:
    """The one answer to a submit token that is missing, malformed, someone else's or spent on another kind of row:
    a form error that says nothing about the token's first use."""
    return ValidationError(
        {
            SUBMIT_TOKEN_FIELD: [
                _(
                    "This form could not be sent: its submit code is missing or not valid. Nothing was saved. "
                    "Please submit the form again."
                )
            ]
        }
    )


def submit_token_new() -> str:
    """A token for a form page being rendered."""
    return str(uuid.uuid4())


def submit_token_parse(value: object) -> uuid.UUID:
    """The token a form posted back (`request.POST.get(SUBMIT_TOKEN_FIELD)`); the refusal when it is missing or not
    a token as the page had it."""
    text = value if isinstance(value, str) else ""
    if not TOKEN_PATTERN.fullmatch(text):
        raise submit_token_refusal()
    return uuid.UUID(text)


def submit_owner_user(user: object) -> str:
    """The owner of a token sent by a signed-in user."""
    return f"user:{getattr(user, 'pk', None)}"


def submit_owner_email(email: str) -> str:
    """The owner of a token sent with a verified address (the intake of a company whose contact has no account yet)."""
    return f"email:{email.lower()}"


def submit_token_claim(*, token: uuid.UUID | None, owner: str, model: type[M]) -> M | None:
    """Claim `token` for the caller's transaction: the row of `model` the token's first submit created, or None when
    this is the first submit (the caller then writes its row and records it with `submit_token_record`).

    Must run inside the caller's transaction (the lock is held until it ends). ValidationError (the form's
    `submit_token` error) when the token is another owner's, was used for another kind of row, or its row is gone.
    A None token (a caller that is not a form: the demo, a nested service) claims nothing."""
    if token is None:
        return None
    if not database.in_atomic_block:
        raise transaction.TransactionManagementError("submit_token_claim must run inside the writing transaction")
    with database.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, hashtext(%s))", [SUBMIT_LOCK_NAMESPACE, str(token)])
    earlier = SubmitToken.objects.filter(token=token).first()
    if earlier is None:
        return None
    if earlier.owner != owner or earlier.content_type_id != ContentType.objects.get_for_model(model).pk:
        raise submit_token_refusal()
    found = model._default_manager.filter(pk=earlier.object_id).first()
    if found is None:
        raise submit_token_refusal()
    return found


def submit_token_record(*, token: uuid.UUID | None, owner: str, created: models.Model) -> None:
    """Record the row the token's first submit created, in the same transaction as the row itself."""
    if token is None:
        return
    SubmitToken.objects.create(
        token=token,
        owner=owner,
        content_type=ContentType.objects.get_for_model(created),
        object_id=created.pk,
    )  # created_at: the wall clock (not the programme's), which the retention step counts by


def submit_tokens_expire(*, now: datetime.datetime, dry_run: bool = False) -> int:
    """Retention step: tokens older than SUBMIT_TOKEN_RETENTION go (a page that old sent again makes a new row)."""
    expired = SubmitToken.objects.filter(created_at__lt=now - SUBMIT_TOKEN_RETENTION)
    return rows_purge(expired, dry_run=dry_run)

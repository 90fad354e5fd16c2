"""The refusal audit: every request the app refuses is a row with who, what, when and from where (`Refusal`).

Written for every 403, for every 404 a signed-in user meets (someone else's object looks exactly like a missing
one, and both are worth a row when an account asked), and for every locked staff sign-in. An anonymous 404 (a
mistyped address, a scanner) is not a refusal and writes nothing."""

import logging
from typing import Any

from django.db import DatabaseError, transaction
from django.http import HttpRequest

from connections.models import Refusal
from htg_migration.client_ip import client_ip
from htg_migration.logs import redact_text

logger = logging.getLogger(__name__)

PATH_LENGTH = Refusal._meta.get_field("path").max_length
USERNAME_LENGTH = Refusal._meta.get_field("username").max_length


def _reason(status: int, signed_in: bool) -> str | None:
    if status == 403:
        return Refusal.Reason.FORBIDDEN
    if status == 404 and signed_in:
        return Refusal.Reason.NOT_FOUND
    return None


def refusal_record(
    *, request: HttpRequest, status: int, reason: str | None = None, username: str = ""
) -> Refusal | None:
    """Write the row for a refused request, if it is one (see the module). Never raises: an audit row that cannot
    be written is logged, and the answer to the request stays what it was."""
    user: Any = getattr(request, "user", None)
    signed_in = bool(user is not None and user.is_authenticated)
    reason = reason or _reason(status, signed_in)
    if reason is None:
        return None
    values = {
        "user": user if signed_in else None,
        "username": (user.get_username() if signed_in else username).replace("\x00", "")[:USERNAME_LENGTH],
        "reason": reason,
        "method": request.method[:10] if request.method else "",
        # A refused sign-in link's path holds its token (still usable: the refusal rolled its use back).
        "path": redact_text(request.path).replace("\x00", "")[:PATH_LENGTH],
        "status": status,
        "client_ip": client_ip(request),
    }
    try:
        with transaction.atomic():
            return Refusal.objects.create(**values)
    except DatabaseError:
        logger.exception("refusal_not_recorded", extra={"path": values["path"], "status": status})
        return None

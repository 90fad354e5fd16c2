"""A company that gave its intake while its mail software still used TLS 1.1 or older confirms TLS 1.2 later."""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from connections.models import Channel, Connection, ConnectionState
from connections.permissions import company_or_team_may
from connections.services.connections import connection_channel_set
from connections.services.transitions import connection_transition
from htg_migration.errors import ApplicationError, ConflictError

S = ConnectionState


@transaction.atomic
def connection_tls_confirm(*, connection_id: int, tls_version: str, actor: Any) -> Connection:
    """Record SMTP-MSA/POP3 over `tls_version` (1.2 or later) and move the connection from "awaiting_tls" to
    "intake received" (the `confirm_tls` transition, in the timeline), in one transaction under the row lock.

    ValidationError (keyed `tls_version`) for a version HTG does not take; ConflictError in any other state; nothing
    is written then. Allowed for the company, its hub and the team."""
    connection = (
        Connection.objects.select_for_update(of=("self",)).select_related("customer").filter(pk=connection_id).first()
    )
    if connection is None:
        raise ApplicationError(_("This connection does not exist (any more)."))
    if not company_or_team_may(connection, actor):
        raise PermissionDenied(_("You are not allowed to confirm this for this connection."))
    if connection.state != S.AWAITING_TLS:
        raise ConflictError(
            _(
                "You can confirm TLS 1.2 only while the connection is waiting for it; it is now “%(state)s”. "
                "Nothing was recorded."
            )
            % {"state": ConnectionState(connection.state).label},
            {"state": connection.state},
        )
    connection_channel_set(connection_id=connection.pk, channel=Channel.SMTP_MSA_POP3, tls_version=tls_version)
    return connection_transition(
        connection_id=connection.pk, transition="confirm_tls", actor=actor, expected_state=S.AWAITING_TLS
    )

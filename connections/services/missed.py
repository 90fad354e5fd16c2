"""After the programme's deadline, a connection that is not live has missed it."""

import datetime
import logging

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from connections.models import OPEN_STATES, Connection, ConnectionState
from connections.services.transitions import connection_transition
from htg_migration.errors import ApplicationError
from plateaus.models import Programme

logger = logging.getLogger(__name__)


def connections_mark_missed(*, today: datetime.date) -> int:
    """Record every open connection of every programme whose deadline has passed as missed. Safe to run twice:
    each connection is re-checked under its row lock, so one already moved is left alone."""
    marked = 0
    for programme in Programme.objects.filter(deadline__lt=today):
        candidate_ids = Connection.objects.filter(
            flow__plateau__programme=programme, state__in=[*OPEN_STATES, ConnectionState.ON_HOLD]
        ).values_list("id", flat=True)
        # The ids read at once (a few bytes each), not streamed: a server-side cursor would be declared WITH HOLD to
        # outlive the transitions' commits, session state that PgBouncer's transaction pooling does not keep.
        for connection_id in list(candidate_ids.order_by("id")):
            try:
                connection_transition(
                    connection_id=connection_id,
                    transition="mark_missed",
                    actor=None,
                    note=_("The deadline of %(deadline)s passed before this connection went live.")
                    % {"deadline": programme.deadline.isoformat()},
                )
            except (ApplicationError, PermissionDenied) as error:
                logger.info("connection %s not marked missed: %s", connection_id, error)
                continue
            marked += 1
    return marked

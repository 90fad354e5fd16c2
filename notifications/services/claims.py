"""Claims of a sender on outbox rows (the e-mails' and the webhooks' alike): a token named after the sender, a
transaction-level advisory lock held on a connection of its own while the sender lives (`ClaimHolder`), and the
sweep's test whether a token's sender is gone (notifications/services/sending.py explains the three steps)."""

import contextlib
import os
import socket
import uuid
from collections.abc import Iterator
from typing import Any

from django.db import DEFAULT_DB_ALIAS, DatabaseError, connection, connections

CLAIM_LOCK_NAMESPACE = 7_340_102  # the first key of the outbox's advisory locks


def claim_token() -> str:
    return f"{socket.gethostname()[:30]}:{os.getpid()}:{uuid.uuid4().hex[:16]}"


class ClaimHolder:
    """Hold the token's advisory lock for as long as the sender works on its rows: `pg_advisory_xact_lock` in a
    transaction left open on a database connection of its own (the sender's own connection commits each claim and
    mark at once), rolled back at the end.

    A killed worker's connections close at once (its host closes them), and PostgreSQL (or PgBouncer, which then
    drops its server connection) ends the transaction and the lock with them. A worker whose host vanishes (power,
    network) closes nothing: the server finds out by its TCP keepalive, which production sets short on PostgreSQL
    and PgBouncer (docs/architecture.md); the worker's side is libpq's `keepalives_*` in the database OPTIONS.
    After the database restarted, `renew` takes the lock again on a fresh connection."""

    def __init__(self, token: str) -> None:
        self.token = token
        self.holder: Any = None

    def take(self) -> None:
        holder = connections.create_connection(DEFAULT_DB_ALIAS)
        try:
            holder.set_autocommit(False)
            with holder.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s, hashtext(%s))", [CLAIM_LOCK_NAMESPACE, self.token])
        except BaseException:
            holder.close()
            raise
        self.holder = holder

    def release(self) -> None:
        holder, self.holder = self.holder, None
        if holder is not None:
            with contextlib.suppress(DatabaseError):
                holder.rollback()
            with contextlib.suppress(DatabaseError):
                holder.close()

    def renew(self) -> None:
        self.release()
        self.take()


@contextlib.contextmanager
def claim_held(token: str) -> Iterator[ClaimHolder]:
    claim = ClaimHolder(token)
    claim.take()
    try:
        yield claim
    finally:
        claim.release()


def claim_holder_gone(token: str) -> bool:
    """Whether the sender that claimed rows with this token is gone: its advisory lock is free (the transaction that
    held it ended with the sender). Run inside the caller's transaction, which then holds the lock itself until it
    ends, so that two sweeps do not recover the same claim at once."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s, hashtext(%s))", [CLAIM_LOCK_NAMESPACE, token])
        return bool(cursor.fetchone()[0])

"""Queueing a task once the caller's transaction commits, without making the broker a condition of the change.

Everything that must happen is first a row (the outbox's e-mail, a bulk job, an import batch, a news sending), and
every such row has a periodic sweep that picks it up when its task was lost. So when the broker is away (Redis down
or restarting), the change has committed and stands: sending its task fails, is logged, and the sweep does the work
once the broker is back. Without this, the web answered a committed change with a server error (a company asking
for a sign-in link while Redis was down got a 500, yet its e-mail row was written and later sent: found by
tests/faults/test_redis_and_readiness.py)."""

from collections.abc import Callable
from typing import Any

from django.db import transaction


def task_queue_on_commit(send: Callable[[], Any]) -> None:
    """Run `send` (a task's `.delay(...)`) after the commit; an exception it raises is logged (Django's robust
    on_commit, logger `django.db.backends.base`) rather than raised to the caller."""
    transaction.on_commit(send, robust=True)

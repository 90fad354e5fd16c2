"""Retention (AVG/GDPR): personal data is kept no longer than it is needed. Each app registers the steps that
remove or anonymise its own data (in its AppConfig.ready); the nightly beat job and `manage.py retention_run
[--dry-run]` run them all. A step returns how many rows it changed (or, dry, would change), and never touches the
timeline or the figures."""

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class RetentionStep:
    name: str
    run: Callable[..., int]  # run(*, now: datetime.datetime, dry_run: bool) -> rows


_steps: dict[str, RetentionStep] = {}


def retention_step_register(name: str, run: Callable[..., int]) -> None:
    """Register (or replace, on a second ready()) the step of this name."""
    _steps[name] = RetentionStep(name, run)


def retention_run(*, now: datetime.datetime, dry_run: bool = False) -> dict[str, int]:
    """Run every registered step, in the order of their names; what each changed (or would change)."""
    return {name: _steps[name].run(now=now, dry_run=dry_run) for name in sorted(_steps)}


def rows_purge(rows: Any, *, dry_run: bool) -> int:
    """Delete these rows (a queryset), or, dry, count them: the usual body of a step."""
    return rows.count() if dry_run else rows.delete()[0]

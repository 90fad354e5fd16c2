"""Argument types shared by the management commands."""

import datetime
from argparse import ArgumentTypeError


def iso_date(value: str) -> datetime.date:
    """A command-line date as YYYY-MM-DD; anything else is argparse's clear refusal, not a traceback."""
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise ArgumentTypeError(f"not a date (YYYY-MM-DD): {value!r}") from None

"""Shared fixtures and the rule that tests needing real services run in CI and never skip there."""

import os
import socket

import pytest
from django.db import connection as database

REQUIRE_SERVICES = os.environ.get("HTG_REQUIRE_SERVICES", "").lower() in {"1", "true", "yes"}


def _redis_reachable() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1):
            return True
    except OSError:
        return False


def _unavailable(item: pytest.Item, reason: str) -> None:
    if REQUIRE_SERVICES:
        pytest.fail(f"{reason} (HTG_REQUIRE_SERVICES is set: this test must run here)", pytrace=False)
    item.add_marker(pytest.mark.skip(reason=reason))


def pytest_runtest_setup(item: pytest.Item) -> None:
    if item.get_closest_marker("postgres") and database.vendor != "postgresql":
        _unavailable(item, f"needs PostgreSQL, the test database is {database.vendor}")
    if (item.get_closest_marker("redis") or item.get_closest_marker("worker")) and not _redis_reachable():
        _unavailable(item, "needs Redis on 127.0.0.1:6379")


@pytest.fixture
def programme_flows(db):
    """The reference message flows by code, as the data migration loaded them."""
    from plateaus.models import MessageFlow

    return {flow.code: flow for flow in MessageFlow.objects.select_related("plateau")}

"""Tests: PostgreSQL wherever it is reachable (DATABASE_URL, or 127.0.0.1:5432), SQLite otherwise.

Tests marked `postgres` skip with a visible reason on SQLite, except where HTG_REQUIRE_SERVICES is set (CI),
where they fail instead.
"""

import os

import psycopg2

DEFAULT_TEST_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/htg_migration"


def _postgres_reachable(url: str) -> bool:
    try:
        connection = psycopg2.connect(url.rsplit("/", 1)[0] + "/postgres", connect_timeout=2)
    except psycopg2.OperationalError:
        return False
    connection.close()
    return True


if "DATABASE_URL" not in os.environ and _postgres_reachable(DEFAULT_TEST_DATABASE_URL):
    os.environ["DATABASE_URL"] = DEFAULT_TEST_DATABASE_URL
os.environ.setdefault("EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")
os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "true")

from htg_migration.settings.base import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
LANGUAGE_CODE = "en"

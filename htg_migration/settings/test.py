"""Tests: PostgreSQL at DATABASE_URL, by default the one on 127.0.0.1:5432 (CI's; `dev.py test` starts the embedded
server and sets DATABASE_URL where none answers there)."""

import os

if not os.environ.get("DATABASE_URL"):
    os.environ["DATABASE_URL"] = "postgres://postgres@127.0.0.1:5432/htg_migration"
os.environ.setdefault("EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")
os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "true")
os.environ.setdefault("HTG_WEBHOOK_ALLOW_PRIVATE", "true")  # the tests' receivers listen on loopback

from htg_migration.settings.base import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
LANGUAGE_CODE = "en"

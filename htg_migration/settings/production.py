"""Production: secure by default; everything that differs comes from the environment."""

import os

os.environ.setdefault("DJANGO_SECURE_SSL_REDIRECT", "true")
os.environ.setdefault("DJANGO_SECURE_COOKIES", "true")
os.environ.setdefault("DJANGO_SECURE_HSTS_SECONDS", "31536000")
os.environ.setdefault("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", "true")
os.environ.setdefault("DJANGO_SECURE_HSTS_PRELOAD", "true")
# SMTP with TLS 1.2 or later and a verified certificate, failing closed (notifications/backends.py).
os.environ.setdefault("EMAIL_BACKEND", "notifications.backends.StrictTlsEmailBackend")
os.environ.setdefault("HTG_LOG_FORMAT", "json")  # one JSON object per line (htg_migration/logs.py)
if not os.environ.get("EMAIL_USE_SSL"):
    os.environ.setdefault("EMAIL_USE_TLS", "true")

from htg_migration.settings.base import *  # noqa: F403
from htg_migration.settings.base import SECRET_KEY

if SECRET_KEY.startswith("local-only-insecure"):
    raise RuntimeError("DJANGO_SECRET_KEY must be set in production.")
DEBUG = False
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
}

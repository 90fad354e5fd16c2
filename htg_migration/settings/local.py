"""Local development: DEBUG on unless the environment says otherwise."""

import os

os.environ.setdefault("DJANGO_DEBUG", "true")

from htg_migration.settings.base import *  # noqa: F403

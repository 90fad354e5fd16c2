"""Every setting lives here, read from the environment with safe local defaults.

local, test and production only choose defaults; production differs from local by environment alone.
"""

import datetime
import os
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.utils.translation import gettext_lazy as _

from htg_migration.logs import logging_config, structlog_configure
from htg_migration.settings.environment import env_bool, env_list

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(os.environ.get("HTG_VAR_DIR", BASE_DIR / "var"))


SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "local-only-insecure-key-change-me-in-production-0123456789")
DEBUG = env_bool("DJANGO_DEBUG", False)
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "htg_migration.admin.HtgAdminConfig",  # the admin, for administrators only (htg_migration/admin.py)
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.forms",  # Django's widget templates, for FORM_RENDERER (which finds templates through TEMPLATES)
    "axes",  # staff sign-in attempts, locked out after too many failures (AXES_* below)
    "csp",  # the Content-Security-Policy header (CONTENT_SECURITY_POLICY below)
    # Trigram similarity for the helpdesk lookup.
    "django.contrib.postgres",
    "django_fsm",
    "django_structlog",  # request id, user and client address on every log line, carried into queued tasks
    # The core, its dependencies pointing one way: plateaus <- connections -> notifications (docs/architecture.md).
    "plateaus",
    "connections",
    "notifications",
    "webhooks",  # the event outbox and its webhooks: connections writes events, the worker delivers them
    # The feature apps on top: each imports from the core, never from another feature app.
    "portal",
    "helpdesk",
    "reporting",
    "imports",
    "community",
    "traffic",
    "api",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI and ReDoc as static files of our own (no CDN)
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",  # on every response, static files too
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "htg_migration.middleware.PortalDutchByDefaultMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_structlog.middlewares.RequestMiddleware",  # request_id, user_id, ip on every log line (htg_migration/logs)
    "django.contrib.messages.middleware.MessageMiddleware",
    # After authentication and messages: ends a session past its limits (signs out, says why), then marks every
    # signed-in page `Cache-Control: no-store` (htg_migration/sessions.py).
    "htg_migration.middleware.SessionLimitsMiddleware",
    "htg_migration.middleware.SignedInNoStoreMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
    "connections.middleware.RefusalAuditMiddleware",  # a row for every refused request (403, signed-in 404)
    "htg_migration.middleware.MethodNotAllowedPageMiddleware",  # a button's address opened as a page: the app's 405
]

ROOT_URLCONF = "htg_migration.urls"
WSGI_APPLICATION = "htg_migration.wsgi.application"
ASGI_APPLICATION = "htg_migration.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
            # The date filter with Dutch month abbreviations in lower case (htg_migration/dates.py).
            "builtins": ["htg_migration.dates"],
        },
    },
]

# Every form is drawn by the project's own templates (templates/forms/), never Django's defaults.
FORM_RENDERER = "htg_migration.forms.HtgFormRenderer"

# PostgreSQL only. Where DATABASE_URL is unset, `dev.py run` sets it to an embedded server (htg_migration/embedded_db).
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or "postgres://postgres@127.0.0.1:5432/htg",
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "0")),
    )
}
if DATABASES["default"]["ENGINE"].endswith("postgresql"):
    # libpq's TCP keepalives (connection parameters, not session state: the app works through PgBouncer in
    # transaction pooling mode): a connection whose server vanished is found out within about a minute, not the
    # operating system's two hours. The server's side (a vanished worker's claim lock) is PostgreSQL's and
    # PgBouncer's own keepalive configuration (docs/architecture.md).
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "keepalives": 1,
            "keepalives_idle": int(os.environ.get("DATABASE_KEEPALIVES_IDLE", "30")),
            "keepalives_interval": int(os.environ.get("DATABASE_KEEPALIVES_INTERVAL", "10")),
            "keepalives_count": int(os.environ.get("DATABASE_KEEPALIVES_COUNT", "3")),
        }
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# A shared cache (Redis in production: DJANGO_CACHE_URL=redis://redis:6379/1, docker-compose.yml) keeps the sessions
# in front of the database: `cached_db` writes both and reads the cache, so a request needs no session query, and
# a session survives a cache restart. Without a shared cache sessions are read from the database: a cache in each
# process's memory would keep a signed-out session alive in the other processes.
#
# While Redis is away the cache is no cache (django-redis's IGNORE_EXCEPTIONS: every read misses, every write is
# dropped and logged), so sessions are read from and written to the database and signed-in users keep working; short
# socket timeouts keep a Redis that does not answer from holding up the page.
CACHE_URL = os.environ.get("DJANGO_CACHE_URL", "")


def redis_cache(url: str) -> dict[str, object]:
    """The cache on Redis at `url` (also what the tests that stop Redis use)."""
    return {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": url,
        "KEY_PREFIX": "htg",
        "OPTIONS": {
            "IGNORE_EXCEPTIONS": True,
            "SOCKET_CONNECT_TIMEOUT": float(os.environ.get("DJANGO_CACHE_CONNECT_TIMEOUT", "0.5")),
            "SOCKET_TIMEOUT": float(os.environ.get("DJANGO_CACHE_TIMEOUT", "0.5")),
        },
    }


if CACHE_URL:
    CACHES = {"default": redis_cache(CACHE_URL)}
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "nl"
LANGUAGES = [("nl", _("Dutch")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Short dates in tables: "14 May 2020" / "14 mei 2020" (Dutch months lower case), see htg_migration/formats.
FORMAT_MODULE_PATH = ["htg_migration.formats"]
TIME_ZONE = "Europe/Amsterdam"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("DJANGO_STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]

LOGIN_URL = "login"
# Staff sign in with a password (/accounts/login/, /admin/login/): django-axes counts the failures and, past
# AXES_FAILURE_LIMIT for one user name or from one client address, refuses every attempt for AXES_COOLOFF_TIME with
# a 429 page that says when to try again (connections/views/staff_sign_in.py). Companies sign in by e-mailed link.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
AXES_FAILURE_LIMIT = int(os.environ.get("HTG_SIGN_IN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = datetime.timedelta(minutes=int(os.environ.get("HTG_SIGN_IN_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]  # each on its own: a user name, or a client address
AXES_RESET_ON_SUCCESS = True
# Every failed attempt is a row of its own (AccessFailureLog), kept when a later success resets the counts: with
# AccessLog (every sign-in) they are the sign-ins of the audit (connections.models.audit.AuditEntry).
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_CLIENT_IP_CALLABLE = "htg_migration.client_ip.client_ip"
AXES_LOCKOUT_CALLABLE = "connections.views.staff_sign_in.staff_sign_in_locked_out"
# A staff password reset link works for HTG_PASSWORD_RESET_HOURS; within HTG_PASSWORD_RESET_WINDOW_MINUTES an address
# may ask HTG_PASSWORD_RESETS_PER_ADDRESS times and one client address HTG_PASSWORD_RESETS_PER_IP times (counted
# from the database, like the portal's sign-in links). The e-mail goes through the outbox.
PASSWORD_RESET_TIMEOUT = int(os.environ.get("HTG_PASSWORD_RESET_HOURS", "1")) * 3600
HTG_PASSWORD_RESET_WINDOW_MINUTES = int(os.environ.get("HTG_PASSWORD_RESET_WINDOW_MINUTES", "60"))
HTG_PASSWORD_RESETS_PER_ADDRESS = int(os.environ.get("HTG_PASSWORD_RESETS_PER_ADDRESS", "3"))
HTG_PASSWORD_RESETS_PER_IP = int(os.environ.get("HTG_PASSWORD_RESETS_PER_IP", "10"))
LOGIN_REDIRECT_URL = "connections:home"
LOGOUT_REDIRECT_URL = "login"

MEDIA_ROOT = Path(os.environ.get("DJANGO_MEDIA_ROOT", VAR_DIR / "media"))
MEDIA_URL = "media/"  # never served publicly: uploads are read by the app only

# E-mail: written to files under var/mail by default so a person can read them; SMTP in production.
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend")
EMAIL_FILE_PATH = os.environ.get("EMAIL_FILE_PATH", str(VAR_DIR / "mail"))
EMAIL_HOST = os.environ.get("EMAIL_HOST", "127.0.0.1")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "HTG Migratie <migratie-htg@example.org>")

# Celery: a broker that needs no server (files under var/broker) by default; CELERY_BROKER_URL=redis://... in
# production. Nothing depends on results, so none are stored.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "filesystem://")
CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = {}
if CELERY_BROKER_URL.startswith("filesystem"):
    _broker_dir = str(VAR_DIR / "broker")
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": _broker_dir,
        "data_folder_out": _broker_dir,
        "processed_folder": str(VAR_DIR / "broker-processed"),
        "store_processed": False,
    }
else:
    # A task not acknowledged within this time is given to another worker; never schedule an ETA beyond it.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TIMEZONE = TIME_ZONE
# Long jobs (a bulk job, an import, a news sending, the weekly report) run on a queue of their own, served by
# workers of their own (docker-compose.yml: worker-long), so a step e-mail or a sign-in link never waits behind them
# on the default queue ("celery").
HTG_CELERY_LONG_QUEUE = os.environ.get("HTG_CELERY_LONG_QUEUE", "long")
LONG_TASKS = (
    "connections.tasks.bulk_job_run_task",
    "imports.tasks.import_batch_validate_task",
    "imports.tasks.import_batch_apply_task",
    "community.tasks.news_sending_run_task",
    "reporting.tasks.weekly_report_task",
)
CELERY_TASK_ROUTES = {name: {"queue": HTG_CELERY_LONG_QUEUE} for name in LONG_TASKS}
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")

SESSION_COOKIE_HTTPONLY = True
# Signed-in sessions (htg_migration/sessions.py): staff are signed out after HTG_STAFF_SESSION_IDLE_MINUTES without a
# request and HTG_STAFF_SESSION_MAX_HOURS after signing in, whatever they do; companies after
# HTG_PORTAL_SESSION_IDLE_MINUTES without a request. An active session is saved (its expiry moved on) at most every
# HTG_SESSION_REFRESH_SECONDS: one write a minute, not one per request (SESSION_SAVE_EVERY_REQUEST stays off).
HTG_STAFF_SESSION_IDLE_MINUTES = int(os.environ.get("HTG_STAFF_SESSION_IDLE_MINUTES", "30"))
HTG_STAFF_SESSION_MAX_HOURS = int(os.environ.get("HTG_STAFF_SESSION_MAX_HOURS", "12"))
HTG_PORTAL_SESSION_IDLE_MINUTES = int(os.environ.get("HTG_PORTAL_SESSION_IDLE_MINUTES", "120"))
HTG_SESSION_REFRESH_SECONDS = int(os.environ.get("HTG_SESSION_REFRESH_SECONDS", "60"))
# A session nobody signed in to (a language choice, a message) lasts no longer than a staff session at most.
SESSION_COOKIE_AGE = HTG_STAFF_SESSION_MAX_HOURS * 3600
CSRF_COOKIE_HTTPONLY = False
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", False)
# The containers' health checks ask gunicorn directly over plain HTTP (deploy/healthcheck.py): not redirected.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", False)
SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_SECURE_HSTS_SECONDS", "0"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("DJANGO_SECURE_HSTS_PRELOAD", False)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("DJANGO_BEHIND_TLS_PROXY", False) else None

# Content-Security-Policy (django-csp 4): every script is static/js/app.js (or the admin's own files), every style a
# stylesheet; no inline script, event handler or style attribute anywhere, so the policy needs no 'unsafe-inline' and
# no nonce. The charts are inline SVG (presentation attributes, no style), so img-src needs no data:. The one
# relaxation is the admin's e-mail template preview (notifications/admin.py): the e-mail's own HTML, shown in a
# sandboxed srcdoc frame that inherits this policy, may carry inline styles, never scripts.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    }
}

# The REST API (api/, docs/api.md): JSON only (no browsable pages: they would draw Django's default forms), errors as
# RFC 9457 problem details (api/problems.py), every list cursor-paginated, every caller throttled (per token, else per
# user, else per address; HTG_API_RATE).
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.ApiTokenAuthentication",  # Authorization: Bearer htg_... (api/models.py)
        "rest_framework.authentication.SessionAuthentication",  # the portal's signed-in browser
    ],
    "DEFAULT_PERMISSION_CLASSES": ["api.permissions.IsCompanyContact", "api.permissions.TokenScopeAllows"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["api.parsers.LimitedJSONParser"],  # JSON up to DATA_UPLOAD_MAX_MEMORY_SIZE, else 413
    "DEFAULT_PAGINATION_CLASS": "api.pagination.ApiCursorPagination",
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.ApiTokenRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"api": os.environ.get("HTG_API_RATE", "600/min")},
    "EXCEPTION_HANDLER": "api.problems.problem_details_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "HTG Migration Tracker API",
    "DESCRIPTION": "The companies' and hubs' API of the HTG migration (docs/api.md).",
    "VERSION": "1.0.0",
    "OAS_VERSION": "3.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # One name for the connection states, wherever a field uses them (state, from_state, to_state).
    "ENUM_NAME_OVERRIDES": {
        "ConnectionStateEnum": "connections.models.ConnectionState",
        "CallbackStatusEnum": "connections.models.CallbackRequest.Status",
        "ImportStatusEnum": "imports.models.ImportBatch.Status",
    },
    # Every operation documents the problem responses it may give, its path ids as whole numbers (api/openapi_hooks.py).
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "api.openapi_hooks.problem_responses",
        "api.openapi_hooks.path_integers_are_whole_numbers",
    ],
}

# Logs (htg_migration/logs.py): every record through structlog's formatter, to standard error; JSON lines with
# HTG_LOG_FORMAT=json (production's default, for web, worker and scheduler alike), readable lines otherwise. E-mail
# addresses, phone numbers and the tokens in paths are redacted from every field. django-structlog binds request_id,
# user_id and ip (htg_migration.client_ip, through its bind_extra_request_metadata signal: never django-ipware's
# guess) and carries them into the tasks a request queues.
HTG_LOG_FORMAT = os.environ.get("HTG_LOG_FORMAT", "console")
LOGGING = logging_config(json=HTG_LOG_FORMAT == "json", level=os.environ.get("DJANGO_LOG_LEVEL", "INFO"))
structlog_configure()
DJANGO_STRUCTLOG_CELERY_ENABLED = True
DJANGO_STRUCTLOG_IP_LOGGING_ENABLED = False  # bound by htg_migration.logs.request_metadata_bind instead

# The programme's own settings (HTG_*), defined in programme.py and part of these settings.
from htg_migration.settings.programme import *  # noqa: E402, F403

# Webhooks (webhooks/): each delivery's request may take HTG_WEBHOOK_TIMEOUT_SECONDS; a failed one is tried again
# with doubling waits (from HTG_WEBHOOK_RETRY_BASE_SECONDS, at most HTG_WEBHOOK_RETRY_MAX_SECONDS apart) for
# HTG_WEBHOOK_RETRY_HOURS, then marked failed and its endpoint paused. HTG_WEBHOOK_ALLOW_PRIVATE lets endpoints on
# loopback and private addresses (and plain http to them) be registered and called: tests and development only.
HTG_WEBHOOK_TIMEOUT_SECONDS = float(os.environ.get("HTG_WEBHOOK_TIMEOUT_SECONDS", "10"))
HTG_WEBHOOK_RETRY_BASE_SECONDS = int(os.environ.get("HTG_WEBHOOK_RETRY_BASE_SECONDS", "30"))
HTG_WEBHOOK_RETRY_MAX_SECONDS = int(os.environ.get("HTG_WEBHOOK_RETRY_MAX_SECONDS", "3600"))
HTG_WEBHOOK_RETRY_HOURS = int(os.environ.get("HTG_WEBHOOK_RETRY_HOURS", "24"))
HTG_WEBHOOK_CLAIM_BATCH = int(os.environ.get("HTG_WEBHOOK_CLAIM_BATCH", "100"))
HTG_WEBHOOK_ALLOW_PRIVATE = env_bool("HTG_WEBHOOK_ALLOW_PRIVATE", DEBUG)

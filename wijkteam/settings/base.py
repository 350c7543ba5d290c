"""Settings shared by every environment. Configuration comes from the environment."""

import os
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

from wijkteam.logs import logging_config

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    return os.environ.get(name, str(default)).lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


# --- Core ------------------------------------------------------------------

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "insecure-development-key-do-not-use-in-production")
DEBUG = env_bool("DJANGO_DEBUG", False)
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "simple_history",
    # Project apps. `wijkteam` itself holds no models, only the management
    # commands and template tags that span the apps (seed_demo).
    "wijkteam",
    "organisations",
    "themes",
    "funding",
    "cases",
    "privacy",
    "jobs",
    "monitoring",
]

MIDDLEWARE = [
    # First, so that every log line of the request, the other middleware's included, carries its id.
    "wijkteam.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
]

ROOT_URLCONF = "wijkteam.urls"
WSGI_APPLICATION = "wijkteam.wsgi.application"
ASGI_APPLICATION = "wijkteam.asgi.application"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

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
        },
    },
]

# --- Database --------------------------------------------------------------
# With DATABASE_URL unset, the embedded PostgreSQL server under .data/pg is
# used; its backend starts the server on the first connection.

if os.environ.get("DATABASE_URL"):
    DATABASES = {"default": dj_database_url.parse(os.environ["DATABASE_URL"], conn_max_age=60)}
else:
    from wijkteam import embedded_db

    DATABASES = {
        "default": {
            "ENGINE": "wijkteam.embedded_backend",
            "NAME": embedded_db.DATABASE,
            "USER": embedded_db.APP_ROLE,
            "HOST": str(embedded_db.PGDATA),
            "CONN_MAX_AGE": 60,
        }
    }
DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)

# --- Authentication ----------------------------------------------------------

AUTH_USER_MODEL = "organisations.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"

# --- Internationalisation -----------------------------------------------------

LANGUAGE_CODE = "nl"
LANGUAGES = [("nl", _("Dutch")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Amsterdam"
USE_I18N = True
USE_TZ = True

# --- Static files -------------------------------------------------------------
# Front-end packages are installed from npm by `make install` into
# node_modules/ and served from there under a stable prefix; nothing from npm
# is copied into the repository.

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
NODE_MODULES = BASE_DIR / "node_modules"
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("vendor/htmx", NODE_MODULES / "htmx.org" / "dist"),
    ("vendor/utrecht", NODE_MODULES / "@utrecht" / "component-library-css" / "dist"),
    ("vendor/utrecht-tokens", NODE_MODULES / "@utrecht" / "design-tokens" / "dist"),
    ("vendor/chartjs", NODE_MODULES / "chart.js" / "dist"),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# --- REST framework -------------------------------------------------------------

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.SessionAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "wijkteam.api.pagination.CursorPagination",
    "EXCEPTION_HANDLER": "wijkteam.api.base.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.UserRateThrottle",
        "rest_framework.throttling.ScopedRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "user": os.environ.get("WIJKTEAM_API_RATE", "1200/hour"),
        "reports": os.environ.get("WIJKTEAM_API_REPORT_RATE", "6000/hour"),
    },
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Wijkteam API",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Several models have a "status", "kind" or "role"; name each choice set after its model.
    "ENUM_NAME_OVERRIDES": {
        "CaseStatusEnum": "cases.models.CaseStatus",
        "ActionStatusEnum": "cases.models.Action.Status",
        "GoalStatusEnum": "cases.models.Goal.Status",
        "ContactKindEnum": "cases.models.Contact.Kind",
        "AreaKindEnum": "organisations.models.Area.Kind",
        "InvolvementRoleEnum": "cases.models.Involvement.Role",
        "HouseholdRoleEnum": "cases.models.HouseholdMembership.Role",
    },
}

# --- Celery ---------------------------------------------------------------------
# Without a broker, tasks run eagerly in the calling process (development,
# most tests); with CELERY_BROKER_URL set they go to Redis. Tasks are queued
# through the outbox (jobs.services.enqueue) and written as idempotent tasks
# (jobs.idempotency); docs/architecture.md tells the whole path.

CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND") or None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Django's LOGGING formats worker and beat lines too (JSON, request id, redaction).
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_TIMEZONE = TIME_ZONE

# A message a worker took but never acknowledged (the worker was killed) goes
# back to the queue after the visibility timeout. It must exceed the longest
# task run, countdown and retry back-off, or a running task is delivered twice
# (harmless for idempotent tasks, but wasted work). kombu looks for such
# messages every unacked_restore_interval * unacked_restore_throttle seconds
# (100 s by default); a short timeout needs a sweep to match.
_visibility_timeout = int(os.environ.get("CELERY_VISIBILITY_TIMEOUT", "3600"))
_restore_sweep = max(1, min(100, _visibility_timeout // 4))
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": _visibility_timeout,
    "unacked_restore_interval": min(10, _restore_sweep),
    "unacked_restore_throttle": max(1, _restore_sweep // min(10, _restore_sweep)),
    # A broker that vanishes without closing the connection must not hang a worker's publish.
    "socket_connect_timeout": 5,
    "socket_timeout": 30,
}

# Publishing from a web request and the readiness probe give up on the broker
# after this many seconds (connect and each reply); the outbox keeps the work.
WIJKTEAM_BROKER_TIMEOUT = float(os.environ.get("WIJKTEAM_BROKER_TIMEOUT", "0.5"))
# An idempotent task waits at most this long for a row lock, then retries later.
WIJKTEAM_TASK_LOCK_TIMEOUT = float(os.environ.get("WIJKTEAM_TASK_LOCK_TIMEOUT", "5"))
# How often beat runs the outbox relay, for rows the after-commit publish could not send.
WIJKTEAM_OUTBOX_RELAY_SECONDS = int(os.environ.get("WIJKTEAM_OUTBOX_RELAY_SECONDS", "15"))
# Published outbox rows and execution records are kept this long (well past any redelivery).
WIJKTEAM_JOBS_KEEP_DAYS = int(os.environ.get("WIJKTEAM_JOBS_KEEP_DAYS", "30"))

# Each app adds its periodic tasks here.
CELERY_BEAT_SCHEDULE: dict[str, dict[str, object]] = {
    "jobs.relay_outbox": {
        "task": "jobs.relay_outbox",
        "schedule": WIJKTEAM_OUTBOX_RELAY_SECONDS,
        # Runs queued while no worker listened would only repeat each other.
        "options": {"expires": WIJKTEAM_OUTBOX_RELAY_SECONDS},
    },
    "jobs.prune": {"task": "jobs.prune", "schedule": crontab(hour=3, minute=30)},
    "privacy.apply_retention": {"task": "privacy.tasks.apply_retention_task", "schedule": crontab(hour=2, minute=30)},
    # Incremental every quarter of an hour; a full one nightly also catches what no history records
    # (an organisation's silos, a goal's status).
    "monitoring.refresh_summaries": {
        "task": "monitoring.refresh_summaries",
        "schedule": crontab(minute="*/15"),
        "options": {"expires": 15 * 60},
    },
    "monitoring.refresh_summaries_full": {
        "task": "monitoring.refresh_summaries",
        "schedule": crontab(hour=4, minute=0),
        "kwargs": {"full": True},
    },
}

# --- Logging --------------------------------------------------------------------

# One line per record on stderr, tagged with the request id, personal data
# redacted (wijkteam/logs.py). LOG_FORMAT=json for machines (the default in
# production), plain for people (the default elsewhere).

LOG_FORMAT = os.environ.get("LOG_FORMAT", "plain")
LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO")
LOGGING = logging_config(log_format=LOG_FORMAT, level=LOG_LEVEL)

# --- Wijkteam -------------------------------------------------------------------

# Aggregates shown to the programme bureau and auditors never show fewer
# households than this (domain brief: "fewer than 5 households is shown as <5").
WIJKTEAM_SUPPRESSION_THRESHOLD = int(os.environ.get("WIJKTEAM_SUPPRESSION_THRESHOLD", "5"))
# An incremental summary refresh reads changes this far before the last watermark (late commits).
WIJKTEAM_SUMMARY_OVERLAP_SECONDS = int(os.environ.get("WIJKTEAM_SUMMARY_OVERLAP_SECONDS", "600"))

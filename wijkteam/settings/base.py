"""Settings shared by every environment. Configuration comes from the environment."""

import hashlib
import os
from datetime import timedelta
from pathlib import Path
from typing import Any

import dj_database_url
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.contrib.messages import constants as message_constants
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from common.logs import logging_config

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
    # The admin site requires a verified second factor (accounts.admin_site).
    "accounts.admin_config.VerifiedAdminConfig",
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
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "csp",
    # Project apps. `common` is the ground floor (building blocks every app may
    # use); `wijkteam` is the roof: settings, URLs, the project commands.
    "common",
    "wijkteam",
    "organisations",
    "themes",
    "funding",
    "cases",
    "privacy",
    "jobs",
    "accounts",
    "monitoring",
    "exports",
    "notifications",
    "drafts",
    "agenda",
]

MIDDLEWARE = [
    # First, so that every log line of the request, the other middleware's included, carries its id.
    "wijkteam.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Outside everything that may touch the database: an API error is JSON, a database out of reach a 503.
    "wijkteam.errors.ErrorResponseMiddleware",
    # Before any view or form reads a parameter: PostgreSQL cannot take a NUL byte in text.
    "wijkteam.errors.RejectNulMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Dutch whatever the browser asks; English only when the user chose it (accounts/middleware.py).
    "accounts.middleware.ChosenLanguageMiddleware",
    # Wraps everything below, so every response to a logged-in user is marked no-store.
    "accounts.middleware.NoStoreMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # After messages (it says why the session ended), before the second-factor check
    # (an expired session goes back to the password step, not to the code step).
    "accounts.middleware.SessionTimeoutMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "accounts.middleware.SecondFactorRequiredMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, as django-axes asks: it turns a lockout into the response of accounts.views.locked_out.
    "axes.middleware.AxesMiddleware",
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
#
# Two database roles (docs/architecture.md, "Database roles"). The owner owns
# every table and runs migrations, the demo seed, backups and restores; the
# web and worker processes connect as the application role, which may only
# INSERT and SELECT on the access log. WIJKTEAM_DATABASE_ROLE=owner makes a
# command connect as the owner (the Makefile's migrate, seed, backup and
# restore targets, docker-compose's migrate service): DATABASE_OWNER_URL then,
# the embedded server's owner role without DATABASE_URL.

WIJKTEAM_DATABASE_ROLE = os.environ.get("WIJKTEAM_DATABASE_ROLE", "app")
if WIJKTEAM_DATABASE_ROLE not in {"app", "owner"}:
    raise ImproperlyConfigured("WIJKTEAM_DATABASE_ROLE is 'app' or 'owner'.")

if os.environ.get("DATABASE_URL"):
    _app_database: dict[str, Any] = dict(dj_database_url.parse(os.environ["DATABASE_URL"], conn_max_age=60))
    _owner_url = os.environ.get("DATABASE_OWNER_URL", "")
    # Without an owner URL one role does everything, and the access log is not protected from it
    # (README, Configuration).
    _owner_database = dict(dj_database_url.parse(_owner_url, conn_max_age=60)) if _owner_url else _app_database
else:
    from wijkteam import embedded_db

    _app_database = {
        "ENGINE": "wijkteam.embedded_backend",
        "NAME": embedded_db.DATABASE,
        "USER": embedded_db.APP_ROLE,
        "HOST": str(embedded_db.PGDATA),
        "CONN_MAX_AGE": 60,
    }
    _owner_database = {**_app_database, "USER": embedded_db.OWNER_ROLE}

# The application's requests and tasks read a page of rows in an order and stop. A parallel plan for such a
# page had each worker read ahead of what the page needs, comparing every row with every case the caller sees:
# a page of contacts took 1.5 s at the municipality seed, 5 ms without (issue 17). Parallel query stays for the
# owner's bulk work (the seed, index builds) and the replica's reports.
APP_CONNECTION_OPTIONS = "-c max_parallel_workers_per_gather=0"
_app_database = {
    **_app_database,
    "OPTIONS": {**_app_database.get("OPTIONS", {}), "options": APP_CONNECTION_OPTIONS},
}

DATABASES = {"default": dict(_owner_database if WIJKTEAM_DATABASE_ROLE == "owner" else _app_database)}
# The role the migrations grant the application's privileges to, and both logins (tests, backups).
WIJKTEAM_DATABASE_APP_ROLE: str = _app_database["USER"]
_LOGIN_KEYS = ("ENGINE", "NAME", "USER", "PASSWORD", "HOST", "PORT")
WIJKTEAM_DATABASE_APP: dict[str, Any] = {key: _app_database.get(key, "") for key in _LOGIN_KEYS}
WIJKTEAM_DATABASE_OWNER: dict[str, Any] = {key: _owner_database.get(key, "") for key in _LOGIN_KEYS}
DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)

# A streaming replica for monitoring, reports, exports and the API's reference
# data (wijkteam/db_routers.py says which reads, and when they fall back to the
# primary); casework always reads the primary.
DATABASE_ROUTERS = ["wijkteam.db_routers.ReplicaRouter"]
WIJKTEAM_REPLICA_MAX_LAG_SECONDS = float(os.environ.get("WIJKTEAM_REPLICA_MAX_LAG_SECONDS", "10"))
WIJKTEAM_REPLICA_CHECK_SECONDS = float(os.environ.get("WIJKTEAM_REPLICA_CHECK_SECONDS", "5"))
if os.environ.get("DATABASE_REPLICA_URL"):
    DATABASES["replica"] = {
        **dict(dj_database_url.parse(os.environ["DATABASE_REPLICA_URL"], conn_max_age=60)),
        "CONN_HEALTH_CHECKS": True,
        # Tests run against one test database: the replica alias then reads it.
        "TEST": {"MIRROR": "default"},
    }

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

# django-axes sees every password attempt first; the model backend checks the password.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

# --- Sessions -------------------------------------------------------------------
# Enforced server-side by accounts.middleware.SessionTimeoutMiddleware: a session
# ends after this long without a request, and this long after the login.
WIJKTEAM_SESSION_IDLE_SECONDS = int(os.environ.get("WIJKTEAM_SESSION_IDLE_SECONDS", str(15 * 60)))
WIJKTEAM_SESSION_ABSOLUTE_SECONDS = int(os.environ.get("WIJKTEAM_SESSION_ABSOLUTE_SECONDS", str(10 * 60 * 60)))
SESSION_COOKIE_AGE = WIJKTEAM_SESSION_ABSOLUTE_SECONDS
# Professionals also work on shared computers (community centres, schools).
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
# Lax, not Strict: the municipality's identity provider sends the browser back
# cross-site to the OIDC callback, which needs the session (state and nonce).
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"

# Messages become Utrecht alerts (utrecht-alert--<tag>), which have "ok", not "success".
# --- Second factor (django-otp, TOTP) ----------------------------------------------

OTP_TOTP_ISSUER = "Wijkteam"
# Wrong codes lock the device for 1, 2, 4, 8, … seconds (django-otp's exponential
# back-off, kept in the database): a million codes cannot be tried in any useful time.
OTP_TOTP_THROTTLE_FACTOR = 1
# The admin may remove a user's app (lost phone) but never read its key.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

# --- Lockout (django-axes) -------------------------------------------------------
# Per username *and* address together. Username alone would let anyone lock a
# professional out of their caseload by typing wrong passwords; address alone
# would lock a whole town hall out behind one NAT address. Guessing one account
# from many addresses still meets the second factor, which a password alone never passes.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_FAILURE_LIMIT = int(os.environ.get("WIJKTEAM_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("WIJKTEAM_LOGIN_COOLOFF_MINUTES", "15")))
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_FORM_FIELD = "username"
# A lockout looks exactly like a wrong password (issue 4: do not reveal which).
AXES_LOCKOUT_CALLABLE = "accounts.views.locked_out"
AXES_CLIENT_IP_CALLABLE = "accounts.client_ip.client_ip_address"
# How many reverse proxies in front of the app add themselves to X-Forwarded-For.
# 0: the address is REMOTE_ADDR; a client-supplied header is never believed.
WIJKTEAM_TRUSTED_PROXY_COUNT = int(os.environ.get("WIJKTEAM_TRUSTED_PROXY_COUNT", "0"))

# --- Municipal single sign-on (OpenID Connect), optional --------------------------
# On only when OIDC_RP_CLIENT_ID is set; then the endpoints below are required.
# Users are matched to existing accounts only (no self-registration), and the
# identity provider supplies the second factor (accounts.oidc).

OIDC_RP_CLIENT_ID = os.environ.get("OIDC_RP_CLIENT_ID", "")
WIJKTEAM_OIDC_ENABLED = bool(OIDC_RP_CLIENT_ID)
OIDC_RP_CLIENT_SECRET = os.environ.get("OIDC_RP_CLIENT_SECRET", "")
OIDC_OP_AUTHORIZATION_ENDPOINT = os.environ.get("OIDC_OP_AUTHORIZATION_ENDPOINT", "")
OIDC_OP_TOKEN_ENDPOINT = os.environ.get("OIDC_OP_TOKEN_ENDPOINT", "")
OIDC_OP_USER_ENDPOINT = os.environ.get("OIDC_OP_USER_ENDPOINT", "")
OIDC_OP_JWKS_ENDPOINT = os.environ.get("OIDC_OP_JWKS_ENDPOINT", "")
OIDC_RP_SIGN_ALGO = os.environ.get("OIDC_RP_SIGN_ALGO", "RS256")
OIDC_RP_SCOPES = os.environ.get("OIDC_RP_SCOPES", "openid email profile")
# Which claim names the account: "email" or "preferred_username".
OIDC_MATCH_CLAIM = os.environ.get("OIDC_MATCH_CLAIM", "email")
# e.g. "amr" (amr must contain "mfa"), "amr=mfa,hwk" or "acr=urn:example:loa:substantial".
OIDC_REQUIRE_MFA_CLAIM = os.environ.get("OIDC_REQUIRE_MFA_CLAIM", "")
OIDC_CREATE_USER = False
OIDC_USE_PKCE = True
OIDC_TIMEOUT = 10
if WIJKTEAM_OIDC_ENABLED:
    _missing = [
        name
        for name in [
            "OIDC_RP_CLIENT_SECRET",
            "OIDC_OP_AUTHORIZATION_ENDPOINT",
            "OIDC_OP_TOKEN_ENDPOINT",
            "OIDC_OP_USER_ENDPOINT",
            "OIDC_OP_JWKS_ENDPOINT",
        ]
        if not os.environ.get(name)
    ]
    if _missing:
        raise ImproperlyConfigured(f"OIDC_RP_CLIENT_ID is set, so these are required too: {', '.join(_missing)}")
    AUTHENTICATION_BACKENDS.append("accounts.oidc.MunicipalityOIDCBackend")

# --- Messages -------------------------------------------------------------------

# The Utrecht alert component calls success "ok".
MESSAGE_TAGS = {message_constants.SUCCESS: "ok"}

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

# --- Content security policy (django-csp) ------------------------------------------
# Only our own files: no inline script or style anywhere (htmx's inline indicator
# styles are switched off in base.html). data: images only for the check marks
# that the Utrecht CSS draws.

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

# --- REST framework -------------------------------------------------------------

REST_FRAMEWORK = {
    # A personal token (made after the second factor, see accounts/views.py), or the browser's verified session.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # JSON only, errors included: no browsable HTML pages, whatever the Accept header (Swagger UI is at docs/).
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["common.api.filters.StrictFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "common.api.pagination.CursorPagination",
    "EXCEPTION_HANDLER": "common.api.base.exception_handler",
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
        "BlockageStatusEnum": "funding.models.BlockageStatus",
        "SpendImportStatusEnum": "funding.models.SpendImport.Status",
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
CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = {
    "visibility_timeout": _visibility_timeout,
    "unacked_restore_interval": min(10, _restore_sweep),
    "unacked_restore_throttle": max(1, _restore_sweep // min(10, _restore_sweep)),
    # A broker that vanishes without closing the connection must not hang a worker's publish.
    "socket_connect_timeout": 5,
    "socket_timeout": 30,
}

# The demo's broker (`make run`): kombu's filesystem transport, one folder of message files next to the
# embedded database, so a worker and beat run with nothing installed by hand. Production uses Redis.
if CELERY_BROKER_URL.startswith("filesystem:"):
    _broker_folder = Path(os.environ.get("WIJKTEAM_BROKER_FOLDER") or BASE_DIR / ".data" / "broker")
    for _part in ("messages", "control"):
        (_broker_folder / _part).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_folder / "messages"),
        "data_folder_out": str(_broker_folder / "messages"),
        "control_folder": str(_broker_folder / "control"),
        "store_processed": False,
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

# A finished background export can be downloaded this long; then beat removes the file.
WIJKTEAM_EXPORT_KEEP_HOURS = int(os.environ.get("WIJKTEAM_EXPORT_KEEP_HOURS", "24"))

# The access log's head is sealed this often (privacy/seal.py): with an HMAC key the
# database does not hold (WIJKTEAM_LOG_SEAL_KEY, or the key in WIJKTEAM_LOG_SEAL_KEY_FILE),
# appended to a file in WIJKTEAM_LOG_SEAL_DIR, a directory the database server cannot write.
WIJKTEAM_LOG_SEAL_KEY = os.environ.get("WIJKTEAM_LOG_SEAL_KEY", "")
WIJKTEAM_LOG_SEAL_KEY_FILE = os.environ.get("WIJKTEAM_LOG_SEAL_KEY_FILE", "")
WIJKTEAM_LOG_SEAL_GENERATE_KEY = False  # development and tests: make the key file when it is missing
WIJKTEAM_LOG_SEAL_DIR = os.environ.get("WIJKTEAM_LOG_SEAL_DIR", "")
WIJKTEAM_LOG_SEAL_MINUTES = int(os.environ.get("WIJKTEAM_LOG_SEAL_MINUTES", "15"))
# Requests append access-log rows unchained; the sequencer (privacy/sequencer.py) chains them this often from
# beat, and a process that logged rows chains the tail after its commit at most this often (0: beat only).
WIJKTEAM_ACCESS_LOG_CHAIN_SECONDS = float(os.environ.get("WIJKTEAM_ACCESS_LOG_CHAIN_SECONDS", "2"))
WIJKTEAM_ACCESS_LOG_CHAIN_OPPORTUNISTIC = os.environ.get("WIJKTEAM_ACCESS_LOG_CHAIN_OPPORTUNISTIC", "1") == "1"
# What a professional typed and did not save (drafts/) is kept this long, then the daily run deletes it.
WIJKTEAM_DRAFT_KEEP_HOURS = int(os.environ.get("WIJKTEAM_DRAFT_KEEP_HOURS", "72"))
# --- Retention beyond case data (privacy/retention.py, privacy/personal_data.py) ---
# Failed and successful login records of django-axes (IP address, user agent, user name).
WIJKTEAM_LOGIN_RECORDS_KEEP_DAYS = int(os.environ.get("WIJKTEAM_LOGIN_RECORDS_KEEP_DAYS", "90"))
# The admin site's change list (who changed which configuration object, with its name).
WIJKTEAM_ADMIN_LOG_KEEP_DAYS = int(os.environ.get("WIJKTEAM_ADMIN_LOG_KEEP_DAYS", str(2 * 365)))
# A released access-request letter's content, kept so the officer can print or send it again.
WIJKTEAM_DISCLOSURE_KEEP_DAYS = int(os.environ.get("WIJKTEAM_DISCLOSURE_KEEP_DAYS", "90"))
# The access log: documented (NEN 7513 asks for at least five years); removal is an owner-role step.
WIJKTEAM_ACCESS_LOG_KEEP_YEARS = int(os.environ.get("WIJKTEAM_ACCESS_LOG_KEEP_YEARS", "5"))

DAY = 24 * 60 * 60

# --- E-mail: the notification digest ------------------------------------------------------
# Where the links in an e-mail point (a mail has no request to take the host from).
WIJKTEAM_SITE_URL = os.environ.get("WIJKTEAM_SITE_URL", "http://127.0.0.1:8000")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "wijkteam@localhost")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))


def through_the_outbox(task_name: str, *, every: int, kwargs: dict[str, object] | None = None) -> dict[str, object]:
    """A beat entry that queues ``task_name`` through the outbox, once per ``every`` seconds (jobs.enqueue_periodic)."""
    return {"task": "jobs.enqueue_periodic", "kwargs": {"task_name": task_name, "every": every, "kwargs": kwargs or {}}}


# Each app adds its periodic tasks here; domain tasks enter through the outbox (through_the_outbox).
CELERY_BEAT_SCHEDULE: dict[str, dict[str, object]] = {
    "jobs.relay_outbox": {
        "task": "jobs.relay_outbox",
        "schedule": WIJKTEAM_OUTBOX_RELAY_SECONDS,
        # Runs queued while no worker listened would only repeat each other.
        "options": {"expires": WIJKTEAM_OUTBOX_RELAY_SECONDS},
    },
    "jobs.prune": {"task": "jobs.prune", "schedule": crontab(hour=3, minute=30)},
    "privacy.apply_retention": {
        **through_the_outbox("privacy.apply_retention", every=DAY),
        "schedule": crontab(hour=2, minute=30),
    },
    # Chains the access-log rows the requests appended (privacy/sequencer.py), moments after they were written.
    # Straight from beat, like the relay: it acts on whatever waits, so a lost or repeated run costs nothing,
    # and an outbox row every few seconds would only add writes.
    "privacy.chain_access_log": {
        "task": "privacy.chain_access_log",
        "schedule": max(WIJKTEAM_ACCESS_LOG_CHAIN_SECONDS, 1.0),
        "options": {"expires": max(WIJKTEAM_ACCESS_LOG_CHAIN_SECONDS, 1.0)},
    },
    # A rewrite of the access log by a database superuser shows against the next seal.
    "privacy.seal_access_log": {
        "task": "privacy.tasks.seal_access_log_task",
        "schedule": WIJKTEAM_LOG_SEAL_MINUTES * 60.0,
        "options": {"expires": WIJKTEAM_LOG_SEAL_MINUTES * 60},
    },
    # The funding audit reads a summary; new allocations and blockage steps show within ten minutes
    # (a spend import refreshes it at once).
    # Keyed per five minutes, so the ten-minute runs never share a key but a doubled beat does.
    "funding.refresh_flow_summary": {
        **through_the_outbox("funding.refresh_flow_summary", every=300),
        "schedule": 600.0,
    },
    "funding.detect_blockages": {
        **through_the_outbox("funding.detect_blockages", every=DAY),
        "schedule": crontab(hour=1, minute=15),
    },
    # Before the working day: the reminders page shows what needs attention today.
    "cases.refresh_reminders": {
        **through_the_outbox("cases.refresh_reminders", every=DAY),
        "schedule": crontab(hour=5, minute=30),
    },
    # After the reminders: the digest tells of the morning's new ones too.
    "notifications.send_digests": {
        **through_the_outbox("notifications.send_digests", every=DAY),
        "schedule": crontab(hour=6, minute=30),
    },
    # Incremental every quarter of an hour; a full one nightly also catches what no history records
    # (an organisation's silos, a goal's status).
    "monitoring.refresh_summaries": {
        "task": "monitoring.refresh_summaries",
        "schedule": crontab(minute="*/15"),
        "options": {"expires": 15 * 60},
    },
    # Files past their expiry are gone within a quarter of an hour.
    "exports.expire": {"task": "exports.expire", "schedule": crontab(minute="*/15"), "options": {"expires": 15 * 60}},
    "monitoring.refresh_summaries_full": {
        "task": "monitoring.refresh_summaries",
        "schedule": crontab(hour=4, minute=0),
        "kwargs": {"full": True},
    },
}

# --- Logging --------------------------------------------------------------------

# One line per record on stderr, tagged with the request id, personal data
# redacted (common/logs.py). LOG_FORMAT=json for machines (the default in
# production), plain for people (the default elsewhere).

LOG_FORMAT = os.environ.get("LOG_FORMAT", "plain")
LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO")
LOGGING = logging_config(log_format=LOG_FORMAT, level=LOG_LEVEL)
# django-axes announces itself at INFO on every start; its warnings about failed logins stay.
LOGGING.setdefault("loggers", {})["axes.apps"] = {"level": "WARNING"}

# --- Uploads --------------------------------------------------------------------

# The largest upload (a spend file: a million rows are about 40 MB). The first handler stops reading a larger
# or plainly binary file as soon as it begins, before the body is read (funding/uploads.py); the CSRF check
# and the API parser both go through it.
WIJKTEAM_UPLOAD_MAX_BYTES = int(os.environ.get("WIJKTEAM_UPLOAD_MAX_BYTES", str(200 * 1024 * 1024)))
FILE_UPLOAD_HANDLERS = [
    "funding.uploads.UploadLimitHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
# A document on a case (cases/documents.py): the largest file, and the virus scanner (clamd) when there is one:
# a Unix socket, or a host and port. Without either, documents are not scanned.
WIJKTEAM_DOCUMENT_MAX_BYTES = int(os.environ.get("WIJKTEAM_DOCUMENT_MAX_BYTES", str(10 * 1024 * 1024)))
WIJKTEAM_CLAMD_SOCKET = os.environ.get("WIJKTEAM_CLAMD_SOCKET", "")
WIJKTEAM_CLAMD_HOST = os.environ.get("WIJKTEAM_CLAMD_HOST", "")
WIJKTEAM_CLAMD_PORT = int(os.environ.get("WIJKTEAM_CLAMD_PORT", "3310"))
WIJKTEAM_CLAMD_TIMEOUT = float(os.environ.get("WIJKTEAM_CLAMD_TIMEOUT", "10"))
# Bodies without files (forms, JSON) stay within Django's own limit.
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

# --- Wijkteam -------------------------------------------------------------------

# Aggregates shown to the programme bureau and auditors never show fewer
# households than this (domain brief: "fewer than 5 households is shown as <5").
WIJKTEAM_SUPPRESSION_THRESHOLD = int(os.environ.get("WIJKTEAM_SUPPRESSION_THRESHOLD", "5"))
# The secret behind each household's record key in the cell-key method (privacy/suppression.py,
# docs/suppression.md). Set it once per installation and never change it: new keys give every
# figure new noise, and two versions of one figure can be averaged. Changing the threshold or
# this seed needs a full summary refresh.
WIJKTEAM_CELL_KEY_SEED = int(os.environ.get("WIJKTEAM_CELL_KEY_SEED", "0")) or int.from_bytes(
    hashlib.sha256(b"wijkteam-cell-key:" + SECRET_KEY.encode()).digest()[:7], "big"
)
# An incremental summary refresh reads changes this far before the last watermark (late commits).
WIJKTEAM_SUMMARY_OVERLAP_SECONDS = int(os.environ.get("WIJKTEAM_SUMMARY_OVERLAP_SECONDS", "600"))
# Database connections a full summary refresh computes on at once (monitoring/shared_snapshot.py); 1: one.
WIJKTEAM_SUMMARY_CONNECTIONS = int(os.environ.get("WIJKTEAM_SUMMARY_CONNECTIONS", "2"))

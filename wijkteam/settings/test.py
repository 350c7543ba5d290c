"""Settings for pytest: fast hashing, eager Celery, quiet logs."""

import os

from common.logs import logging_config

from .base import *  # noqa: F403
from .base import APP_CONNECTION_OPTIONS, BASE_DIR, LOG_FORMAT, WIJKTEAM_DATABASE_APP_ROLE, WIJKTEAM_DATABASE_OWNER

DEBUG = False
# Argon2 is deliberately slow; tests create many users.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Quiet by default; the worker that the job tests start asks for INFO to follow its tasks.
LOGGING = logging_config(log_format=LOG_FORMAT, level=os.environ.get("LOG_LEVEL", "WARNING"))
# The test database is created and migrated by the owner role, as `make migrate`
# does (tests/conftest.py). The tests' connections log in as the owner and take
# the application role at once, so every statement the code under test runs is
# checked against the application role's privileges; the runner's flush between
# transactional tests and the seed tests (marker `database_owner`) step back to
# the owner for what only the owner may do. tests/security/ attacks the access
# log over a connection that logs in as the application role itself.
DATABASES["default"].update(  # noqa: F405
    {key: WIJKTEAM_DATABASE_OWNER[key] for key in ("USER", "PASSWORD", "HOST", "PORT") if WIJKTEAM_DATABASE_OWNER[key]}
)
if WIJKTEAM_DATABASE_OWNER["USER"] != WIJKTEAM_DATABASE_APP_ROLE:
    DATABASES["default"]["OPTIONS"] = {  # noqa: F405
        **DATABASES["default"].get("OPTIONS", {}),  # noqa: F405
        "options": f"{APP_CONNECTION_OPTIONS} -c role={WIJKTEAM_DATABASE_APP_ROLE}",
    }

# A generated key; no seal directory, so the test database's own life (flushes) meets no seals:
# the tests that seal give each its own directory.
WIJKTEAM_LOG_SEAL_KEY = ""
WIJKTEAM_LOG_SEAL_KEY_FILE = str(BASE_DIR / ".data" / "access-log-seal-test.key")
WIJKTEAM_LOG_SEAL_GENERATE_KEY = True
WIJKTEAM_LOG_SEAL_DIR = ""
# The sequencer runs where a test calls it (privacy.sequencer.chain_access_log), not after whichever commit
# comes first: tests/privacy/test_access_log_sequencer.py switches the opportunistic run on itself.
WIJKTEAM_ACCESS_LOG_CHAIN_OPPORTUNISTIC = False

# Mails stay in django.core.mail.outbox (pytest-django sets this too; said here for manage.py under test settings).
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

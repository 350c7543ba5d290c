"""Settings for pytest: fast hashing, eager Celery, quiet logs."""

from .base import *  # noqa: F403
from .base import LOGGING

DEBUG = False
# Argon2 is deliberately slow; tests create many users.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
LOGGING["root"]["level"] = "WARNING"  # type: ignore[index]

# The access log refuses TRUNCATE unless the session allows it; the test
# runner flushes every table between transactional tests.
DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c wijkteam.allow_log_truncate=on"  # noqa: F405

"""Settings for pytest: fast hashing, eager Celery, quiet logs."""

import os

from wijkteam.logs import logging_config

from .base import *  # noqa: F403
from .base import LOG_FORMAT

DEBUG = False
# Argon2 is deliberately slow; tests create many users.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Quiet by default; the worker that the job tests start asks for INFO to follow its tasks.
LOGGING = logging_config(log_format=LOG_FORMAT, level=os.environ.get("LOG_LEVEL", "WARNING"))
# The access log refuses TRUNCATE unless the session allows it; the test
# runner flushes every table between transactional tests.
DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c wijkteam.allow_log_truncate=on"  # noqa: F405

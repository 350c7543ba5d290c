"""Settings for pytest: fast hashing, eager Celery, quiet logs."""

from .base import *  # noqa: F403
from .base import LOGGING

DEBUG = False
# Argon2 is deliberately slow; tests create many users.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
LOGGING["root"]["level"] = "WARNING"  # type: ignore[index]

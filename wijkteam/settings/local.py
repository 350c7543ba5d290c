"""Development settings: `make run` and manage.py on a developer machine."""

from wijkteam.embedded_db import PGDATA

from .base import *  # noqa: F403
from .base import BASE_DIR, WIJKTEAM_LOG_SEAL_DIR, WIJKTEAM_LOG_SEAL_KEY_FILE, env_bool

DEBUG = env_bool("DJANGO_DEBUG", True)

# A key made on first use and the seals next to the embedded database, unless the environment says otherwise.
# The seals belong to one database's log: another data directory (WIJKTEAM_PGDATA) has seals of its own,
# or its fresh log would not match the seals of the other and every seal would be refused.
WIJKTEAM_LOG_SEAL_KEY_FILE = WIJKTEAM_LOG_SEAL_KEY_FILE or str(BASE_DIR / ".data" / "access-log-seal.key")
WIJKTEAM_LOG_SEAL_GENERATE_KEY = True
WIJKTEAM_LOG_SEAL_DIR = WIJKTEAM_LOG_SEAL_DIR or str(PGDATA.with_name(f"{PGDATA.name}-access-log-seals"))

# The notification digest is printed, not sent, on a developer machine.
EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"

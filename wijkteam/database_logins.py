"""Connection keywords for the database's two logins, the owner and the application role.

Settings describe both (``WIJKTEAM_DATABASE_OWNER``, ``WIJKTEAM_DATABASE_APP``);
the backup commands hand the owner's to pg_dump and pg_restore, the security
tests open a connection as the application role itself.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import connection


def libpq_keywords(login: dict[str, Any], *, database: str | None = None) -> dict[str, str]:
    """libpq keywords for ``login`` on ``database`` (the default connection's database when not given).

    The default connection's database follows the test runner's rename to
    ``test_…``; reaching it first also starts the embedded server.
    """
    if database is None:
        connection.ensure_connection()
        database = str(connection.settings_dict["NAME"])
    keywords = {
        "dbname": database,
        "user": login["USER"],
        "password": login["PASSWORD"],
        "host": str(login["HOST"] or ""),
        "port": str(login["PORT"] or ""),
    }
    return {key: value for key, value in keywords.items() if value}


def owner_keywords(database: str | None = None) -> dict[str, str]:
    return libpq_keywords(settings.WIJKTEAM_DATABASE_OWNER, database=database)


def app_keywords(database: str | None = None) -> dict[str, str]:
    return libpq_keywords(settings.WIJKTEAM_DATABASE_APP, database=database)

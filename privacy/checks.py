"""System checks for what protects the access log outside the code: separate database roles."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Tags, Warning, register


@register(Tags.security, deploy=True)
def check_separate_database_roles(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """With one database role the web process owns the access log, and can erase or rewrite it."""
    if settings.WIJKTEAM_DATABASE_OWNER["USER"] != settings.WIJKTEAM_DATABASE_APP_ROLE:
        return []
    return [
        Warning(
            "The application connects to the database as the owner of its tables: "
            "it can empty or rewrite the access log.",
            hint="Set DATABASE_OWNER_URL to the owner role and DATABASE_URL to the application role (README).",
            id="privacy.W001",
        )
    ]

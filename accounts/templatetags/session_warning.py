"""The warning before the idle logout, on every page of a logged-in user (static/js/session.js)."""

from typing import Any

from django import template
from django.conf import settings

from ..sessions import ACTIVITY_RESOLUTION_SECONDS

register = template.Library()

WARNING_SECONDS = 120


@register.inclusion_tag("accounts/_session_warning.html", takes_context=True)
def session_warning(context: template.Context) -> dict[str, Any]:
    user = context.get("user")
    return {
        "show": bool(user is not None and user.is_authenticated),
        # The server records activity at most once a minute, so the page counts from a minute earlier.
        "warn_after": max(settings.WIJKTEAM_SESSION_IDLE_SECONDS - WARNING_SECONDS - ACTIVITY_RESOLUTION_SECONDS, 0),
        "idle": settings.WIJKTEAM_SESSION_IDLE_SECONDS - ACTIVITY_RESOLUTION_SECONDS,
    }

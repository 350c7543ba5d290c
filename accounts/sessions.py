"""Session clocks: when the login happened and when the last request came.

Times are Unix seconds (JSON-serialisable, and what time-machine freezes in tests).
"""

import time

from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase

LOGIN_AT = "wijkteam_login_at"
LAST_SEEN = "wijkteam_last_seen"
# Activity is written at most this often, so that a page with many htmx requests
# does not write its session on every one. The idle timeout therefore ends a
# session up to this much early, never late.
ACTIVITY_RESOLUTION_SECONDS = 60


def session_start(session: SessionBase, *, now: float | None = None) -> None:
    """Start both clocks; call right after django.contrib.auth.login."""
    moment = time.time() if now is None else now
    session[LOGIN_AT] = moment
    session[LAST_SEEN] = moment


def session_expired(session: SessionBase, *, now: float) -> bool:
    """True when the session was idle too long, is too old, or never had its clocks started."""
    login_at = session.get(LOGIN_AT)
    last_seen = session.get(LAST_SEEN)
    if not isinstance(login_at, int | float) or not isinstance(last_seen, int | float):
        # Fail closed: a session without clocks (made before this code ran, or by
        # a login path that forgot session_start) has no known age.
        return True
    return (
        now - last_seen >= settings.WIJKTEAM_SESSION_IDLE_SECONDS
        or now - login_at >= settings.WIJKTEAM_SESSION_ABSOLUTE_SECONDS
    )


def session_touch(session: SessionBase, *, now: float) -> None:
    """Record activity (at most once per ACTIVITY_RESOLUTION_SECONDS)."""
    if now - session.get(LAST_SEEN, 0) >= ACTIVITY_RESOLUTION_SECONDS:
        session[LAST_SEEN] = now

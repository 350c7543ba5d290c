"""Session clocks: when the login happened and when the last request came.

Times are Unix seconds (JSON-serialisable, and what time-machine freezes in tests).
"""

import time
from typing import Any

from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.http import HttpRequest, HttpResponse

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


# A form posted after its session ended: kept in the new, anonymous session until its writer logs in again.
PENDING_POST = "wijkteam_pending_post"
PENDING_POST_SECONDS = 30 * 60
PENDING_POST_MAX_CHARACTERS = 100_000


def pending_post(request: HttpRequest, *, now: float) -> dict[str, Any] | None:
    """What a POST to an ended session carried (its fields, not its files or token), for after the login."""
    if request.method != "POST" or request.user.pk is None or not _same_site_post(request):
        return None
    fields = [
        [name, value] for name, values in request.POST.lists() if name != "csrfmiddlewaretoken" for value in values
    ]
    if not fields or sum(len(value) for _, value in fields) > PENDING_POST_MAX_CHARACTERS:
        return None
    return {"user": request.user.pk, "path": request.path, "fields": fields, "files": bool(request.FILES), "at": now}


def pending_post_take(session: SessionBase, *, user_id: int, now: float) -> dict[str, Any] | None:
    """The kept form, once, for the user who sent it and within PENDING_POST_SECONDS; otherwise nothing."""
    pending = session.pop(PENDING_POST, None)
    if not isinstance(pending, dict) or pending.get("user") != user_id:
        return None
    if now - float(pending.get("at", 0)) > PENDING_POST_SECONDS:
        return None
    return pending


def session_keep_alive(session: SessionBase, *, now: float) -> None:
    """The user asked to stay logged in: record activity now, whatever the resolution."""
    session[LAST_SEEN] = now


def _same_site_post(request: HttpRequest) -> bool:
    """Only a form of our own is kept: its CSRF token is valid (a forged cross-site POST never waits for a
    login) and its path is one of ours (never ``//elsewhere``)."""
    from django.middleware.csrf import CsrfViewMiddleware

    if not request.path.startswith("/") or request.path.startswith("//"):
        return False
    check = CsrfViewMiddleware(_no_view)
    return check.process_view(request, _no_view, (), {}) is None


def _no_view(request: HttpRequest) -> HttpResponse:
    return HttpResponse(status=204)

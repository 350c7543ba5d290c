"""The door to one object of personal data: policy first, then the log, then 404 or the object."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.db import models
from django.http import Http404, HttpRequest

from . import access_log, policy

M = TypeVar("M", bound=models.Model)


def record_refused(request: HttpRequest, *, action: str = access_log.Action.READ, detail: str = "") -> None:
    """A refused attempt at a screen of personal data that names no object (a list, a search)."""
    access_log.record(
        user=request.user, action=action, outcome=access_log.Outcome.REFUSED, request=request, detail=detail
    )


def get_visible_or_404(
    queryset: models.QuerySet[M],
    request: HttpRequest,
    *,
    action: str = access_log.Action.READ,
    detail: str = "",
    scope: Callable[[models.QuerySet[M]], models.QuerySet[M]] | None = None,
    log_read: bool = True,
    **lookup: Any,
) -> M:
    """Fetch one object the user may see, and log the access; an unseen object is a logged 404.

    ``log_read=False`` leaves the allowed access to the caller, for a page that
    logs the object together with what else it shows in one INSERT.

    A refused attempt is logged with the household, person or case it aimed at
    (found without the policy, and never shown to the user), so the privacy
    officer can answer "who tried to open this household".

    ``scope`` replaces ``visible_to(user)`` where a model has a second, narrower
    policy door (the pseudonymous funding register); it must come from the policy.
    """
    visible = scope(queryset) if scope else policy.visible(queryset, request.user)
    obj = visible.filter(**lookup).first()
    if obj is None:
        # The caller's queryset without the policy: its joins name the case behind a goal or a blockage.
        target = queryset.filter(**lookup).first()
        access_log.record(
            user=request.user,
            action=action,
            subject=access_log.subject_for(target),
            outcome=access_log.Outcome.REFUSED,
            request=request,
            detail=detail,
        )
        raise Http404
    if log_read:
        access_log.record(
            user=request.user,
            action=action,
            subject=access_log.subject_for(obj),
            request=request,
            detail=detail,
        )
    return obj

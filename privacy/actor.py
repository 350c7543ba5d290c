"""Who is acting: set once per service call, read by the write history.

Services are decorated with :func:`service`: one transaction, and the ``by``
argument remembered for the duration, so the history of every row the service
saves names the person who did it — also from the API or a background task,
where no request user exists.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, ParamSpec, TypeVar

from django.db import transaction
from django.http import HttpRequest

P = ParamSpec("P")
R = TypeVar("R")

_actor: ContextVar[Any] = ContextVar("wijkteam_actor", default=None)


@contextmanager
def acting_as(user: Any) -> Iterator[None]:
    token = _actor.set(user)
    try:
        yield
    finally:
        _actor.reset(token)


def current_actor() -> Any:
    return _actor.get()


def service(func: Callable[P, R]) -> Callable[P, R]:
    """A write service: one transaction, with its ``by`` user as the actor of every change."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with acting_as(kwargs.get("by")), transaction.atomic():
            return func(*args, **kwargs)

    return wrapper


def history_user(instance: Any = None, request: HttpRequest | None = None, **kwargs: Any) -> Any:
    """django-simple-history's user getter: the service's actor, else the request's user."""
    actor = current_actor()
    if actor is not None:
        return actor
    user = getattr(request, "user", None)
    return user if user is not None and user.is_authenticated else None

"""What a request that goes wrong answers: JSON under ``/api/``, a page on the screens, never a stack trace.

- A NUL byte in the path, a query parameter or a posted form field is refused with a 400
  before any view runs (``RejectNulMiddleware``): PostgreSQL cannot store it in
  text, so psycopg raises on it wherever it reaches a query, which was a 500.
- An unhandled exception under ``/api/`` answers 500 JSON
  (``ErrorResponseMiddleware``), wherever it was raised: in a view, in DRF, or
  in a middleware before the view (a session read).
- A database that cannot be reached (``OperationalError``/``InterfaceError``)
  answers 503 with ``Retry-After``: JSON under ``/api/``, a short Dutch page on
  the screens. The page is rendered without the request's context, because
  that context (the user, the messages) needs the database.

The DRF exception handler (``common/api/base.py``) answers the API's own
exceptions; what it does not know it leaves to Django, and the middleware here
turns Django's 500 into JSON. Django sends ``got_request_exception`` with the
exception still being handled, which is how the middleware learns what it was.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable
from typing import Any

from django.core.signals import got_request_exception
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from common.http import DATABASE_UNREACHABLE, RETRY_AFTER_SECONDS, bad_request, is_api

__all__ = ["DATABASE_UNREACHABLE", "RETRY_AFTER_SECONDS", "bad_request", "is_api"]

_EXCEPTION_ATTRIBUTE = "_wijkteam_unhandled_exception"


def unavailable_json() -> JsonResponse:
    response = JsonResponse({"detail": _("The service is temporarily unavailable. Try again in a moment.")}, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def unavailable_page() -> HttpResponse:
    response = HttpResponse(render_to_string("errors/503.html"), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


@receiver(got_request_exception, dispatch_uid="wijkteam.errors.remember_exception")
def remember_exception(sender: Any, request: HttpRequest | None = None, **kwargs: Any) -> None:
    """Django is handling an uncaught exception of this request: keep it for the middleware below."""
    if request is not None:
        setattr(request, _EXCEPTION_ATTRIBUTE, sys.exc_info()[1])


class ErrorResponseMiddleware:
    """Every error of the API is JSON; a database out of reach is a 503 everywhere.

    It sits just inside the security middleware, outside everything that may
    touch the database (sessions, authentication, the account guards).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code < 500:
            return response
        exception = getattr(request, _EXCEPTION_ATTRIBUTE, None)
        if isinstance(exception, DATABASE_UNREACHABLE):
            return unavailable_json() if is_api(request) else unavailable_page()
        if is_api(request) and not response.get("Content-Type", "").startswith("application/json"):
            return JsonResponse({"detail": _("Something went wrong on our side.")}, status=response.status_code)
        return response


def _has_nul(values: Iterable[tuple[str, list[str]]]) -> bool:
    return any("\x00" in key or any("\x00" in value for value in items) for key, items in values)


class RejectNulMiddleware:
    """A NUL byte in the path, a query parameter or a form field is a 400, on the screens and the API alike.

    Multipart bodies are left to the forms (each CharField refuses a NUL):
    reading them here would parse an upload before its view could set its
    own upload limits.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if (
            "\x00" in request.path_info
            or _has_nul(request.GET.lists())
            or (request.content_type == "application/x-www-form-urlencoded" and _has_nul(request.POST.lists()))
        ):
            return bad_request(request, _("The request contains a character that is not allowed (NUL)."))
        return self.get_response(request)

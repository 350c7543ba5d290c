"""What every view shares about the request and the shape of a refusal, below every app."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django_htmx.middleware import HtmxDetails

if TYPE_CHECKING:
    from organisations.models import User

DATABASE_UNREACHABLE = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 30
API_PREFIX = "/api/"


class AuthenticatedHttpRequest(HttpRequest):
    """The request type of views behind login_required: ``user`` is a real user.

    ``htmx`` is set on every request by django_htmx's middleware.
    """

    user: User
    htmx: HtmxDetails


def is_api(request: HttpRequest) -> bool:
    return request.path_info.startswith(API_PREFIX)


def bad_request(request: HttpRequest, detail: str) -> HttpResponse:
    if is_api(request):
        return JsonResponse({"detail": detail}, status=400)
    return HttpResponse(render_to_string("errors/400.html", {"detail": detail}), status=400)

"""Project-wide middleware."""

from collections.abc import Callable
from typing import Any

from django.core.signals import request_finished
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse

from common.logs import new_request_id, request_id, sane_request_id, trace_context, trace_for_request

REQUEST_ID_HEADER = "X-Request-ID"


class RequestIdMiddleware:
    """Give every request an id: the caller's X-Request-ID when it is a sane token, else a new one.

    The id goes into the logging context, onto the request as ``request.id``
    and back in the response header, so a user's report, the proxy's log, the
    application's log and the background tasks the request enqueued can be
    tied together.

    The context is not reset when the middleware returns: Django logs 4xx and
    5xx responses after the middleware chain, and gunicorn writes its access
    line after that. It is cleared when the response is closed
    (``request_finished``), the last thing that happens to a request.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        rid = sane_request_id(request.headers.get(REQUEST_ID_HEADER)) or new_request_id()
        request.id = rid  # type: ignore[attr-defined]
        request_id.set(rid)
        # The trace (Logboek Dataverwerkingen) travels with the request id into the access log and tasks.
        trace = trace_for_request(traceparent=request.headers.get("traceparent"), rid=rid)
        request.trace = trace  # type: ignore[attr-defined]
        trace_context.set(trace)
        response = self.get_response(request)
        response[REQUEST_ID_HEADER] = rid
        return response


@receiver(request_finished, dispatch_uid="wijkteam.forget_request_id")
def forget_request_id(**kwargs: Any) -> None:
    request_id.set("")
    trace_context.set(None)

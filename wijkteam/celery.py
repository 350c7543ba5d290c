"""The Celery application. Tasks live in each app's tasks.py; the outbox and the
idempotent task base class live in ``jobs``."""

import os
from contextvars import Token
from typing import Any

from celery import Celery, signals

from common.logs import TraceContext, new_span_id, parse_traceparent, request_id, trace_context

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wijkteam.settings.local")

app = Celery("wijkteam")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@signals.setup_logging.connect
def keep_django_logging(**kwargs: Any) -> None:
    """Leave logging to Django's LOGGING, so worker and beat lines look like the web's (JSON, redacted)."""


_request_id_tokens: dict[str, Token[str]] = {}
_trace_tokens: dict[str, Token[TraceContext | None]] = {}


@signals.task_prerun.connect
def adopt_request_id(task_id: str, task: Any, **kwargs: Any) -> None:
    """Log a task's lines under the id of the web request that enqueued it (the outbox sends it as a header)."""
    headers = getattr(task.request, "headers", None) or {}
    rid = headers.get("request_id") or getattr(task.request, "request_id", None)
    if rid:
        _request_id_tokens[task_id] = request_id.set(str(rid))
    # The enqueuing request's trace continues in the task, as an operation of its own.
    caller = parse_traceparent(headers.get("traceparent") or getattr(task.request, "traceparent", None))
    if caller is not None:
        _trace_tokens[task_id] = trace_context.set(TraceContext(trace_id=caller.trace_id, span_id=new_span_id()))


@signals.task_postrun.connect
def drop_request_id(task_id: str, **kwargs: Any) -> None:
    token = _request_id_tokens.pop(task_id, None)
    if token is not None:
        request_id.reset(token)
    trace_token = _trace_tokens.pop(task_id, None)
    if trace_token is not None:
        trace_context.reset(trace_token)


@signals.worker_ready.connect
def relay_outbox_on_start(sender: Any, **kwargs: Any) -> None:
    """A worker that starts after the broker was down publishes what waited meanwhile, without waiting for beat."""
    sender.app.send_task("jobs.relay_outbox")

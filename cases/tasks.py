"""Background work for casework. Tasks are thin: they call a service that is safe to repeat."""

from __future__ import annotations

from celery import shared_task

from jobs.idempotency import TRANSIENT_DB_ERRORS

from . import reminders


@shared_task(
    name="cases.refresh_reminders",
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=TRANSIENT_DB_ERRORS,
    retry_backoff=True,
    max_retries=5,
)
def refresh_reminders() -> dict[str, int]:
    """Daily: signal new causes, resolve the ones that went away. Idempotent by itself."""
    result = reminders.reminders_refresh()
    return {"created": result.created, "resolved": result.resolved}

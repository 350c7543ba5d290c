"""Background work for casework. Tasks are thin: they call a service; beat queues them through the outbox."""

from __future__ import annotations

import logging

from jobs.idempotency import idempotent_task

from . import reminders

logger = logging.getLogger(__name__)


@idempotent_task(name="cases.refresh_reminders")
def refresh_reminders() -> None:
    """Daily: signal new causes, resolve the ones that went away (idempotent by itself, and once per message)."""
    result = reminders.reminders_refresh()
    logger.info("Reminders: %s signalled, %s resolved", result.created, result.resolved)

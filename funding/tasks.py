"""Background work for funding. Tasks are thin: they take ids and call a service.

A plain ``shared_task`` with ``acks_late``: a worker that dies mid-import leaves
the message on the queue and the next worker runs it again. That is safe
because the import is idempotent by itself: a finished import is left alone,
a half-done one starts over (its staging table is dropped and refilled), and a
file whose content hash was already imported becomes a no-op.
"""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError

from jobs.idempotency import idempotent_task

from . import services, spend_import, summary


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3)
def import_spend(import_id: int) -> str:
    return spend_import.spend_import_run(import_id).status


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3)
def refresh_flow_summary(municipality_id: int | None = None) -> int:
    """Rebuild the audit's summary for one municipality (or all); safe to repeat: it replaces, never adds."""
    if municipality_id is None:
        return summary.flow_cells_refresh_all()
    return summary.flow_cells_refresh(municipality_id=municipality_id)


@idempotent_task(name="funding.detect_blockages")
def detect_blockages() -> None:
    """Daily re-detection over every running action (Celery beat): rules, budgets, birth dates and addresses
    change, so a fitting action can become blocked. Through ``idempotent_task``: a redelivered message does
    nothing, and a second run finds nothing new (one detected blockage per action and reason)."""
    services.blockages_redetect()

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


@shared_task(
    name="funding.detect_blockages",
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=3,
)
def detect_blockages() -> int:
    """Nightly sweep over every action: budgets run out and rules change, so a fitting action can become blocked.

    Detection is idempotent (an action with an open blockage for a reason gets no second one).
    """
    return services.blockages_detect_all()

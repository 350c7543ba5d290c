"""Background work for funding. Tasks are thin: they take ids and call a service.

Services ask for them by name through the outbox (``jobs.services.enqueue``), in
their own transaction; beat through ``jobs.enqueue_periodic``. Each takes effect
once per idempotency key (``jobs/idempotency.py``).
"""

from __future__ import annotations

from celery import shared_task

from jobs.idempotency import IdempotentTask, idempotent_task

from . import services, spend_import, summary


@shared_task(base=IdempotentTask, bind=True, name="funding.import_spend")
def import_spend(self: IdempotentTask, *, import_id: int) -> None:
    """Run one spend import.

    Reading, staging and checking commit as they go (a polling screen shows the
    progress; a half-done import starts over when its message is delivered
    again). The one write that matters, the spend rows with the import's status,
    commits in ``run_once`` together with the execution record, so a redelivered
    message never imports twice.
    """
    spend_import.spend_import_run(import_id, commit=lambda insert: self.run_once(insert, {}))


@idempotent_task(name="funding.refresh_flow_summary")
def refresh_flow_summary(*, municipality_id: int | None = None) -> None:
    """Rebuild the audit's summary for one municipality (after a spend import) or all (beat)."""
    if municipality_id is None:
        summary.flow_cells_refresh_all()
    else:
        summary.flow_cells_refresh(municipality_id=municipality_id)


@idempotent_task(name="funding.detect_blockages")
def detect_blockages() -> None:
    """Daily re-detection over every running action (Celery beat): rules, budgets, birth dates and addresses
    change, so a fitting action can become blocked. Through ``idempotent_task``: a redelivered message does
    nothing, and a second run finds nothing new (one detected blockage per action and reason)."""
    services.blockages_redetect()

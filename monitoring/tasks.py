"""Background refresh of the summary tables (beat runs it; the bureau can ask for one)."""

from __future__ import annotations

from jobs.idempotency import idempotent_task

from .services import summaries_refresh


# Idempotent by nature (a refresh recomputes whole buurten); the base class adds late
# acknowledgement and retries on transient database errors.
@idempotent_task(name="monitoring.refresh_summaries")
def refresh_summaries(*, full: bool = False) -> None:
    summaries_refresh(full=full)

"""Background refresh of the summary tables (beat runs it; the bureau can ask for one)."""

from __future__ import annotations

from django.db import connection

from jobs.idempotency import idempotent_task

from .services import summaries_refresh


# Idempotent by nature (a refresh recomputes whole buurten); the base class adds late
# acknowledgement and retries on transient database errors.
@idempotent_task(name="monitoring.refresh_summaries")
def refresh_summaries(*, full: bool = False) -> None:
    # The worker's own transaction holds only the task's claim (jobs), which no summary reads. Run eagerly
    # inside another transaction (a test's), that transaction may hold rows a second connection cannot see.
    summaries_refresh(full=full, wrote_only_bookkeeping=len(connection.atomic_blocks) == 1)

"""The jobs app's own tasks: the outbox relay, beat's way into the outbox, pruning, and the probe job."""

import datetime
import logging
from typing import Any

from celery import current_task, shared_task
from django.conf import settings

from .idempotency import TRANSIENT_DB_ERRORS, idempotent_task
from .services import jobs_prune, outbox_relay, periodic_enqueue, probe_run

logger = logging.getLogger(__name__)


# The relay and pruning are idempotent by nature (they act on whatever is
# pending or old at the time), so they need no execution record.
@shared_task(
    name="jobs.relay_outbox",
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=True,
    autoretry_for=TRANSIENT_DB_ERRORS,
    retry_backoff=True,
    max_retries=3,
)
def relay_outbox() -> None:
    """Publish outbox messages that could not be published after their commit (beat, worker start-up)."""
    result = outbox_relay()
    if result.published or result.failed:
        logger.info(
            "Outbox relay published %s message(s)%s", result.published, "; broker failed" if result.failed else ""
        )


@shared_task(
    name="jobs.enqueue_periodic",
    acks_late=True,
    ignore_result=True,
    autoretry_for=TRANSIENT_DB_ERRORS,
    retry_backoff=True,
    max_retries=3,
)
def enqueue_periodic(*, task_name: str, every: int, kwargs: dict[str, Any] | None = None) -> None:
    """Beat's periodic work enters the outbox here, by task name, once per period (``periodic_enqueue``)."""
    periodic_enqueue(task_name=task_name, every=every, kwargs=kwargs)


@shared_task(
    name="jobs.prune",
    acks_late=True,
    ignore_result=True,
    autoretry_for=TRANSIENT_DB_ERRORS,
    retry_backoff=True,
    max_retries=3,
)
def prune() -> None:
    """Delete published outbox messages and execution records past WIJKTEAM_JOBS_KEEP_DAYS."""
    messages, executions = jobs_prune(older_than=datetime.timedelta(days=settings.WIJKTEAM_JOBS_KEEP_DAYS))
    logger.info("Pruned %s outbox message(s) and %s execution record(s)", messages, executions)


@idempotent_task(name="jobs.run_probe")
def run_probe(*, probe_id: int) -> None:
    """Count one run of a test job (see jobs.models.Probe)."""
    probe_run(probe_id=probe_id, worker=str(current_task.request.hostname or ""))

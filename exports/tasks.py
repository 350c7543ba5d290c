"""Background work for exports. Thin: ids in, services do the work."""

from __future__ import annotations

import contextlib
import logging

from celery import shared_task

from jobs.idempotency import TRANSIENT_DB_ERRORS, IdempotentTask

from . import services
from .models import ExportFailure

logger = logging.getLogger(__name__)


@shared_task(base=IdempotentTask, bind=True, name="exports.build")
def build_export(self: IdempotentTask, *, job_id: int) -> None:
    """Build one export's file, exactly once however often the message is delivered.

    The running mark commits first (so the user sees it); the file, the done mark,
    the access-log rows and the execution record commit together in ``run_once``.
    A worker killed before that commit leaves the job running; the redelivery
    builds it again. An error that a retry cannot cure fails the job with a
    message for the user instead of leaving it running.
    """
    if not services.export_start(job_id=job_id):
        return
    try:
        self.run_once(services.export_build, {"job_id": job_id})
    except TRANSIENT_DB_ERRORS:
        # IdempotentTask retries these with back-off. After the last try the job says so, if the
        # database answers again; else the expiry sweep fails it later.
        if self.request.retries >= self.max_retries:
            with contextlib.suppress(*TRANSIENT_DB_ERRORS):
                services.export_fail(job_id=job_id, failure=ExportFailure.ERROR)
        raise
    except Exception:
        logger.exception("Export %s could not be built", job_id)
        services.export_fail(job_id=job_id, failure=ExportFailure.ERROR)


@shared_task(
    name="exports.expire", acks_late=True, ignore_result=True, autoretry_for=TRANSIENT_DB_ERRORS, max_retries=3
)
def expire_exports() -> None:
    """Remove files past their expiry (beat); repeating it does nothing more."""
    expired = services.exports_expire()
    if expired:
        logger.info("Removed the files of %s expired export(s)", expired)

"""Daily retention and the access log's seal. Thin: the work is in ``retention.py`` and ``seal.py``."""

from __future__ import annotations

import logging

from celery import shared_task

from jobs.idempotency import idempotent_task

from .retention import housekeeping_apply, retention_apply

logger = logging.getLogger(__name__)


@idempotent_task(name="privacy.apply_retention")
def apply_retention_task() -> None:
    """Anonymise what has expired (each batch with its access-log rows), then the rules for personal data
    outside the cases (sessions, login records, the admin log, released letters); once per message."""
    anonymised = len(retention_apply())
    removed = housekeeping_apply()
    logger.info("Retention: %s cases anonymised; %s", anonymised, removed)


@shared_task(acks_late=True, reject_on_worker_lost=True)
def seal_access_log_task() -> int:
    """Beat's periodic seal of the access log's head (privacy/seal.py); returns the sealed seq."""
    from .seal import seal_access_log

    return seal_access_log().head_seq

"""Daily retention: anonymise what has expired, in batches, logged as deletions by a task; then the rules for
personal data outside the cases (sessions, login records, the admin log, released letters)."""

from __future__ import annotations

import datetime
import logging

from celery import shared_task
from django.utils import timezone

from . import access_log
from .retention import cases_anonymise, expired_case_ids, housekeeping_apply

logger = logging.getLogger(__name__)

BATCH = 500


def apply_retention(*, on: datetime.date | None = None, dry_run: bool = False) -> list[int]:
    """The expired case ids; anonymised unless ``dry_run``. Safe to repeat: done cases are skipped."""
    case_ids = expired_case_ids(on=on or timezone.localdate())
    if dry_run:
        return case_ids
    for start in range(0, len(case_ids), BATCH):
        batch = case_ids[start : start + BATCH]
        cases_anonymise(case_ids=batch)
        access_log.record_many(
            user=None,
            action=access_log.Action.DELETE,
            subjects=[access_log.Subject(case_id=case_id, object_type="cases.case") for case_id in batch],
            channel=access_log.Channel.TASK,
            detail="retention: anonymised",
            on_behalf_of="retention",
        )
    return case_ids


@shared_task(acks_late=True, reject_on_worker_lost=True)
def apply_retention_task() -> int:
    anonymised = len(apply_retention())
    removed = housekeeping_apply()
    logger.info("Retention: %s cases anonymised; %s", anonymised, removed)
    return anonymised


@shared_task(acks_late=True, reject_on_worker_lost=True)
def seal_access_log_task() -> int:
    """Beat's periodic seal of the access log's head (privacy/seal.py); returns the sealed seq."""
    from .seal import seal_access_log

    return seal_access_log().head_seq


@shared_task(name="privacy.chain_access_log", acks_late=True, ignore_result=True)
def chain_access_log_task() -> int:
    """Beat's sequencer run: chain the access-log rows requests appended since (privacy/sequencer.py)."""
    from .sequencer import chain_access_log

    return chain_access_log()

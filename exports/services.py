"""Writes of the exports app: asking for an export, running it, failing it, expiring files."""

from __future__ import annotations

import datetime
import logging
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from jobs.services import enqueue
from organisations.models import User
from privacy import access_log

from . import workflow
from .kinds import KINDS, ExportInvalid, ExportRefused
from .models import ExportFailure, ExportJob, ExportStatus

logger = logging.getLogger(__name__)

BUILD_TASK = "exports.build"


def keep_for() -> datetime.timedelta:
    return datetime.timedelta(hours=settings.WIJKTEAM_EXPORT_KEEP_HOURS)


@transaction.atomic
def export_request(*, by: User, kind: str, fmt: str, parameters: Mapping[str, Any], language: str = "nl") -> ExportJob:
    """Record an export job and queue its task for after the commit.

    Only the kind's own form fields are kept from ``parameters`` (a POST's
    ``csrfmiddlewaretoken`` and anything else are dropped); they must pass the
    screen's form now, and are validated by it again when the file is built.
    """
    handler = KINDS.get(kind)
    if handler is None or not by.is_active or not handler.may_request(by):
        raise PermissionDenied
    if fmt not in handler.formats:
        raise ValidationError({"format": _("This export is not available in that format.")})
    kept = {name: parameters.get(name) for name in handler.fields if parameters.get(name) not in (None, "")}
    errors = handler.errors(by, kept)
    if errors:
        raise ValidationError(errors)
    job = ExportJob(
        requested_by=by,
        role=by.role,
        organisation_id=by.organisation_id,
        kind=kind,
        format=fmt,
        parameters=kept,
        language=(language or "nl")[:8],
        person_id=handler.person_id(by, kept),
    )
    job.full_clean()
    job.save()
    enqueue(BUILD_TASK, {"job_id": job.pk}, idempotency_key=f"{BUILD_TASK}:{job.uuid}")
    return job


@transaction.atomic
def export_start(*, job_id: int) -> bool:
    """Mark the job running, committed at once so "Mijn exports" shows it; False when there is nothing to run.

    A redelivered task finds its job still running (the earlier run died before
    its commit) and starts it again.
    """
    job = ExportJob.objects.select_for_update().defer("content").filter(pk=job_id).first()
    if job is None or job.status not in (ExportStatus.QUEUED, ExportStatus.RUNNING):
        return False
    workflow.check_transition(job.status, ExportStatus.RUNNING)
    job.status = ExportStatus.RUNNING
    job.started_at = timezone.now()
    job.save(update_fields=["status", "started_at"])
    return True


def export_build(*, job_id: int) -> None:
    """Build the file and store it; call inside the task's transaction (``IdempotentTask.run_once``).

    The access policy is asked again here, for the user as they are now, and the
    kind builds the file through the screen's own code path.
    """
    # Locked: the expiry sweep and a second delivery wait for this run to commit. Only the job's row
    # ("self"): the user row must stay free for logins while the file is built.
    job = ExportJob.objects.select_for_update(of=("self",)).select_related("requested_by").filter(pk=job_id).first()
    if job is None or job.status != ExportStatus.RUNNING:
        return
    handler = KINDS[job.kind]
    user = job.requested_by
    try:
        if not user.is_active or not handler.may_request(user):
            raise ExportRefused
        with translation.override(job.language):
            built = handler.build(job)
    except ExportRefused:
        _fail(job, ExportFailure.NO_ACCESS)
        if handler.personal_data:
            access_log.record(
                user=user,
                action=access_log.Action.EXPORT,
                subject=access_log.Subject(person_id=job.person_id, object_type="exports.exportjob"),
                outcome=access_log.Outcome.REFUSED,
                channel=access_log.Channel.TASK,
                detail="background export",
            )
        return
    except ExportInvalid:
        _fail(job, ExportFailure.INVALID)
        return
    workflow.check_transition(job.status, ExportStatus.DONE)
    now = timezone.now()
    job.status = ExportStatus.DONE
    job.content = built.content
    job.size = len(built.content)
    job.filename = built.filename
    job.content_type = built.content_type
    job.row_count = built.row_count
    job.finished_at = now
    job.expires_at = now + keep_for()
    job.full_clean()
    job.save()
    if built.subjects:
        access_log.record_many(
            user=user,
            action=access_log.Action.EXPORT,
            subjects=built.subjects,
            channel=access_log.Channel.TASK,
            detail="background export",
        )
    # The owner is told through the notifications' outbox task (committed with the file). By task name: the
    # engine imports no app above it; the key is the one ``notifications.services.notify`` uses.
    enqueue(
        "notifications.deliver",
        {"kind": "export_finished", "subject_id": job.pk},
        idempotency_key=f"notifications.deliver:export_finished:{job.pk}",
    )
    logger.info("Export %s done: %s rows, %s bytes", job.pk, job.row_count, job.size)


@transaction.atomic
def export_fail(*, job_id: int, failure: str) -> None:
    """Mark a queued or running job failed (the task met an error it cannot retry)."""
    job = ExportJob.objects.select_for_update().defer("content").filter(pk=job_id).first()
    if job is not None and job.status in (ExportStatus.QUEUED, ExportStatus.RUNNING):
        _fail(job, failure)


def _fail(job: ExportJob, failure: str) -> None:
    workflow.check_transition(job.status, ExportStatus.FAILED)
    job.status = ExportStatus.FAILED
    job.failure = failure
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "failure", "finished_at"])
    logger.info("Export %s failed: %s", job.pk, failure)


@transaction.atomic
def exports_expire(*, now: datetime.datetime | None = None) -> int:
    """Remove the files of finished jobs past their expiry and mark those jobs expired, in one statement.

    A job still queued or running a whole keeping period after it was asked for
    (its task gave up after its retries, or never came) is failed, so the user
    sees why and asks again instead of waiting.
    """
    moment = now or timezone.now()
    workflow.check_transition(ExportStatus.DONE, ExportStatus.EXPIRED)
    expired = ExportJob.objects.expired_by(moment).update(status=ExportStatus.EXPIRED, content=None)
    for status in (ExportStatus.QUEUED, ExportStatus.RUNNING):
        workflow.check_transition(status, ExportStatus.FAILED)
    ExportJob.objects.pending_since(moment - keep_for()).update(
        status=ExportStatus.FAILED, failure=ExportFailure.ERROR, finished_at=moment
    )
    return expired

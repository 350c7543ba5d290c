"""Writes of the jobs app: the outbox, the execution record, pruning, and the probe job."""

from __future__ import annotations

import datetime
import json
import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from celery import current_app as celery_app
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from common.logs import request_id, trace_context
from organisations.models import User

from . import broker
from .models import OutboxMessage, Probe, TaskExecution

logger = logging.getLogger(__name__)

DAY = 24 * 60 * 60


# --- The outbox ------------------------------------------------------------------


def enqueue(task_name: str, kwargs: Mapping[str, Any], *, idempotency_key: str) -> OutboxMessage:
    """Queue a task to run once the caller's transaction commits, at most once per idempotency key.

    The outbox row is written in the caller's transaction: if that rolls back,
    the task was never asked for; if it commits, the task will run even when
    the broker is down right now (the relay publishes it later). Enqueueing a
    key that is already there changes nothing and returns the existing row.

    ``kwargs`` hold ids and plain values, never personal data: they are stored,
    shown in the admin and sent through the broker. The key names one intended
    effect, e.g. ``f"cases.refresh_summary:case={case.pk}:v={case.version}"``.
    """
    if task_name not in celery_app.tasks:
        raise LookupError(f"No Celery task is registered as {task_name!r}")
    with transaction.atomic():
        message, created = OutboxMessage.objects.get_or_create(
            idempotency_key=idempotency_key,
            defaults={
                "task_name": task_name,
                "kwargs": dict(kwargs),
                "request_id": request_id.get(),
                "traceparent": trace.traceparent if (trace := trace_context.get()) else "",
            },
        )
    if message.task_name != task_name:
        raise ValueError(f"Idempotency key {idempotency_key!r} already names a {message.task_name!r} task")
    if created:
        # Eager mode runs the task inside this callback, so its errors must surface;
        # with a broker, a failure here only leaves the row for the relay.
        message_id = message.pk

        def publish_after_commit() -> None:
            if not broker.circuit.is_open:
                outbox_publish(message_id=message_id)

        transaction.on_commit(publish_after_commit, robust=not broker.is_eager())
    return message


def periodic_enqueue(
    *, task_name: str, every: int, kwargs: Mapping[str, Any] | None = None, now: datetime.datetime | None = None
) -> OutboxMessage:
    """Queue a periodic task through the outbox, once per period of ``every`` seconds (beat's way in).

    The key names the period (and the arguments), so a second beat process, or a
    beat message delivered twice, asks for the work once; the next period asks again.
    Pick ``every`` no longer than the schedule's interval.
    """
    arguments = dict(kwargs or {})
    moment = timezone.localtime(now)
    seconds = int(moment.timestamp())
    offset = moment.utcoffset()
    if every >= DAY and offset is not None:
        # Days by the local calendar: a daily run at 01:15 keeps one key per day across a DST change.
        seconds += int(offset.total_seconds())
    slot = seconds // every
    key = f"{task_name}:every={every}:slot={slot}"
    if arguments:
        key += f":{json.dumps(arguments, sort_keys=True, separators=(',', ':'))}"
    return enqueue(task_name, arguments, idempotency_key=key)


@transaction.atomic
def outbox_publish(*, message_id: int) -> bool:
    """Publish one pending message now. False when another relay holds it, it is done, or the broker failed."""
    message = OutboxMessage.objects.lockable_pending().filter(pk=message_id).first()
    if message is None:
        return False
    with broker.Publisher() as publisher:
        return _publish(message, publisher)


@dataclass
class RelayResult:
    published: int = 0
    failed: bool = False


def outbox_relay(*, batch_size: int = 100) -> RelayResult:
    """Publish every pending message, oldest first, in batches; stop at the first broker failure.

    Each batch is one transaction holding its rows (SKIP LOCKED), so relays
    running at the same time share the work instead of doubling it. A crash
    between publishing and committing publishes those rows again on the next
    run; the idempotent task at the other end makes that harmless.
    """
    result = RelayResult()
    while True:
        with transaction.atomic(), broker.Publisher() as publisher:
            batch = list(OutboxMessage.objects.next_to_publish(batch_size))
            for message in batch:
                if not _publish(message, publisher):
                    result.failed = True
                    return result
                result.published += 1
        if len(batch) < batch_size:
            if result.published:
                broker.circuit.reset()
            return result


def _publish(message: OutboxMessage, publisher: broker.Publisher) -> bool:
    now = timezone.now()
    message.attempts += 1
    message.last_attempt_at = now
    try:
        publisher.send(
            task_name=message.task_name,
            kwargs=message.kwargs,
            task_id=str(message.task_id),
            headers={
                "idempotency_key": message.idempotency_key,
                "request_id": message.request_id,
                "traceparent": message.traceparent,
            },
        )
    except publisher.errors as exc:
        broker.circuit.trip()
        message.last_error = f"{type(exc).__name__}: {exc}"[:2000]
        message.save(update_fields=["attempts", "last_attempt_at", "last_error"])
        logger.warning("Broker unreachable; outbox message %s stays pending (%s)", message.pk, type(exc).__name__)
        return False
    message.published_at = now
    message.last_error = ""
    message.save(update_fields=["attempts", "last_attempt_at", "last_error", "published_at"])
    return True


# --- Idempotent execution ----------------------------------------------------------


def task_execution_claim(*, idempotency_key: str, task_name: str, task_id: str, retries: int) -> bool:
    """Record that this task's effect is being committed; False when an earlier run already did.

    Call it inside the transaction of the effect. The insert takes the unique
    key: a concurrent run of the same key waits here until the first commits
    (then finds the row and does nothing) or rolls back (then goes ahead).
    """
    table = connection.ops.quote_name(TaskExecution._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (idempotency_key, task_name, task_id, retries, completed_at) "  # noqa: S608 (table name from the model)
            "VALUES (%s, %s, %s, %s, %s) ON CONFLICT (idempotency_key) DO NOTHING RETURNING id",
            [idempotency_key, task_name, task_id, retries, timezone.now()],
        )
        return cursor.fetchone() is not None


def jobs_prune(*, older_than: datetime.timedelta) -> tuple[int, int]:
    """Delete published outbox messages and execution records older than the given age.

    Execution records must outlive any redelivery of their task (the broker's
    visibility timeout, retries with back-off): keep them for days, not minutes.
    """
    cutoff = timezone.now() - older_than
    with transaction.atomic():
        messages, _ = OutboxMessage.objects.published_before(cutoff).delete()
        executions, _ = TaskExecution.objects.completed_before(cutoff).delete()
    return messages, executions


# --- The probe job ---------------------------------------------------------------


@transaction.atomic
def probe_start(*, requested_by: User, hold_seconds: int, hold_phase: str) -> Probe:
    """Create a test job and queue it through the outbox."""
    probe = Probe(requested_by=requested_by, hold_seconds=hold_seconds, hold_phase=hold_phase)
    probe.full_clean()
    probe.save()
    enqueue("jobs.run_probe", {"probe_id": probe.pk}, idempotency_key=f"jobs.run_probe:{probe.pk}")
    return probe


def probe_run(*, probe_id: int, worker: str) -> None:
    """The probe's effect: count one run. Call inside the task's transaction."""
    probe = Probe.objects.select_for_update().filter(pk=probe_id).first()
    if probe is None:
        logger.info("Test job %s no longer exists; nothing to do", probe_id)
        return
    if probe.hold_phase == Probe.HoldPhase.BEFORE_COMMIT:
        _hold(probe)
    Probe.objects.filter(pk=probe.pk).update(runs=F("runs") + 1, completed_at=timezone.now(), worker=worker[:200])
    logger.info("Test job %s took effect on %s", probe.pk, worker)
    if probe.hold_phase == Probe.HoldPhase.AFTER_COMMIT:
        transaction.on_commit(lambda: _hold(probe))


def _hold(probe: Probe) -> None:
    remaining = (probe.hold_until - timezone.now()).total_seconds()
    if remaining > 0:
        logger.info("Test job %s holds %s for %.1f s", probe.pk, probe.hold_phase, remaining)
        time.sleep(remaining)

"""Integration: a real Redis, real Celery workers, the test database. Exactly-once, redelivery, the outbox."""

import threading
import time

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.urls import reverse

from jobs.models import OutboxMessage, Probe, TaskExecution
from jobs.services import probe_start
from tests.organisations.factories import UserFactory

from .conftest import RedisServer, WorkerFactory, queue_is_drained, wait_for

pytestmark = pytest.mark.django_db(transaction=True)


def runs_of(probe: Probe) -> int:
    probe.refresh_from_db()
    return probe.runs


@pytest.mark.parametrize(
    ("hold_phase", "kill"),
    [(Probe.HoldPhase.AFTER_COMMIT, "worker"), (Probe.HoldPhase.BEFORE_COMMIT, "child")],
    ids=["effect-committed-whole-worker-killed", "effect-uncommitted-pool-process-killed"],
)
def test_a_task_whose_worker_is_killed_mid_run_is_redelivered_and_takes_effect_exactly_once(
    broker: RedisServer, start_worker: WorkerFactory, hold_phase: str, kill: str
) -> None:
    first = start_worker()
    probe = probe_start(requested_by=UserFactory(is_staff=True), hold_seconds=5, hold_phase=hold_phase)
    wait_for(lambda: first.logged(f"Test job {probe.pk} holds"), timeout=30, what="the task to start holding")
    # Killed with the effect committed (runs is 1 already) or still uncommitted (runs is 0).
    assert runs_of(probe) == (1 if hold_phase == Probe.HoldPhase.AFTER_COMMIT else 0)

    if kill == "worker":
        first.kill()
        # The message was taken but never acknowledged: Redis gives it to the next worker after the visibility timeout.
        second = start_worker()
    else:
        first.kill_child()
        # reject_on_worker_lost: the main process puts the message back at once for a new pool process.
        second = first

    key = f"jobs.run_probe:{probe.pk}"
    if hold_phase == Probe.HoldPhase.AFTER_COMMIT:
        wait_for(lambda: second.logged(f"already took effect for key {key}"), timeout=40, what="the redelivery")
    wait_for(lambda: runs_of(probe) >= 1 and queue_is_drained(broker), timeout=40, what="the task to finish")
    assert runs_of(probe) == 1
    assert TaskExecution.objects.filter(idempotency_key=key).count() == 1


def test_with_the_broker_down_a_request_still_answers_and_the_relay_delivers_the_work_once_it_is_back(
    broker: RedisServer, start_worker: WorkerFactory, log_in
) -> None:
    client = log_in(UserFactory(is_staff=True))
    broker.stop()
    started = time.monotonic()
    response = client.post(
        reverse("jobs:probe"),
        {"hold_seconds": 0, "hold_phase": "before_commit"},
        headers={"X-Request-ID": "drill-0001"},
    )
    assert time.monotonic() - started < 1.5
    assert response.status_code == 302
    message = OutboxMessage.objects.get()
    assert message.is_pending and message.attempts == 1 and "Connection" in message.last_error
    assert message.request_id == "drill-0001"

    broker.start()
    call_command("relay_outbox", stdout=None)
    message.refresh_from_db()
    assert not message.is_pending and message.attempts == 2

    worker = start_worker()
    probe = Probe.objects.get()
    wait_for(lambda: runs_of(probe) == 1 and queue_is_drained(broker), timeout=40, what="the relayed task to run")
    assert runs_of(probe) == 1
    # The task's log lines carry the id of the request that asked for it.
    task_lines = [line for line in worker.text().splitlines() if f"Test job {probe.pk} took effect" in line]
    assert task_lines and all('"request_id": "drill-0001"' in line for line in task_lines)


def test_a_worker_that_starts_publishes_what_waited_for_the_broker(
    broker: RedisServer, start_worker: WorkerFactory
) -> None:
    broker.stop()
    probe = probe_start(requested_by=UserFactory(is_staff=True), hold_seconds=0, hold_phase="before_commit")
    assert OutboxMessage.objects.pending().count() == 1
    broker.start()
    start_worker()  # nobody runs the relay: the worker does, as it starts
    wait_for(lambda: runs_of(probe) == 1 and queue_is_drained(broker), timeout=40, what="the start-up relay")
    assert OutboxMessage.objects.pending().count() == 0


def test_a_task_that_meets_a_locked_row_retries_later_and_takes_effect_once(
    broker: RedisServer, start_worker: WorkerFactory
) -> None:
    worker = start_worker()
    locked, release = threading.Event(), threading.Event()
    probe = Probe.objects.create(hold_seconds=0)

    def hold_the_row() -> None:
        # A web request editing the same row, for longer than the task's lock timeout.
        try:
            with transaction.atomic():
                Probe.objects.select_for_update().get(pk=probe.pk)
                locked.set()
                release.wait(timeout=60)
        finally:
            connection.close()

    holder = threading.Thread(target=hold_the_row)
    holder.start()
    try:
        assert locked.wait(timeout=10)
        from jobs.services import enqueue

        enqueue("jobs.run_probe", {"probe_id": probe.pk}, idempotency_key=f"jobs.run_probe:{probe.pk}")
        wait_for(lambda: worker.logged("retry: Retry in"), timeout=40, what="the task to retry on the lock timeout")
        assert runs_of(probe) == 0
    finally:
        release.set()
        holder.join(timeout=10)
    wait_for(lambda: runs_of(probe) == 1 and queue_is_drained(broker), timeout=40, what="the retried task")
    execution = TaskExecution.objects.get(idempotency_key=f"jobs.run_probe:{probe.pk}")
    assert execution.retries >= 1
    assert runs_of(probe) == 1

"""#17 item 6: the worker runs as several processes (compose: --scale worker=3) on one broker.

Two real Celery workers take tasks from one real Redis: the work is shared,
and every task takes effect once, also when the relay publishes the same
messages again (a relay that crashed after publishing, or two relays at once).
"""

import threading

import pytest

from jobs.models import OutboxMessage, Probe, TaskExecution
from jobs.services import outbox_relay, probe_start
from tests.organisations.factories import UserFactory

from .conftest import RedisServer, WorkerFactory, queue_is_drained, wait_for

pytestmark = pytest.mark.django_db(transaction=True)

TASKS = 8


def runs(probes: list[Probe]) -> list[int]:
    return list(Probe.objects.filter(pk__in=[p.pk for p in probes]).order_by("pk").values_list("runs", flat=True))


def test_two_workers_share_the_queue_and_every_task_takes_effect_once(
    broker: RedisServer, start_worker: WorkerFactory
) -> None:
    first, second = start_worker(), start_worker()
    requester = UserFactory(is_staff=True)
    probes = [
        probe_start(requested_by=requester, hold_seconds=1, hold_phase=Probe.HoldPhase.BEFORE_COMMIT)
        for _ in range(TASKS)
    ]
    wait_for(lambda: runs(probes) == [1] * TASKS and queue_is_drained(broker), timeout=120, what="every task once")
    done_by = set(Probe.objects.filter(pk__in=[p.pk for p in probes]).values_list("worker", flat=True))
    assert done_by == {first.name, second.name}  # both took work: neither idled while the other queued

    # The relay publishes every message again, from two relays at once: both workers get duplicates.
    OutboxMessage.objects.filter(task_name="jobs.run_probe").update(published_at=None)
    relays = [threading.Thread(target=outbox_relay) for _ in range(2)]
    for relay in relays:
        relay.start()
    for relay in relays:
        relay.join(timeout=60)
    assert not OutboxMessage.objects.filter(task_name="jobs.run_probe", published_at__isnull=True).exists()
    wait_for(
        lambda: sum(worker.text().count("already took effect") for worker in (first, second)) >= TASKS,
        timeout=120,
        what="the duplicates to be recognised",
    )
    wait_for(lambda: queue_is_drained(broker), timeout=60, what="the queue to drain")
    assert runs(probes) == [1] * TASKS
    for probe in probes:
        assert TaskExecution.objects.filter(idempotency_key=f"jobs.run_probe:{probe.pk}").count() == 1

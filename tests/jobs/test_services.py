"""The outbox and idempotent execution, in-process (eager Celery) and against a real Redis."""

import json
import threading

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from jobs.models import OutboxMessage, Probe, TaskExecution
from jobs.services import enqueue, jobs_prune, outbox_relay, probe_start
from jobs.tasks import run_probe
from tests.organisations.factories import UserFactory

from .conftest import RedisServer


@pytest.fixture
def admin_user(db: None):  # type: ignore[no-untyped-def]
    return UserFactory(is_staff=True)


@pytest.mark.django_db
def test_a_task_queued_in_a_transaction_that_rolls_back_is_never_asked_for(
    admin_user, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    probe = Probe.objects.create()
    capture = django_capture_on_commit_callbacks(execute=True)
    with capture as callbacks, pytest.raises(RuntimeError), transaction.atomic():
        enqueue("jobs.run_probe", {"probe_id": probe.pk}, idempotency_key="k-1")
        raise RuntimeError("the change failed")
    assert callbacks == []
    assert not OutboxMessage.objects.exists()


@pytest.mark.django_db
def test_without_a_broker_the_task_runs_in_process_after_commit(admin_user, django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
    with django_capture_on_commit_callbacks(execute=True):
        probe = probe_start(requested_by=admin_user, hold_seconds=0, hold_phase=Probe.HoldPhase.BEFORE_COMMIT)
        probe.refresh_from_db()
        assert probe.runs == 0  # not before the commit
    probe.refresh_from_db()
    assert probe.runs == 1
    message = OutboxMessage.objects.get()
    assert message.published_at is not None and message.attempts == 1
    assert TaskExecution.objects.filter(idempotency_key=message.idempotency_key).exists()


@pytest.mark.django_db
def test_enqueueing_a_key_twice_queues_one_message(admin_user, django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
    probe = Probe.objects.create()
    with django_capture_on_commit_callbacks(execute=True):
        first = enqueue("jobs.run_probe", {"probe_id": probe.pk}, idempotency_key="probe-once")
        second = enqueue("jobs.run_probe", {"probe_id": probe.pk}, idempotency_key="probe-once")
    assert first.pk == second.pk and OutboxMessage.objects.count() == 1
    probe.refresh_from_db()
    assert probe.runs == 1


@pytest.mark.django_db
def test_it_refuses_unknown_tasks_and_a_key_reused_for_another_task() -> None:
    with pytest.raises(LookupError):
        enqueue("jobs.no_such_task", {}, idempotency_key="x-1")
    OutboxMessage.objects.create(task_name="jobs.prune", idempotency_key="x-2")
    with pytest.raises(ValueError, match="already names"):
        enqueue("jobs.run_probe", {"probe_id": 1}, idempotency_key="x-2")


@pytest.mark.django_db
def test_a_second_delivery_of_the_same_message_does_nothing() -> None:
    probe = Probe.objects.create()
    headers = {"idempotency_key": f"jobs.run_probe:{probe.pk}"}
    run_probe.apply(kwargs={"probe_id": probe.pk}, headers=headers, task_id="delivery-1")
    run_probe.apply(kwargs={"probe_id": probe.pk}, headers=headers, task_id="delivery-1")
    probe.refresh_from_db()
    assert probe.runs == 1
    assert TaskExecution.objects.get().task_id == "delivery-1"
    # Another key is another intended effect.
    run_probe.apply(kwargs={"probe_id": probe.pk}, headers={"idempotency_key": "again"})
    probe.refresh_from_db()
    assert probe.runs == 2


@pytest.mark.django_db
def test_without_an_outbox_key_the_celery_task_id_makes_a_redelivery_harmless() -> None:
    probe = Probe.objects.create()
    run_probe.apply(kwargs={"probe_id": probe.pk}, task_id="beat-run-7")
    run_probe.apply(kwargs={"probe_id": probe.pk}, task_id="beat-run-7")
    probe.refresh_from_db()
    assert probe.runs == 1
    assert TaskExecution.objects.get().idempotency_key == "jobs.run_probe:beat-run-7"


@pytest.mark.django_db(transaction=True)
def test_a_transient_database_error_makes_the_task_retry(settings) -> None:  # type: ignore[no-untyped-def]
    """A real lock timeout (another session holds the row) asks Celery for a retry instead of failing the task.

    Eager retries run at once and give up while the row stays locked; the worker
    test shows the retry succeed once the lock is gone (test_worker.py).
    """
    from celery.exceptions import Retry
    from django.db import OperationalError

    settings.WIJKTEAM_TASK_LOCK_TIMEOUT = 0.05
    probe = Probe.objects.create()
    locked, release = threading.Event(), threading.Event()

    def hold_the_row() -> None:
        try:
            with transaction.atomic():
                Probe.objects.select_for_update().get(pk=probe.pk)
                locked.set()
                release.wait(timeout=30)
        finally:
            connection.close()

    holder = threading.Thread(target=hold_the_row)
    holder.start()
    try:
        assert locked.wait(timeout=10)
        with pytest.raises(Retry) as retry:
            run_probe.apply(kwargs={"probe_id": probe.pk}, headers={"idempotency_key": "locked"})
        assert isinstance(retry.value.exc, OperationalError) and "lock timeout" in str(retry.value.exc)
    finally:
        release.set()
        holder.join(timeout=10)
    probe.refresh_from_db()
    assert probe.runs == 0 and not TaskExecution.objects.exists()


@pytest.mark.django_db
def test_pruning_removes_old_published_messages_and_executions_only() -> None:
    import datetime

    from django.utils import timezone

    old = timezone.now() - datetime.timedelta(days=40)
    OutboxMessage.objects.create(task_name="jobs.prune", idempotency_key="old", published_at=old)
    OutboxMessage.objects.create(task_name="jobs.prune", idempotency_key="old-but-pending", created_at=old)
    OutboxMessage.objects.create(task_name="jobs.prune", idempotency_key="new", published_at=timezone.now())
    TaskExecution.objects.create(idempotency_key="old", task_name="jobs.prune", completed_at=old)
    TaskExecution.objects.create(idempotency_key="new", task_name="jobs.prune")
    assert jobs_prune(older_than=datetime.timedelta(days=30)) == (1, 1)
    assert set(OutboxMessage.objects.values_list("idempotency_key", flat=True)) == {"old-but-pending", "new"}
    assert list(TaskExecution.objects.values_list("idempotency_key", flat=True)) == ["new"]


# --- The relay against a real Redis ---------------------------------------------------


def pending_messages(count: int) -> list[OutboxMessage]:
    return OutboxMessage.objects.bulk_create(
        OutboxMessage(task_name="jobs.prune", idempotency_key=f"relay-{n}") for n in range(count)
    )


def published_task_ids(server: RedisServer) -> list[str]:
    return [json.loads(raw)["headers"]["id"] for raw in server.client().lrange("celery", 0, -1)]


@pytest.mark.django_db(transaction=True)
def test_the_relay_passes_over_a_message_another_relay_holds(broker: RedisServer) -> None:
    first, second, third = pending_messages(3)
    locked, release = threading.Event(), threading.Event()

    def other_relay_holds_the_second() -> None:
        try:
            with transaction.atomic():
                list(OutboxMessage.objects.lockable_pending().filter(pk=second.pk))
                locked.set()
                release.wait(timeout=30)
        finally:
            connection.close()

    holder = threading.Thread(target=other_relay_holds_the_second)
    holder.start()
    try:
        assert locked.wait(timeout=10)
        assert outbox_relay().published == 2  # neither waits for nor doubles the held row
        assert sorted(published_task_ids(broker)) == sorted([str(first.task_id), str(third.task_id)])
    finally:
        release.set()
        holder.join(timeout=10)
    assert outbox_relay().published == 1
    assert sorted(published_task_ids(broker)) == sorted(str(m.task_id) for m in (first, second, third))


@pytest.mark.django_db(transaction=True)
def test_two_relays_at_once_publish_every_message_exactly_once(broker: RedisServer) -> None:
    messages = pending_messages(150)
    start = threading.Barrier(2)
    counts: list[int] = []

    def relay() -> None:
        try:
            start.wait(timeout=10)
            counts.append(outbox_relay(batch_size=10).published)
        finally:
            connection.close()

    relays = [threading.Thread(target=relay) for _ in range(2)]
    for thread in relays:
        thread.start()
    for thread in relays:
        thread.join(timeout=60)
    assert sum(counts) == 150
    ids = published_task_ids(broker)
    assert len(ids) == 150 and set(ids) == {str(m.task_id) for m in messages}
    assert not OutboxMessage.objects.pending().exists()


@pytest.mark.django_db(transaction=True)
def test_publishing_one_message_takes_a_bounded_number_of_queries(broker: RedisServer) -> None:
    pending_messages(20)
    with CaptureQueriesContext(connection) as queries:
        outbox_relay(batch_size=100)
    # One locking read, one update per message, the transaction itself.
    assert len(queries) <= 20 + 4


@pytest.mark.django_db(transaction=True)
def test_the_relay_command_reports_a_broker_that_is_still_down_and_keeps_the_message(broker: RedisServer) -> None:
    import io

    from django.core.management import call_command

    (message,) = pending_messages(1)
    broker.stop()
    err = io.StringIO()
    call_command("relay_outbox", stdout=io.StringIO(), stderr=err)
    assert "the broker is unreachable" in err.getvalue()
    message.refresh_from_db()
    assert message.is_pending and message.attempts == 1 and message.last_attempt_at is not None


@pytest.mark.django_db(transaction=True)
def test_the_relay_loop_keeps_relaying_until_sigterm(broker: RedisServer) -> None:
    import io
    import os
    import signal

    from django.core.management import call_command

    pending_messages(2)
    handler_before = signal.getsignal(signal.SIGTERM)

    def one_more() -> None:
        try:
            OutboxMessage.objects.create(task_name="jobs.prune", idempotency_key="while-looping")
        finally:
            connection.close()

    later = threading.Timer(1.0, one_more)
    stop = threading.Timer(2.0, os.kill, [os.getpid(), signal.SIGTERM])
    later.start()
    stop.start()
    out = io.StringIO()
    try:
        call_command("relay_outbox", "--loop", "--interval", "0.2", stdout=out)
    finally:
        later.cancel()
        stop.cancel()
    assert out.getvalue().splitlines() == ["Published 2.", "Published 1."]  # quiet in between
    assert signal.getsignal(signal.SIGTERM) is handler_before
    assert not OutboxMessage.objects.pending().exists()

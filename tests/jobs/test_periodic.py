"""Beat's way into the outbox: a periodic task is queued once per period, whoever asks how often."""

import datetime
import zoneinfo

import pytest
from django.db import transaction

from jobs.models import OutboxMessage, Probe
from jobs.services import periodic_enqueue
from jobs.tasks import enqueue_periodic

pytestmark = pytest.mark.django_db

NOON = datetime.datetime(2025, 6, 2, 12, 0, tzinfo=datetime.UTC)


def test_a_period_is_queued_once_and_the_next_period_again(django_capture_on_commit_callbacks) -> None:
    probe = Probe.objects.create()
    kwargs = {"probe_id": probe.pk}
    with django_capture_on_commit_callbacks(execute=True):
        periodic_enqueue(task_name="jobs.run_probe", kwargs=kwargs, every=3600, now=NOON)
        periodic_enqueue(task_name="jobs.run_probe", kwargs=kwargs, every=3600, now=NOON.replace(minute=59))
    probe.refresh_from_db()
    assert probe.runs == 1 and OutboxMessage.objects.count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        periodic_enqueue(task_name="jobs.run_probe", kwargs=kwargs, every=3600, now=NOON.replace(hour=13))
    probe.refresh_from_db()
    assert probe.runs == 2 and OutboxMessage.objects.count() == 2


def test_different_arguments_are_different_work(django_capture_on_commit_callbacks) -> None:
    first, second = Probe.objects.create(), Probe.objects.create()
    with django_capture_on_commit_callbacks(execute=True):
        periodic_enqueue(task_name="jobs.run_probe", kwargs={"probe_id": first.pk}, every=3600, now=NOON)
        periodic_enqueue(task_name="jobs.run_probe", kwargs={"probe_id": second.pk}, every=3600, now=NOON)
    assert set(Probe.objects.values_list("runs", flat=True)) == {1}


def test_nothing_is_queued_when_the_transaction_rolls_back(django_capture_on_commit_callbacks) -> None:
    probe = Probe.objects.create()
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        periodic_enqueue(task_name="jobs.run_probe", kwargs={"probe_id": probe.pk}, every=60, now=NOON)
        raise RuntimeError("rolled back")
    assert callbacks == [] and not OutboxMessage.objects.exists()


def test_the_beat_task_queues_by_name_and_refuses_an_unknown_task(django_capture_on_commit_callbacks) -> None:
    probe = Probe.objects.create()
    with django_capture_on_commit_callbacks(execute=True):
        enqueue_periodic.apply(kwargs={"task_name": "jobs.run_probe", "kwargs": {"probe_id": probe.pk}, "every": 60})
    probe.refresh_from_db()
    assert probe.runs == 1
    with pytest.raises(LookupError):
        enqueue_periodic.apply(kwargs={"task_name": "jobs.no_such_task", "every": 60}, throw=True)


def test_a_daily_run_at_the_same_local_time_has_a_key_of_its_own_across_the_dst_change(
    django_capture_on_commit_callbacks,
) -> None:
    """01:15 in Amsterdam is 00:15 UTC on 29 March 2026 and 23:15 UTC the evening before 30 March."""
    probe = Probe.objects.create()
    amsterdam = zoneinfo.ZoneInfo("Europe/Amsterdam")
    with django_capture_on_commit_callbacks(execute=True):
        for day in (28, 29, 30):
            moment = datetime.datetime(2026, 3, day, 1, 15, tzinfo=amsterdam)
            periodic_enqueue(task_name="jobs.run_probe", kwargs={"probe_id": probe.pk}, every=86400, now=moment)
    probe.refresh_from_db()
    assert probe.runs == 3

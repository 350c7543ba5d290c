"""``cases.refresh_reminders`` travels the one path: beat queues it through the outbox once a day, and a
redelivered message does nothing (``idempotent_task``)."""

import datetime

import pytest
from django.db import transaction

from cases.models import Reminder
from jobs.models import OutboxMessage, TaskExecution
from jobs.services import periodic_enqueue
from tests.cases.factories import CaseFactory
from tests.conftest import Personas

pytestmark = pytest.mark.django_db

MOMENT = datetime.datetime(2025, 6, 2, 5, 30, tzinfo=datetime.UTC)


@pytest.fixture
def quiet_case(personas: Personas, time_machine) -> None:  # type: ignore[no-untyped-def]
    time_machine.move_to(MOMENT, tick=False)
    CaseFactory(team=personas.team_a, coordinator=personas.professional, referred_on=datetime.date(2025, 1, 10))


def test_the_daily_refresh_is_queued_through_the_outbox_and_not_on_a_rollback(
    quiet_case: None, django_capture_on_commit_callbacks
) -> None:
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        periodic_enqueue(task_name="cases.refresh_reminders", every=86400, now=MOMENT)
        raise RuntimeError("rolled back")
    assert callbacks == [] and not OutboxMessage.objects.exists() and not Reminder.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        periodic_enqueue(task_name="cases.refresh_reminders", every=86400, now=MOMENT)
        assert not Reminder.objects.exists()  # not before the commit
        periodic_enqueue(task_name="cases.refresh_reminders", every=86400, now=MOMENT)  # a second beat
    # One refresh, however often beat asked; its new signals are announced through the outbox too (issue 15).
    message = OutboxMessage.objects.get(task_name="cases.refresh_reminders")
    assert message.published_at is not None
    assert set(OutboxMessage.objects.values_list("task_name", flat=True)) == {
        "cases.refresh_reminders",
        "notifications.deliver",
    }
    assert Reminder.objects.filter(kind=Reminder.Kind.NO_CONTACT).count() == 1


def test_a_redelivered_refresh_message_takes_effect_once(quiet_case: None) -> None:
    from cases.tasks import refresh_reminders

    headers = {"idempotency_key": "cases.refresh_reminders:every=86400:slot=1"}
    refresh_reminders.apply(headers=headers, throw=True)
    assert Reminder.objects.count() == 1
    Reminder.objects.all().delete()  # were the message delivered again, its run would signal the case anew
    refresh_reminders.apply(headers=headers, throw=True)
    assert not Reminder.objects.exists()
    assert TaskExecution.objects.filter(task_name="cases.refresh_reminders").count() == 1

"""The retention task travels the one path (beat queues it through the outbox once a day; a redelivered
message does nothing), and its access-log rows commit in the anonymisation's transaction."""

import datetime

import pytest
from django.db import transaction

from cases.models import Case, CaseStatus
from jobs.models import OutboxMessage, TaskExecution
from jobs.services import periodic_enqueue
from privacy import access_log
from privacy.models import AccessLogEntry
from tests.cases.factories import CaseFactory
from tests.conftest import Personas

pytestmark = pytest.mark.django_db

MOMENT = datetime.datetime(2026, 11, 28, 1, 30, tzinfo=datetime.UTC)


def expired_case(personas: Personas) -> Case:
    return CaseFactory(team=personas.team_a, status=CaseStatus.CLOSED, closed_on=datetime.date(1990, 1, 1))


def anonymised(case: Case) -> bool:
    case.refresh_from_db()
    return case.anonymised_at is not None


def deletions_logged(case: Case) -> int:
    return AccessLogEntry.objects.filter(case_id=case.pk, action=access_log.Action.DELETE, channel="task").count()


def test_the_daily_retention_is_queued_through_the_outbox_and_not_on_a_rollback(
    personas: Personas, django_capture_on_commit_callbacks
) -> None:
    case = expired_case(personas)
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        periodic_enqueue(task_name="privacy.apply_retention", every=86400, now=MOMENT)
        raise RuntimeError("rolled back")
    assert callbacks == [] and not OutboxMessage.objects.exists() and not anonymised(case)
    with django_capture_on_commit_callbacks(execute=True):
        periodic_enqueue(task_name="privacy.apply_retention", every=86400, now=MOMENT)
        periodic_enqueue(task_name="privacy.apply_retention", every=86400, now=MOMENT)  # a second beat
    message = OutboxMessage.objects.get()
    assert message.task_name == "privacy.apply_retention" and message.published_at is not None
    assert anonymised(case) and deletions_logged(case) == 1


def test_a_redelivered_retention_message_takes_effect_once(personas: Personas) -> None:
    from privacy.tasks import apply_retention_task

    headers = {"idempotency_key": "privacy.apply_retention:every=86400:slot=1"}
    first = expired_case(personas)
    apply_retention_task.apply(headers=headers, throw=True)
    assert anonymised(first)
    later = expired_case(personas)  # a redelivery must not run the retention again
    apply_retention_task.apply(headers=headers, throw=True)
    assert not anonymised(later) and deletions_logged(first) == 1
    assert TaskExecution.objects.filter(task_name="privacy.apply_retention").count() == 1


def test_the_access_log_rows_commit_with_the_anonymisation_or_not_at_all(
    personas: Personas, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A run that fails while logging leaves the case as it was: no anonymisation without its log row."""
    from privacy.tasks import apply_retention_task

    case = expired_case(personas)

    def log_fails(**kwargs: object) -> None:
        raise RuntimeError("the access log could not be written")

    monkeypatch.setattr(access_log, "record_many", log_fails)
    with pytest.raises(RuntimeError):
        apply_retention_task.apply(throw=True)
    assert not anonymised(case) and deletions_logged(case) == 0

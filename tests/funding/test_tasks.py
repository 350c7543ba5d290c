"""Funding's background work travels the one path: enqueued by name through the outbox in the business
transaction (nothing on a rollback), and run by ``idempotent_task`` (a redelivered message does nothing)."""

import datetime

import pytest
from django.db import transaction

from funding import spend_import
from funding.models import Blockage, FlowCell, Spend, SpendImport
from jobs.models import OutboxMessage, TaskExecution
from jobs.services import periodic_enqueue
from tests.conftest import Personas
from tests.funding.factories import AllocationFactory, StreamFactory

pytestmark = pytest.mark.django_db

VALID = "allocation_reference,month,amount\nAL-000000001,2025-03,75.00\nAL-000000002,2025-03,120\n"


@pytest.fixture
def allocations() -> None:
    stream = StreamFactory(code="WMO-BEG-2025")
    AllocationFactory(reference="AL-000000001", stream=stream)
    AllocationFactory(reference="AL-000000002", stream=stream)


def upload(personas: Personas) -> SpendImport:
    return spend_import.spend_import_upload(filename="uitgaven.csv", content=VALID.encode(), by=personas.auditor)


# --- funding.import_spend ------------------------------------------------------------------------------


def test_an_upload_queues_its_import_through_the_outbox_and_a_rolled_back_upload_queues_nothing(
    personas: Personas, allocations: None, django_capture_on_commit_callbacks
) -> None:
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        upload(personas)
        raise RuntimeError("the request failed after the upload")
    assert callbacks == [] and not OutboxMessage.objects.exists() and not SpendImport.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        record = upload(personas)
        assert OutboxMessage.objects.get(task_name="funding.import_spend").kwargs == {"import_id": record.pk}
        assert not Spend.objects.exists()  # not before the commit
    record.refresh_from_db()
    assert record.status == SpendImport.Status.IMPORTED and Spend.objects.count() == 2
    message = OutboxMessage.objects.get(task_name="funding.import_spend")
    assert message.published_at is not None
    assert TaskExecution.objects.filter(idempotency_key=message.idempotency_key).count() == 1


def test_a_redelivered_import_message_imports_once(personas: Personas, allocations: None) -> None:
    from funding.tasks import import_spend

    record = spend_import.spend_import_create(filename="a.csv", content=VALID.encode(), by=personas.auditor)
    headers = {"idempotency_key": f"funding.import_spend:{record.pk}"}
    import_spend.apply(kwargs={"import_id": record.pk}, headers=headers, throw=True)
    import_spend.apply(kwargs={"import_id": record.pk}, headers=headers, throw=True)
    record.refresh_from_db()
    assert record.status == SpendImport.Status.IMPORTED and Spend.objects.count() == 2
    assert TaskExecution.objects.get().task_name == "funding.import_spend"
    # The refresh it asked for waits in the outbox for the commit (here: the test's, which never comes).
    assert OutboxMessage.objects.filter(task_name="funding.refresh_flow_summary", published_at=None).count() == 1


# --- funding.refresh_flow_summary -----------------------------------------------------------------------


def test_an_import_queues_the_summary_refresh_in_its_own_transaction(
    personas: Personas, allocations: None, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        record = upload(personas)
    message = OutboxMessage.objects.get(task_name="funding.refresh_flow_summary")
    assert message.kwargs == {"municipality_id": personas.auditor.organisation.municipality_id}
    assert message.idempotency_key.startswith(f"funding.refresh_flow_summary:import={record.pk}:")
    assert message.published_at is not None and FlowCell.objects.exists()


def test_a_failed_import_queues_no_summary_refresh(
    personas: Personas, allocations: None, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        record = spend_import.spend_import_upload(
            filename="a.csv", content=(VALID + "AL-000000404,2025-03,1\n").encode(), by=personas.auditor
        )
    record.refresh_from_db()
    assert record.status == SpendImport.Status.FAILED
    assert not OutboxMessage.objects.filter(task_name="funding.refresh_flow_summary").exists()


def test_a_redelivered_summary_refresh_rebuilds_once(personas: Personas, allocations: None) -> None:
    from funding.tasks import refresh_flow_summary

    municipality_id = personas.auditor.organisation.municipality_id
    headers = {"idempotency_key": "funding.refresh_flow_summary:test"}
    refresh_flow_summary.apply(kwargs={"municipality_id": municipality_id}, headers=headers, throw=True)
    assert FlowCell.objects.exists()
    FlowCell.objects.all().delete()  # were the message delivered again, its run would rebuild them
    refresh_flow_summary.apply(kwargs={"municipality_id": municipality_id}, headers=headers, throw=True)
    assert not FlowCell.objects.exists()
    assert TaskExecution.objects.filter(task_name="funding.refresh_flow_summary").count() == 1


def test_beat_queues_the_summary_refresh_of_every_municipality_through_the_outbox(
    personas: Personas, allocations: None, django_capture_on_commit_callbacks
) -> None:
    moment = datetime.datetime(2025, 6, 2, 12, 0, tzinfo=datetime.UTC)
    with django_capture_on_commit_callbacks(execute=True):
        periodic_enqueue(task_name="funding.refresh_flow_summary", every=300, now=moment)
        periodic_enqueue(task_name="funding.refresh_flow_summary", every=300, now=moment)  # a second beat
    assert OutboxMessage.objects.filter(task_name="funding.refresh_flow_summary").count() == 1
    assert FlowCell.objects.exists()


# --- funding.detect_blockages ---------------------------------------------------------------------------


def test_the_nightly_detection_is_queued_through_the_outbox_once_a_day(
    personas: Personas, django_capture_on_commit_callbacks
) -> None:
    moment = datetime.datetime(2025, 6, 2, 1, 15, tzinfo=datetime.UTC)
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        periodic_enqueue(task_name="funding.detect_blockages", every=86400, now=moment)
        raise RuntimeError("rolled back")
    assert callbacks == [] and not OutboxMessage.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        periodic_enqueue(task_name="funding.detect_blockages", every=86400, now=moment)
        periodic_enqueue(task_name="funding.detect_blockages", every=86400, now=moment + datetime.timedelta(hours=1))
    message = OutboxMessage.objects.get()
    assert message.task_name == "funding.detect_blockages" and message.published_at is not None
    assert TaskExecution.objects.get().idempotency_key == message.idempotency_key
    assert not Blockage.objects.exists()

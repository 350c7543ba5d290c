"""Integration: a domain task on the one path, with a real Redis and a real worker (issue 18, step 4).

A spend upload queues ``funding.import_spend`` through the outbox; the worker imports (progress committed
as it goes, the insert once per key) and the insert's transaction queues ``funding.refresh_flow_summary``,
which the worker runs too. A message delivered again does nothing.
"""

import pytest
from celery import current_app
from django.db import transaction

from funding import spend_import
from funding.models import FlowCell, Spend, SpendImport
from jobs.models import OutboxMessage, TaskExecution
from tests.conftest import Personas
from tests.funding.factories import AllocationFactory, StreamFactory

from .conftest import RedisServer, WorkerFactory, queue_is_drained, wait_for

pytestmark = pytest.mark.django_db(transaction=True)

VALID = "allocation_reference,month,amount\nAL-000000001,2025-03,75.00\nAL-000000002,2025-03,120\n"


def test_an_uploaded_spend_file_is_imported_and_summarised_by_the_worker_once(
    broker: RedisServer, start_worker: WorkerFactory, personas: Personas
) -> None:
    with transaction.atomic():  # a case commits with its coordinator (a deferred constraint)
        stream = StreamFactory(code="WMO-BEG-2025")
        AllocationFactory(reference="AL-000000001", stream=stream)
        AllocationFactory(reference="AL-000000002", stream=stream)
    worker = start_worker()
    record = spend_import.spend_import_upload(filename="uitgaven.csv", content=VALID.encode(), by=personas.auditor)

    def summarised() -> bool:
        return OutboxMessage.objects.filter(published_at__isnull=False).count() == 2 and FlowCell.objects.exists()

    wait_for(summarised, timeout=60, what="the import and the summary refresh it queued")
    wait_for(lambda: queue_is_drained(broker), timeout=30, what="the queue to drain")
    record.refresh_from_db()
    assert record.status == SpendImport.Status.IMPORTED and Spend.objects.count() == 2
    assert sorted(TaskExecution.objects.values_list("task_name", flat=True)) == [
        "funding.import_spend",
        "funding.refresh_flow_summary",
    ]

    # The import's message delivered again (a relay that crashed before recording it as published).
    message = OutboxMessage.objects.get(task_name="funding.import_spend")
    current_app.send_task(
        message.task_name, kwargs=message.kwargs, headers={"idempotency_key": message.idempotency_key}
    )

    def import_runs() -> int:
        lines = worker.text().splitlines()
        return sum("funding.import_spend[" in line and "succeeded" in line for line in lines)

    wait_for(lambda: import_runs() == 2, timeout=30, what="the redelivered message to run")
    wait_for(lambda: queue_is_drained(broker), timeout=30, what="the queue to drain")
    assert Spend.objects.count() == 2 and TaskExecution.objects.count() == 2

"""Integration: a queued export is built by a real Celery worker over a real Redis, on the test database."""

import pytest

from exports.models import ExportJob, ExportStatus
from exports.services import export_request
from jobs.models import TaskExecution
from monitoring.exports import MONITORING_DASHBOARD
from tests.jobs.conftest import RedisServer, WorkerFactory, queue_is_drained, wait_for

pytestmark = pytest.mark.django_db(transaction=True)


def status_of(job: ExportJob) -> str:
    job.refresh_from_db(fields=["status"])
    return job.status


def test_a_queued_export_is_built_by_the_worker_exactly_once(
    broker: RedisServer, start_worker: WorkerFactory, personas
) -> None:
    start_worker()
    # The service commits: its after-commit publish hands the task to Redis, and the worker takes it.
    job = export_request(by=personas.bureau, kind=MONITORING_DASHBOARD, fmt="xlsx", parameters={})
    wait_for(lambda: status_of(job) == ExportStatus.DONE, timeout=60, what="the worker to build the export")
    wait_for(lambda: queue_is_drained(broker), timeout=20, what="the message to be acknowledged")
    job.refresh_from_db()
    assert job.content and job.size == len(job.content) and job.filename == "monitoring.xlsx"
    assert job.started_at <= job.finished_at < job.expires_at
    assert TaskExecution.objects.filter(idempotency_key=f"exports.build:{job.uuid}").count() == 1

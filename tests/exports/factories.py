"""Export jobs for tests, and asking for an export the way a screen does (eager Celery runs it at commit)."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Mapping
from typing import Any

import factory
from django.http import HttpResponse
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from exports.models import ExportFormat, ExportJob, ExportStatus
from monitoring.exports import MONITORING_DASHBOARD
from tests.organisations.factories import UserFactory


class ExportJobFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ExportJob

    requested_by = factory.SubFactory(UserFactory)
    role = factory.LazyAttribute(lambda job: job.requested_by.role)
    kind = MONITORING_DASHBOARD
    format = ExportFormat.CSV
    parameters: dict[str, Any] = {}

    class Params:
        done = factory.Trait(
            status=ExportStatus.DONE,
            content=b"\xef\xbb\xbfa,b\r\n",
            size=8,
            row_count=0,
            filename="monitoring.csv",
            content_type="text/csv; charset=utf-8",
            finished_at=factory.LazyFunction(timezone.now),
            expires_at=factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(hours=24)),
        )


def export_through_screen(
    client: Client, url: str, data: Mapping[str, Any], capture_on_commit: Callable[..., Any]
) -> tuple[ExportJob, HttpResponse]:
    """POST the screen's export button, run the task at commit (eager), then download the file from Mijn exports."""
    with capture_on_commit(execute=True):
        response = client.post(url, data)
    assert response.status_code == 302, response
    assert response["Location"] == reverse("exports:list")
    job = ExportJob.objects.order_by("-id").first()
    assert job is not None
    job.refresh_from_db()
    return job, client.get(reverse("exports:download", args=[job.uuid]))

"""The bureau's refresh button asks for the background refresh through the outbox, by task name."""

import pytest
from django.urls import reverse

from jobs.models import OutboxMessage, TaskExecution

pytestmark = pytest.mark.django_db


def test_the_bureaus_refresh_goes_through_the_outbox_and_runs_once(
    personas, log_in, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    client = log_in(personas.bureau)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(reverse("monitoring:refresh")).status_code == 302
    message = OutboxMessage.objects.get(task_name="monitoring.refresh_summaries")
    assert message.published_at is not None
    assert TaskExecution.objects.filter(idempotency_key=message.idempotency_key).count() == 1

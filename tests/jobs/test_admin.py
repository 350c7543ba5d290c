"""The outbox in the admin: read-only, with one action to publish waiting messages now."""

import pytest
from django.urls import reverse

from jobs.models import OutboxMessage, Probe
from tests.organisations.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_an_administrator_publishes_waiting_messages_from_the_admin(log_in) -> None:  # type: ignore[no-untyped-def]
    probe = Probe.objects.create()
    waiting = OutboxMessage.objects.create(
        task_name="jobs.run_probe", kwargs={"probe_id": probe.pk}, idempotency_key=f"jobs.run_probe:{probe.pk}"
    )
    client = log_in(UserFactory(is_staff=True, is_superuser=True))
    response = client.post(
        reverse("admin:jobs_outboxmessage_changelist"),
        {"action": "publish_now", "_selected_action": [waiting.pk]},
        follow=True,
    )
    assert "1 bericht verzonden." in response.content.decode()
    waiting.refresh_from_db()
    probe.refresh_from_db()
    assert waiting.published_at is not None and probe.runs == 1


def test_an_outbox_message_cannot_be_edited_by_hand(log_in) -> None:  # type: ignore[no-untyped-def]
    message = OutboxMessage.objects.create(task_name="jobs.prune", idempotency_key="by-hand")
    client = log_in(UserFactory(is_staff=True, is_superuser=True))
    url = reverse("admin:jobs_outboxmessage_change", args=[message.pk])
    assert client.get(url).status_code == 200  # shown…
    client.post(url, {"task_name": "jobs.run_probe", "idempotency_key": "changed"})
    message.refresh_from_db()
    assert (message.task_name, message.idempotency_key) == ("jobs.prune", "by-hand")  # …not changed

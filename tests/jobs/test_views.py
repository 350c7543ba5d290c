"""The test-job page: who may use it, what it queues, and its query count."""

import pytest
from django.test import Client
from django.urls import reverse

from jobs.models import OutboxMessage, Probe
from tests.conftest import Personas

pytestmark = pytest.mark.django_db
URL = reverse("jobs:probe")


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        (None, 302),
        ("professional", 403),
        ("team_lead", 403),
        ("bureau", 403),
        ("auditor", 403),
        ("privacy_officer", 403),
        ("outsider", 403),
        ("administrator", 200),
    ],
)
def test_only_functional_administrators_open_the_test_job_page(
    client: Client, log_in, personas: Personas, persona: str | None, expected: int
) -> None:  # type: ignore[no-untyped-def]
    if persona is not None:
        client = log_in(getattr(personas, persona))
    assert client.get(URL).status_code == expected
    posted = client.post(URL, {"hold_seconds": 0, "hold_phase": "before_commit"}).status_code
    if expected == 200:
        assert posted == 302 and Probe.objects.count() == 1  # queued, then back to the page
    else:
        assert posted == expected and not Probe.objects.exists()


def test_a_test_job_is_queued_through_the_outbox_and_runs(
    log_in, personas: Personas, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    client = log_in(personas.administrator)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(URL, {"hold_seconds": 0, "hold_phase": "after_commit"}, follow=True)
    probe = Probe.objects.get()
    assert response.redirect_chain == [(URL, 302)]
    assert f"Testtaak {probe.pk} staat in de wachtrij." in response.content.decode()
    assert probe.requested_by == personas.administrator and probe.runs == 1
    assert OutboxMessage.objects.get().idempotency_key == f"jobs.run_probe:{probe.pk}"


def test_it_refuses_a_hold_longer_than_five_minutes(log_in, personas: Personas) -> None:  # type: ignore[no-untyped-def]
    response = log_in(personas.administrator).post(URL, {"hold_seconds": 301, "hold_phase": "before_commit"})
    assert response.status_code == 200 and response.context["form"].errors
    assert not Probe.objects.exists()


@pytest.mark.parametrize("count", [1, 30])
def test_the_page_takes_the_same_queries_however_many_jobs(
    log_in, personas: Personas, django_assert_max_num_queries, count: int
) -> None:  # type: ignore[no-untyped-def]
    Probe.objects.bulk_create(Probe(requested_by=personas.administrator) for _ in range(count))
    client = log_in(personas.administrator)
    with django_assert_max_num_queries(6):
        assert client.get(URL).status_code == 200

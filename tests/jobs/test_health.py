"""/healthz and /readyz against a real Redis: up, stopped, and hung."""

import time

import pytest
from django.test import Client

from .conftest import RedisServer

pytestmark = pytest.mark.django_db


def timed_get(client: Client, path: str) -> tuple[int, dict, float]:
    started = time.monotonic()
    response = client.get(path)
    return response.status_code, response.json(), time.monotonic() - started


def test_ready_when_the_database_and_the_broker_answer(client: Client, broker: RedisServer) -> None:
    status, body, _ = timed_get(client, "/readyz")
    assert (status, body) == (200, {"status": "ok", "database": "ok", "broker": "ok"})


def test_not_ready_and_quick_about_it_when_the_broker_is_down(client: Client, broker: RedisServer) -> None:
    broker.stop()
    status, body, seconds = timed_get(client, "/readyz")
    assert status == 503 and body["broker"] == "unavailable" and body["database"] == "ok"
    assert seconds < 1.5
    assert client.get("/healthz").status_code == 200  # alive all the same: a restart would not help


def test_a_broker_that_accepts_but_never_answers_cannot_hang_the_probe(client: Client, silent_broker: str) -> None:
    status, body, seconds = timed_get(client, "/readyz")
    assert status == 503 and body["broker"] == "unavailable"
    assert seconds < 2


def test_a_broker_that_never_answers_cannot_hang_a_request_that_enqueues(
    log_in, silent_broker: str, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    from jobs.models import OutboxMessage
    from tests.organisations.factories import UserFactory

    client = log_in(UserFactory(is_staff=True))
    started = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/achtergrondtaken/testtaak/", {"hold_seconds": 0, "hold_phase": "before_commit"})
    assert time.monotonic() - started < 2
    assert response.status_code == 302
    assert OutboxMessage.objects.get().is_pending

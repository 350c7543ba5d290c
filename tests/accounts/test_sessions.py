import json
from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client, override_settings
from django.urls import reverse
from time_machine import TimeMachineFixture

from accounts.sessions import LOGIN_AT
from tests.conftest import Personas

pytestmark = pytest.mark.django_db

MORNING = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


@pytest.fixture
def at_work(log_in, personas: Personas, time_machine: TimeMachineFixture) -> Client:
    """The team-A professional, logged in at 08:00 with the clock frozen."""
    time_machine.move_to(MORNING, tick=False)
    return log_in(personas.professional)


def is_logged_in(client: Client) -> bool:
    return client.get(reverse("cases:caseload")).status_code == 200


def test_a_session_idle_for_fifteen_minutes_ends_with_a_message_on_the_login_page(
    at_work: Client, time_machine: TimeMachineFixture
) -> None:
    time_machine.shift(timedelta(minutes=15))
    response = at_work.get(reverse("home"), follow=True)
    assert response.redirect_chain[0][0] == reverse("login") + "?next=/"
    assert "Uw sessie is verlopen. Log opnieuw in." in response.content.decode()
    assert "_auth_user_id" not in at_work.session


def test_a_request_within_fifteen_minutes_keeps_the_session_going(
    at_work: Client, time_machine: TimeMachineFixture
) -> None:
    for _ in range(4):
        time_machine.shift(timedelta(minutes=14))
        assert is_logged_in(at_work)


def test_a_session_ends_ten_hours_after_login_however_busy(at_work: Client, time_machine: TimeMachineFixture) -> None:
    for _ in range(59):  # every 10 minutes until 17:50
        time_machine.shift(timedelta(minutes=10))
        assert is_logged_in(at_work)
    time_machine.shift(timedelta(minutes=10))  # 18:00
    assert not is_logged_in(at_work)


@override_settings(WIJKTEAM_SESSION_IDLE_SECONDS=5 * 60, WIJKTEAM_SESSION_ABSOLUTE_SECONDS=3600)
def test_both_timeouts_follow_the_settings(log_in, personas: Personas, time_machine: TimeMachineFixture) -> None:
    time_machine.move_to(MORNING, tick=False)
    client = log_in(personas.professional)
    time_machine.shift(timedelta(minutes=4))
    assert is_logged_in(client)
    time_machine.shift(timedelta(minutes=5))
    assert not is_logged_in(client)

    client = log_in(personas.professional)
    for _ in range(14):
        time_machine.shift(timedelta(minutes=4))
        assert is_logged_in(client)
    time_machine.shift(timedelta(minutes=4))  # 60 minutes after login
    assert not is_logged_in(client)


def test_the_half_logged_in_state_times_out_too(
    client: Client, personas: Personas, time_machine: TimeMachineFixture
) -> None:
    from tests.accounts.conftest import post_password

    time_machine.move_to(MORNING, tick=False)
    post_password(client, "prof-a")
    time_machine.shift(timedelta(minutes=16))
    response = client.get(reverse("login_enrol"))
    assert response["Location"].startswith(reverse("login"))
    assert "_auth_user_id" not in client.session


def test_an_expired_api_session_gets_401_json(at_work: Client, time_machine: TimeMachineFixture) -> None:
    time_machine.shift(timedelta(hours=1))
    response = at_work.get("/api/v1/cases/")
    assert response.status_code == 401
    assert "detail" in json.loads(response.content)


def test_a_session_without_a_login_time_counts_as_expired(at_work: Client) -> None:
    session = at_work.session
    del session[LOGIN_AT]
    session.save()
    assert not is_logged_in(at_work)


def test_a_disabled_account_is_logged_out_on_its_next_request(log_in, personas: Personas) -> None:
    client = log_in(personas.professional)
    assert is_logged_in(client)
    personas.professional.is_active = False
    personas.professional.save(update_fields=["is_active"])
    response = client.get(reverse("cases:caseload"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))

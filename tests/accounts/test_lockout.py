import re
from datetime import UTC, datetime, timedelta

import pytest
from django.conf import settings
from django.http import HttpResponse
from django.test import Client, RequestFactory, override_settings
from django.urls import reverse
from time_machine import TimeMachineFixture

from accounts.client_ip import client_ip_address
from accounts.forms import LOGIN_FAILED
from tests.accounts.conftest import AppUser, post_password
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

OFFICE = "192.0.2.10"
ELSEWHERE = "198.51.100.7"


def fail(client: Client, username: str, times: int, address: str = OFFICE) -> None:
    for _ in range(times):
        response = post_password(client, username, "wrong password", REMOTE_ADDR=address)
        assert response.status_code == 200


def answer(client: Client, username: str, password: str = PASSWORD, address: str = OFFICE) -> HttpResponse:
    return post_password(client, username, password, REMOTE_ADDR=address)


def page_without_tokens(response: HttpResponse, username: str) -> str:
    """The page as a person sees it: CSRF tokens (masked anew each time) and the typed username left out."""
    return re.sub(r'(csrfmiddlewaretoken" value="|X-CSRFToken": ")[^"]+', "", response.content.decode()).replace(
        username, "USERNAME"
    )


def test_after_the_failure_limit_even_the_right_password_is_refused_with_the_usual_message(
    client: Client, app_user: AppUser
) -> None:
    fail(client, "prof-a", settings.AXES_FAILURE_LIMIT)

    response = answer(client, "prof-a")

    assert response.status_code == 200
    assert [str(e) for e in response.context["form"].non_field_errors()] == [str(LOGIN_FAILED)]
    assert "_auth_user_id" not in client.session


def test_the_attempt_that_reaches_the_limit_looks_like_any_other_failure(client: Client, app_user: AppUser) -> None:
    fail(client, "prof-a", settings.AXES_FAILURE_LIMIT - 1)
    ordinary = answer(client, "someone-else", "wrong password")
    locking = answer(client, "prof-a", "wrong password")
    assert locking.status_code == ordinary.status_code == 200
    assert page_without_tokens(locking, "prof-a") == page_without_tokens(ordinary, "someone-else")


def test_one_failure_fewer_than_the_limit_still_lets_the_right_password_in(client: Client, app_user: AppUser) -> None:
    fail(client, "prof-a", settings.AXES_FAILURE_LIMIT - 1)
    assert answer(client, "prof-a").status_code == 302


def test_an_unknown_username_is_locked_out_like_a_known_one(client: Client, app_user: AppUser) -> None:
    fail(client, "nobody-has-this-name", settings.AXES_FAILURE_LIMIT)
    response = answer(client, "nobody-has-this-name", "anything")
    assert response.status_code == 200
    assert [str(e) for e in response.context["form"].non_field_errors()] == [str(LOGIN_FAILED)]


def test_the_lockout_ends_after_the_cool_off(
    client: Client, app_user: AppUser, time_machine: TimeMachineFixture
) -> None:
    time_machine.move_to(datetime(2026, 3, 2, 9, 0, tzinfo=UTC), tick=False)
    fail(client, "prof-a", settings.AXES_FAILURE_LIMIT)

    time_machine.shift(settings.AXES_COOLOFF_TIME - timedelta(seconds=1))
    assert answer(client, "prof-a").status_code == 200  # still locked (and the attempt extends the lock)

    time_machine.shift(settings.AXES_COOLOFF_TIME + timedelta(seconds=1))
    response = answer(client, "prof-a")
    assert response.status_code == 302 and response["Location"] == reverse("login_verify")


def test_a_lockout_holds_for_that_address_only(client: Client, app_user: AppUser) -> None:
    """Someone typing wrong passwords for a colleague elsewhere cannot lock the colleague out."""
    fail(client, "prof-a", settings.AXES_FAILURE_LIMIT, address=ELSEWHERE)
    assert answer(client, "prof-a", address=ELSEWHERE).status_code == 200
    assert answer(client, "prof-a", address=OFFICE).status_code == 302


def test_failures_for_different_users_from_one_office_do_not_add_up(client: Client, app_user: AppUser) -> None:
    """A town hall behind one address: colleagues' typos do not lock each other out."""
    for number in range(settings.AXES_FAILURE_LIMIT * 2):
        answer(client, f"colleague-{number}", "wrong password")
    assert answer(client, "prof-a").status_code == 302


@pytest.mark.parametrize(
    "proxies, forwarded, expected",
    [
        (0, "203.0.113.9", OFFICE),  # no proxy: a client-written header is ignored
        (1, "203.0.113.9", "203.0.113.9"),
        (1, "6.6.6.6, 203.0.113.9", "203.0.113.9"),  # the client made up the first entry
        (2, "6.6.6.6, 203.0.113.9, 10.0.0.2", "203.0.113.9"),
        (2, "203.0.113.9", OFFICE),  # fewer entries than proxies: not through our proxies
    ],
)
def test_the_client_address_believes_only_our_own_proxies(proxies: int, forwarded: str, expected: str) -> None:
    request = RequestFactory().post("/inloggen/", REMOTE_ADDR=OFFICE, HTTP_X_FORWARDED_FOR=forwarded)
    with override_settings(WIJKTEAM_TRUSTED_PROXY_COUNT=proxies):
        assert client_ip_address(request) == expected


def test_the_lockout_answer_without_the_login_pages_own_answer_still_reads_as_a_failed_login() -> None:
    """django-axes' async path does not hand over the login page's response."""
    from accounts.views import locked_out

    request = RequestFactory().post("/inloggen/", {"username": "prof-a", "password": "x"})
    response = locked_out(request, {"username": "prof-a"})  # type: ignore[arg-type]
    assert response.status_code == 200
    assert str(LOGIN_FAILED)[:30] in response.content.decode()

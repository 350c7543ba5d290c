import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.test import Client
from django.urls import reverse

from accounts.forms import LOGIN_FAILED
from tests.accounts.conftest import AppUser, post_password, session_key
from tests.conftest import PASSWORD, Personas

pytestmark = pytest.mark.django_db


def test_the_right_password_leads_to_the_code_step_and_no_further(client: Client, app_user: AppUser) -> None:
    response = post_password(client, "prof-a")
    assert response.status_code == 302
    assert response["Location"] == reverse("login_verify")
    assert client.get(reverse("home"))["Location"].startswith(reverse("login_verify"))


def test_a_user_without_an_authenticator_app_is_sent_to_link_one(client: Client, personas: Personas) -> None:
    response = post_password(client, "prof-a")
    assert response["Location"] == reverse("login_enrol")


def test_the_page_asked_for_is_carried_to_the_second_step(client: Client, app_user: AppUser) -> None:
    response = client.post(reverse("login"), {"username": "prof-a", "password": PASSWORD, "next": "/beheer/"})
    assert response["Location"] == reverse("login_verify") + "?next=%2Fbeheer%2F"


def test_a_next_url_to_another_site_is_dropped(client: Client, app_user: AppUser) -> None:
    response = client.post(
        reverse("login"),
        {"username": "prof-a", "password": PASSWORD, "next": "https://evil.example/"},
    )
    assert response["Location"] == reverse("login_verify")


@pytest.mark.parametrize(
    "username, password",
    [("prof-a", "wrong password"), ("nobody-has-this-name", "wrong password"), ("disabled", PASSWORD)],
    ids=["wrong password", "unknown user", "disabled account"],
)
def test_every_failed_login_gets_the_same_answer(
    client: Client, personas: Personas, username: str, password: str
) -> None:
    personas.outsider.username = "disabled"
    personas.outsider.is_active = False
    personas.outsider.save()

    response = post_password(client, username, password)

    assert response.status_code == 200
    assert [str(error) for error in response.context["form"].non_field_errors()] == [str(LOGIN_FAILED)]
    assert "_auth_user_id" not in client.session


def test_the_password_step_gives_the_session_a_new_key(client: Client, app_user: AppUser) -> None:
    before = SessionStore()
    before["seen"] = True
    before.create()
    client.cookies["sessionid"] = before.session_key

    post_password(client, "prof-a")

    assert session_key(client) not in {None, before.session_key}
    assert not SessionStore().exists(before.session_key)


def test_a_verified_user_visiting_the_login_page_goes_on(log_in, personas: Personas) -> None:
    client = log_in(personas.professional)
    response = client.get(reverse("login"))
    assert response.status_code == 302 and response["Location"] == reverse("home")


def test_a_half_logged_in_user_visiting_the_login_page_goes_to_the_code_step(after_password: Client) -> None:
    response = after_password.get(reverse("login"))
    assert response["Location"] == reverse("login_verify")

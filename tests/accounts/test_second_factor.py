"""Nothing behind the login opens on a password alone."""

import json
from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.test import Client
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice
from time_machine import TimeMachineFixture

from accounts.admin_site import VerifiedAdminSite
from tests.accounts.conftest import AppUser, code_for, post_password, session_key
from tests.conftest import Personas

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", ["/", "/beheer/", "/beheer/organisations/team/", "/a-page-written-later/"])
def test_every_page_behind_the_password_redirects_to_the_code_step(after_password: Client, path: str) -> None:
    response = after_password.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login_verify") + "?next=")


def test_a_post_before_the_code_is_refused_and_not_carried_out(after_password: Client) -> None:
    response = after_password.post("/beheer/organisations/team/add/", {"name": "Nieuw team"})
    assert response.status_code == 302 and response["Location"] == reverse("login_verify")


def test_an_api_request_before_the_code_gets_403_json_not_a_redirect(after_password: Client) -> None:
    response = after_password.get("/api/v1/cases/")
    assert response.status_code == 403
    assert response["Content-Type"] == "application/json"
    assert "detail" in json.loads(response.content)


def test_an_htmx_request_before_the_code_is_told_to_load_the_code_step(after_password: Client) -> None:
    response = after_password.get("/", headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert response["HX-Redirect"].startswith(reverse("login_verify"))


def test_the_admin_site_refuses_a_staff_member_who_has_not_given_the_code(personas: Personas, rf) -> None:
    request = rf.get("/beheer/")
    request.user = personas.administrator
    request.user.is_verified = lambda: False
    assert not VerifiedAdminSite().has_permission(request)
    request.user.is_verified = lambda: True
    assert VerifiedAdminSite().has_permission(request)


def test_the_admin_has_no_login_form_of_its_own(client: Client) -> None:
    response = client.get(reverse("admin:login"), {"next": "/beheer/"})
    assert response.status_code == 302
    assert response["Location"] == reverse("login") + "?next=/beheer/"


def test_a_verified_user_without_staff_rights_is_refused_by_the_admin(log_in, personas: Personas) -> None:
    client = log_in(personas.professional)
    assert client.get("/beheer/", follow=True).status_code == 403


@pytest.mark.parametrize("name", ["login", "login_verify", "healthz", "readyz"])
def test_the_login_steps_and_health_probes_stay_open_before_the_code(after_password: Client, name: str) -> None:
    response = after_password.get(reverse(name))
    assert response.status_code in {200, 302}
    assert not response.get("Location", "").startswith(reverse("login_verify") + "?next=")


def test_logout_and_the_language_switch_work_before_the_code(after_password: Client) -> None:
    response = after_password.post(reverse("set_language"), {"language": "en", "next": reverse("login_verify")})
    assert response["Location"] == reverse("login_verify")
    assert after_password.post(reverse("logout")).status_code == 302
    assert "_auth_user_id" not in after_password.session


def test_the_right_code_opens_the_page_asked_for(client: Client, app_user: AppUser) -> None:
    wanted = "/casussen/?sorteer=status"
    client.post(reverse("login"), {"username": "prof-a", "password": "correct horse battery staple", "next": wanted})
    response = client.post(
        reverse("login_verify") + "?next=%2Fcasussen%2F%3Fsorteer%3Dstatus", {"token": code_for(app_user.device)}
    )
    assert response.status_code == 302 and response["Location"] == wanted
    assert client.get(wanted).status_code == 200


def test_the_code_step_gives_the_session_a_new_key(after_password: Client, app_user: AppUser) -> None:
    before = session_key(after_password)
    after_password.post(reverse("login_verify"), {"token": code_for(app_user.device)})
    after = session_key(after_password)
    assert after not in {None, before}
    assert not SessionStore().exists(before)
    assert SessionStore(session_key=after)[DEVICE_ID_SESSION_KEY] == app_user.device.persistent_id


def test_a_wrong_code_is_explained_next_to_the_field_and_opens_nothing(
    after_password: Client, app_user: AppUser
) -> None:
    wrong = f"{(int(code_for(app_user.device)) + 1) % 1_000_000:06d}"
    response = after_password.post(reverse("login_verify"), {"token": wrong})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="id_token_error"' in html and 'aria-invalid="true"' in html
    assert "Deze code klopt niet" in html
    assert after_password.get(reverse("home")).status_code == 302


def test_a_code_that_is_not_six_digits_is_explained(after_password: Client) -> None:
    response = after_password.post(reverse("login_verify"), {"token": "12ab"})
    assert "Voer de 6 cijfers uit uw authenticator-app in." in response.content.decode()


def test_a_code_cannot_be_used_twice(client: Client, app_user: AppUser, time_machine: TimeMachineFixture) -> None:
    time_machine.move_to(datetime(2026, 3, 2, 9, 0, 5, tzinfo=UTC), tick=False)
    code = code_for(app_user.device)
    post_password(client, "prof-a")
    assert client.post(reverse("login_verify"), {"token": code}).status_code == 302

    other = Client()
    post_password(other, "prof-a")
    response = other.post(reverse("login_verify"), {"token": code})
    assert response.status_code == 200 and "Deze code klopt niet" in response.content.decode()


def test_wrong_codes_make_the_code_step_wait_longer_each_time(
    after_password: Client, app_user: AppUser, time_machine: TimeMachineFixture
) -> None:
    time_machine.move_to(datetime(2026, 3, 2, 9, 0, 5, tzinfo=UTC), tick=False)
    for _ in range(4):  # waits of 1, 2, 4, then 8 seconds
        after_password.post(reverse("login_verify"), {"token": "000000"})
        time_machine.shift(timedelta(seconds=10))
    after_password.post(reverse("login_verify"), {"token": "000000"})

    time_machine.shift(timedelta(seconds=15))  # less than the 16 seconds now due
    response = after_password.post(reverse("login_verify"), {"token": code_for(app_user.device)})
    assert response.status_code == 200
    assert "Te veel verkeerde codes" in response.content.decode()

    time_machine.shift(timedelta(seconds=2))
    response = after_password.post(reverse("login_verify"), {"token": code_for(app_user.device)})
    assert response.status_code == 302


def test_the_code_step_sends_a_user_without_an_app_to_link_one(client: Client, personas: Personas) -> None:
    post_password(client, "prof-a")
    assert client.get(reverse("login_verify"))["Location"] == reverse("login_enrol")


def test_the_code_step_is_not_for_anonymous_visitors(client: Client) -> None:
    response = client.get(reverse("login_verify"))
    assert response.status_code == 302 and response["Location"] == reverse("login") + "?next=/"


def test_removing_a_users_app_ends_the_verification_of_their_sessions(log_in, personas: Personas) -> None:
    """The administrator's answer to a lost phone: the next request goes to linking a new app."""
    client = log_in(personas.professional)
    TOTPDevice.objects.filter(user=personas.professional).delete()
    response = client.get(reverse("cases:caseload"))
    assert response["Location"].startswith(reverse("login_enrol"))


def test_the_admin_never_shows_the_key_of_a_linked_app(log_in, app_user: AppUser) -> None:
    from tests.organisations.factories import UserFactory

    client = log_in(UserFactory(is_staff=True, is_superuser=True))
    url = reverse("admin:otp_totp_totpdevice_change", args=[app_user.device.pk])
    html = client.get(url).content.decode()
    assert client.get(url).status_code == 200
    assert app_user.device.key not in html

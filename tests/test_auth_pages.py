import pytest
from django.test import Client
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.conftest import PASSWORD, Personas

pytestmark = pytest.mark.django_db


def test_the_login_page_is_dutch_by_default(client: Client) -> None:
    response = client.get(reverse("login"))
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="nl"' in html
    assert "Inloggen" in html and "Gebruikersnaam" in html and "Wachtwoord" in html


def test_the_login_page_is_available_in_english(client: Client) -> None:
    response = client.get(reverse("login"), headers={"accept-language": "en"})
    html = response.content.decode()
    assert '<html lang="en"' in html and "Log in" in html


def test_anonymous_visitors_are_sent_to_the_login_page(client: Client) -> None:
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_a_wrong_password_shows_a_clear_message_and_keeps_the_username(client: Client, personas: Personas) -> None:
    response = client.post(reverse("login"), {"username": "prof-a", "password": "wrong"})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'role="alert"' in html
    assert "Voer een juiste gebruikersnaam en wachtwoord in" in html
    assert 'value="prof-a"' in html


def test_a_professional_logs_in_and_sees_their_team(client: Client, personas: Personas) -> None:
    device = TOTPDevice.objects.create(user=personas.professional, name="app", confirmed=True)
    response = client.post(reverse("login"), {"username": "prof-a", "password": PASSWORD})
    assert response["Location"] == reverse("login_verify")
    response = client.post(reverse("login_verify"), {"token": f"{totp(device.bin_key):06d}"}, follow=True)
    # Every role lands on Vandaag.
    assert [url for url, _status in response.redirect_chain][-1:] == [reverse("home")]
    html = response.content.decode()
    assert "Wijkteam Noord" in html and "Wijkteam Zuid" not in html


def test_the_home_page_uses_a_constant_number_of_queries(
    log_in, personas: Personas, django_assert_max_num_queries
) -> None:
    from tests.organisations.factories import TeamMembershipFactory

    # A role without casework keeps the home page (professionals go on to their caseload).
    client = log_in(personas.bureau)
    with django_assert_max_num_queries(6):
        client.get(reverse("home"))
    for _ in range(5):
        TeamMembershipFactory(user=personas.bureau)
    with django_assert_max_num_queries(6):
        response = client.get(reverse("home"))
    assert response.content.decode().count("<li>") >= 6

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


def test_an_english_browser_still_gets_the_dutch_login_page(client: Client) -> None:
    """Issue 15: Dutch whatever the browser's language; English only by choice."""
    response = client.get(reverse("login"), headers={"accept-language": "en-GB,en;q=0.9"})
    assert '<html lang="nl"' in response.content.decode()


def test_the_login_page_is_available_in_english_by_choice(client: Client) -> None:
    client.post(reverse("set_language"), {"language": "en", "next": reverse("login")})
    response = client.get(reverse("login"), headers={"accept-language": "nl"})
    html = response.content.decode()
    assert '<html lang="en"' in html and "Log in" in html


def test_the_choice_of_english_is_remembered_for_the_user_on_another_device(log_in, personas: Personas) -> None:
    client = log_in(personas.professional)
    client.post(reverse("set_language"), {"language": "en"})
    personas.professional.refresh_from_db()
    assert personas.professional.language == "en"
    client.cookies.clear()  # another device: no session, no language cookie
    log_in(personas.professional)
    html = client.get(reverse("home"), follow=True, headers={"accept-language": "nl"}).content.decode()
    assert '<html lang="en"' in html
    # And back to Dutch, remembered as well.
    client.post(reverse("set_language"), {"language": "nl"})
    personas.professional.refresh_from_db()
    assert personas.professional.language == "nl"


def test_a_language_not_offered_is_not_stored(log_in, personas: Personas) -> None:
    log_in(personas.professional).post(reverse("set_language"), {"language": "fr"})
    personas.professional.refresh_from_db()
    assert personas.professional.language == ""


def test_a_role_without_access_gets_a_dutch_403_page(log_in, personas: Personas) -> None:
    response = log_in(personas.professional).get(reverse("privacy:requests"))
    assert response.status_code in (403, 404)
    html = response.content.decode()
    assert '<html lang="nl"' in html and ("Geen toegang" in html or "Pagina niet gevonden" in html)
    assert "Forbidden" not in html and "Not Found" not in html


def test_an_unknown_page_is_a_dutch_404(log_in, personas: Personas) -> None:
    response = log_in(personas.professional).get("/bestaat-niet/")
    assert response.status_code == 404
    assert "Pagina niet gevonden" in response.content.decode()


def test_the_500_and_csrf_pages_are_dutch_and_stand_alone() -> None:
    from django.template.loader import render_to_string
    from django.utils import translation

    with translation.override("nl"):
        assert "Er ging iets mis" in render_to_string("500.html")
        assert "Het formulier kon niet worden verstuurd" in render_to_string("403_csrf.html")


def test_a_post_without_csrf_token_gets_the_dutch_page(personas: Personas) -> None:
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("login"), {"username": "prof-a", "password": PASSWORD})
    assert response.status_code == 403
    assert "Het formulier kon niet worden verstuurd" in response.content.decode()


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
    # Home leads casework roles on to their caseload.
    assert [url for url, _status in response.redirect_chain][-2:] == [reverse("home"), reverse("cases:caseload")]
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

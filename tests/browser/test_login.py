import pytest

from tests.browser.conftest import assert_accessible
from tests.conftest import PASSWORD, Personas

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_professional_logs_in_and_reaches_their_caseload(page, personas: Personas) -> None:
    page.goto("/")
    assert page.url.endswith("/inloggen/?next=/")
    assert page.locator("h1").inner_text() == "Inloggen"
    assert_accessible(page)

    page.get_by_label("Gebruikersnaam").fill("prof-a")
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Inloggen").click()

    page.wait_for_url("**/casussen/")
    assert page.locator("h1").inner_text() == "Mijn caseload"
    assert page.get_by_text("Wijkteam Noord").is_visible()
    assert_accessible(page)


def test_a_wrong_password_is_announced_next_to_the_form_and_keeps_the_username(page, personas: Personas) -> None:
    page.goto("/inloggen/")
    page.get_by_label("Gebruikersnaam").fill("prof-a")
    page.get_by_label("Wachtwoord").fill("niet-goed")
    page.get_by_role("button", name="Inloggen").click()
    alert = page.get_by_role("alert")
    assert "juiste gebruikersnaam" in alert.inner_text()
    assert page.get_by_label("Gebruikersnaam").input_value() == "prof-a"
    assert_accessible(page)

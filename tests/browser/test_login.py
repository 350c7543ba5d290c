import base64
import re

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from tests.browser.conftest import assert_accessible, assert_reflows
from tests.conftest import PASSWORD, Personas

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def watch_for_csp_violations(page) -> list[str]:  # type: ignore[no-untyped-def]
    """Chromium reports every blocked inline script or style on the console."""
    violations: list[str] = []
    page.on(
        "console",
        lambda message: violations.append(message.text) if "Content Security Policy" in message.text else None,
    )
    return violations


def test_a_professional_logs_in_with_password_and_code_and_reaches_vandaag(page, personas: Personas) -> None:
    device = TOTPDevice.objects.create(user=personas.professional, name="app", confirmed=True)
    violations = watch_for_csp_violations(page)
    page.goto("/")
    assert page.url.endswith("/inloggen/?next=/")
    assert page.locator("h1").inner_text() == "Inloggen"
    assert_accessible(page)

    page.get_by_label("Gebruikersnaam").fill("prof-a")
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Inloggen").click()

    page.wait_for_url(re.compile(r"/inloggen/verificatie/\?next=%2F$"))
    assert page.locator("h1").inner_text() == "Voer uw code in"
    assert_accessible(page)
    page.get_by_role("textbox", name="Code", exact=True).fill(f"{totp(device.bin_key):06d}")
    page.get_by_role("button", name="Verder").click()

    page.wait_for_url(lambda url: url.endswith("/") and "/inloggen/" not in url)
    assert page.locator("h1").inner_text() == "Vandaag"
    expect(page.get_by_text("Wijkteam Noord")).to_be_visible()
    assert_accessible(page)
    assert violations == []


def test_a_wrong_code_is_announced_next_to_the_field(page, personas: Personas) -> None:
    TOTPDevice.objects.create(user=personas.professional, name="app", confirmed=True)
    page.goto("/inloggen/")
    assert_reflows(page)
    page.get_by_label("Gebruikersnaam").fill("prof-a")
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    page.wait_for_url(re.compile(r"/inloggen/verificatie/$"))
    page.get_by_role("textbox", name="Code", exact=True).fill("12345")
    page.get_by_role("button", name="Verder").click()

    field = page.get_by_role("textbox", name="Code", exact=True)
    assert field.get_attribute("aria-invalid") == "true"
    error_id = next(i for i in field.get_attribute("aria-describedby").split() if i.endswith("_error"))
    assert "Voer de 6 cijfers" in page.locator(f"#{error_id}").inner_text()
    assert_accessible(page)


def test_a_new_professional_links_an_authenticator_app_by_qr_code_or_typed_key(page, personas: Personas) -> None:
    violations = watch_for_csp_violations(page)
    page.goto("/inloggen/")
    assert_reflows(page)
    page.get_by_label("Gebruikersnaam").fill("prof-a")
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Inloggen").click()

    page.wait_for_url(re.compile(r"/inloggen/koppelen/$"))
    assert page.locator("h1").inner_text() == "Koppel uw authenticator-app"
    expect(page.get_by_role("img", name="QR-code om te scannen met uw authenticator-app")).to_be_visible()
    assert_accessible(page)
    secret = page.locator(".totp-secret").inner_text().replace(" ", "")
    page.get_by_role("textbox", name="Code", exact=True).fill(f"{totp(base64.b32decode(secret)):06d}")
    page.get_by_role("button", name="App koppelen en verder").click()

    page.wait_for_url("**/")
    assert "gekoppeld" in page.get_by_role("status").inner_text()
    assert_reflows(page)
    assert TOTPDevice.objects.get(user=personas.professional).confirmed
    assert violations == []


def test_a_wrong_password_is_announced_next_to_the_form_and_keeps_the_username(page, personas: Personas) -> None:
    page.goto("/inloggen/")
    page.get_by_label("Gebruikersnaam").fill("prof-a")
    page.get_by_label("Wachtwoord").fill("niet-goed")
    page.get_by_role("button", name="Inloggen").click()
    alert = page.get_by_role("alert")
    assert "juiste gebruikersnaam" in alert.inner_text()
    assert page.get_by_label("Gebruikersnaam").input_value() == "prof-a"
    assert_accessible(page)

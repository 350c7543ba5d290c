import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import ApiToken
from tests.browser.conftest import assert_accessible, log_in_browser
from tests.conftest import PASSWORD, Personas

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_professional_makes_a_token_sees_it_once_and_revokes_it(page, personas: Personas) -> None:
    log_in_browser(page, personas.professional, PASSWORD)
    page.get_by_role("link", name="API-sleutels").click()
    assert page.locator("h1").inner_text() == "API-sleutels"
    assert_accessible(page)

    page.get_by_label("Naam").fill("Rapportage")
    page.get_by_label("Geldig tot en met").fill("2099-01-01")
    page.get_by_role("button", name="Sleutel maken").click()
    expect(page.get_by_text("Een sleutel is hooguit een jaar geldig.", exact=True)).to_be_visible()
    assert page.get_by_label("Naam").input_value() == "Rapportage"
    assert_accessible(page)

    page.get_by_label("Geldig tot en met").fill((timezone.localdate() + datetime.timedelta(days=7)).isoformat())
    page.get_by_role("button", name="Sleutel maken").click()
    secret = page.get_by_label("Sleutel", exact=True).input_value()
    token = ApiToken.objects.get()
    assert secret.startswith(token.prefix)
    assert_accessible(page)

    page.get_by_role("button", name=re.compile(r"^Intrekken.*sleutel Rapportage$")).click()
    expect(page.get_by_text("De sleutel “Rapportage” is ingetrokken.")).to_be_visible()
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert secret not in page.content()
    assert_accessible(page)

"""The team lead's settings page in Chromium: reached from the menu, keyboard-usable radio buttons,
a confirmation that names what is in force, axe-core before and after."""

import pytest
from playwright.sync_api import expect

from organisations.models import Team
from tests.browser.conftest import assert_accessible, log_in_browser
from tests.conftest import PASSWORD, Personas

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_lead_leaves_paying_to_the_lead_from_the_settings_page(page, personas: Personas) -> None:
    log_in_browser(page, personas.team_lead, PASSWORD)
    page.get_by_role("navigation", name="Hoofdnavigatie").get_by_role("link", name="Teaminstellingen").click()
    page.wait_for_url("**/team/instellingen/")
    expect(page.get_by_role("heading", name=personas.team_a.name)).to_be_visible()
    assert page.get_by_label("elke professional van het team").is_checked()
    assert_accessible(page)

    page.get_by_label("alleen de teamleider").check()
    page.get_by_role("button", name=f"Opslaan — {personas.team_a.name}").click()
    page.wait_for_load_state()
    confirmation = page.locator(".messages[role=status]").inner_text()
    assert "worden nu uit een stroom betaald door alleen de teamleider" in confirmation
    assert page.get_by_label("alleen de teamleider").is_checked()
    assert "Laatst gewijzigd op" in page.content()
    assert_accessible(page)
    personas.team_a.refresh_from_db()
    assert personas.team_a.allocated_by == Team.AllocatedBy.TEAM_LEAD

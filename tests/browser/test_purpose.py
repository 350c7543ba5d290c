"""The reason a team lead gives before opening a household they do not work on, in Chromium with axe-core."""

import pytest
from django.db import transaction
from playwright.sync_api import expect

from tests.browser.conftest import assert_accessible, assert_reflows, log_in_browser
from tests.cases.factories import CaseFactory
from tests.conftest import PASSWORD, Personas

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_team_lead_gives_a_reason_once_in_an_accessible_form(page, personas: Personas) -> None:
    with transaction.atomic():
        case = CaseFactory(team=personas.team_a, reference="WT-BROWSER2")
    log_in_browser(page, personas.team_lead, PASSWORD)
    page.goto(f"/huishoudens/{case.household.uuid}/")
    expect(page.get_by_role("heading", name="Waarom opent u dit huishouden?")).to_be_visible()
    assert_accessible(page)

    page.get_by_label("Een andere reden").check()
    page.get_by_role("button", name="Huishouden openen").click()
    error = page.locator("#id_explanation_error")
    expect(error).to_be_visible()
    assert "Zeg kort waarom" in error.inner_text()
    assert page.get_by_label("Een andere reden").is_checked()  # what was chosen stays
    assert_accessible(page)

    page.get_by_label("Toelichting").fill("Overdracht na ziekte van de regisseur")
    page.get_by_role("button", name="Huishouden openen").click()
    assert page.get_by_role("heading", name="Waarom opent u dit huishouden?").count() == 0
    assert page.url.endswith(f"/huishoudens/{case.household.uuid}/")
    assert_reflows(page)
    page.goto(f"/huishoudens/{case.household.uuid}/")  # not asked again in this session
    assert page.get_by_role("heading", name="Waarom opent u dit huishouden?").count() == 0

"""The register walk in Chromium: the team lead writes a note for the bureau (a name is refused next to the
field), the bureau is notified, reads the note, filters the register and exports it; axe-core on every page."""

import pytest
from django.db import transaction
from playwright.sync_api import expect

from funding import services
from tests.browser.conftest import assert_accessible, assert_reflows, log_in_browser
from tests.cases.factories import ActionFactory, CaseFactory, MembershipFactory, PersonFactory
from tests.conftest import PASSWORD, Personas
from tests.funding.factories import BlockageFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NOTE = "De Wmo-verordening sluit gezinsbegeleiding uit; graag een besluit over maatwerk."


def log_in(page, username: str) -> None:
    from organisations.models import User

    log_in_browser(page, User.objects.get(username=username), PASSWORD)


@pytest.fixture
def blockage(personas: Personas):
    with transaction.atomic():
        case = CaseFactory(team=personas.team_a, reference="WT-WALK0001")
        person = PersonFactory(first_name="Noor", last_name="Bakker")
        MembershipFactory(household=case.household, person=person)
        blockage = BlockageFactory(action=ActionFactory(case=case, beneficiary=person), opened_by=personas.professional)
        services.blockage_escalate(blockage=blockage, by=personas.professional, note="")
    return blockage


def test_the_bureau_is_told_reads_the_note_filters_and_exports(page, personas: Personas, blockage) -> None:
    log_in(page, "lead-a")
    page.goto(f"/financiering/knelpunten/{blockage.uuid}/")
    note = page.get_by_label("Toelichting voor het volgende niveau")
    assert "programmabureau" in page.locator("#id_escalate-note_helptext").inner_text()
    note.fill("Noor wacht al maanden")
    page.get_by_role("button", name="Eén niveau hoger leggen").click()
    assert "Noor" in page.locator("#id_escalate-note_error").inner_text()
    assert note.input_value() == "Noor wacht al maanden"
    assert_accessible(page)
    note.fill(NOTE)
    page.get_by_role("button", name="Eén niveau hoger leggen").click()
    assert page.get_by_role("status").inner_text().startswith("Het knelpunt is hoger gelegd")
    page.get_by_role("button", name="Uitloggen").click()

    log_in(page, "bureau")
    count = page.locator("#notification-count")
    count.wait_for()
    assert count.inner_text().startswith("1")
    page.get_by_role("link", name="Meldingen").click()
    assert_accessible(page)
    page.get_by_role("link", name="WT-WALK0001").click()
    expect(page.get_by_role("cell", name=NOTE)).to_be_visible()
    assert "Bakker" not in page.content() and "Noor" not in page.content()
    assert_accessible(page)

    page.goto("/financiering/register/")
    assert_reflows(page)
    page.get_by_label("Ligt bij").select_option("programme_bureau")
    page.get_by_role("button", name="Tonen").click()
    expect(page.get_by_role("link", name="WT-WALK0001")).to_be_visible()
    assert page.locator('[data-total="cases"]').inner_text() == "<5"
    assert_accessible(page)
    page.get_by_role("button", name="Exporteren als CSV").click()
    page.wait_for_url("**/mijn-exports/")
    expect(page.get_by_text("knelpuntenregister").first).to_be_visible()
    assert_reflows(page)

"""The funding screens in Chromium, with axe-core on every page: the team's blockage, the bureau's register,
the audit, and the spend upload with its progress."""

import datetime
from decimal import Decimal

import pytest
from django.db import transaction
from playwright.sync_api import expect

from funding.models import Silo
from tests.browser.conftest import assert_accessible, assert_reflows, log_in_browser
from tests.cases.factories import ActionFactory, CaseFactory, MembershipFactory, PersonFactory
from tests.conftest import PASSWORD, Personas
from tests.funding.factories import AllocationFactory, BlockageFactory, SpendFactory, StreamFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page, username: str) -> None:
    from organisations.models import User

    log_in_browser(page, User.objects.get(username=username), PASSWORD)


@pytest.fixture
def scene(personas: Personas):
    with transaction.atomic():
        case = CaseFactory(team=personas.team_a, reference="WT-BROWSER1")
        person = PersonFactory(first_name="Noor", last_name="Bakker")
        MembershipFactory(household=case.household, person=person)
        action = ActionFactory(case=case, description="Begeleiding bij schulden", beneficiary=person)
        stream = StreamFactory(silo=Silo.objects.get(code="wmo"), municipality=personas.team_a.municipality)
        allocation = AllocationFactory(action=action, stream=stream, amount=Decimal("600"))
        SpendFactory(allocation=allocation, month=datetime.date(2025, 4, 1))
        blockage = BlockageFactory(action=action, opened_by=personas.professional, rule="Art. 2.3 Wmo-verordening")
    return blockage


def test_the_team_lead_escalates_a_blockage_from_the_list(page, personas: Personas, scene) -> None:
    log_in(page, "lead-a")
    page.get_by_role("link", name="Knelpunten", exact=True).click()
    assert page.locator("h1").inner_text() == "Knelpunten van mijn teams"
    assert_accessible(page)
    page.get_by_role("link", name="Een andere regel (met de hand gemeld)").click()
    expect(page.get_by_text("Begeleiding bij schulden")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Toelichting voor het volgende niveau").fill("Graag meedenken")
    page.get_by_role("button", name="Eén niveau hoger leggen").click()
    assert page.get_by_role("status").inner_text().startswith("Het knelpunt is hoger gelegd")
    expect(page.get_by_role("cell", name="Graag meedenken")).to_be_visible()
    assert_accessible(page)


def test_a_resolution_without_explanation_is_refused_next_to_the_field(page, personas: Personas, scene) -> None:
    log_in(page, "lead-a")
    page.goto(f"/financiering/knelpunten/{scene.uuid}/")
    assert_reflows(page)
    page.get_by_role("button", name="Vastleggen als opgelost").click()
    error = page.locator("#id_resolve-note_error")
    expect(error).to_be_visible()
    assert page.locator("#id_resolve-note").get_attribute("aria-invalid") == "true"
    assert "id_resolve-note_error" in page.locator("#id_resolve-note").get_attribute("aria-describedby")
    assert_accessible(page)


def test_the_bureau_reads_the_register_and_the_household_page_without_names(page, personas: Personas, scene) -> None:
    log_in(page, "bureau")
    page.get_by_role("link", name="Knelpuntenregister", exact=True).click()
    expect(page.get_by_role("link", name="WT-BROWSER1")).to_be_visible()
    assert "Bakker" not in page.content()
    assert_accessible(page)
    page.get_by_role("link", name="WT-BROWSER1").click()
    assert "Begeleiding bij schulden" not in page.content()
    assert_accessible(page)


def test_the_auditor_reads_the_funding_flows_and_drills_down(page, personas: Personas, scene) -> None:
    from funding.summary import flow_cells_refresh

    flow_cells_refresh(municipality_id=personas.team_a.municipality_id)
    log_in(page, "auditor")
    page.get_by_role("link", name="Financieringsstromen").click()
    page.get_by_label("Jaar").select_option("2025")
    assert_reflows(page)
    page.get_by_role("button", name="Tonen").click()
    # The click starts a navigation; it does not wait for the new page (is_visible would not either).
    expect(page.get_by_role("table")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="casusnummers").first.click()
    expect(page.get_by_role("rowheader", name="WT-BROWSER1")).to_be_visible()
    assert_accessible(page)


def test_the_auditor_uploads_spend_and_sees_the_errors_by_line(page, personas: Personas, scene, tmp_path) -> None:
    path = tmp_path / "uitgaven.csv"
    path.write_text("allocation_reference,month,amount\nAL-ONBEKEND,2025-05,10.00\n")
    log_in(page, "auditor")
    page.get_by_role("link", name="Uitgaven inlezen").click()
    assert_accessible(page)
    page.get_by_label("Uitgavenbestand (CSV)").set_input_files(str(path))
    page.get_by_role("button", name="Uploaden en inlezen").click()
    page.wait_for_url("**/financiering/uitgaven/*/")
    expect(page.get_by_role("alert")).to_be_visible()
    expect(page.get_by_role("rowheader", name="2")).to_be_visible()
    assert_accessible(page)


def test_the_household_funding_partial_is_accessible(page, personas: Personas, scene) -> None:
    log_in(page, "prof-a")
    page.goto(f"/financiering/huishoudens/{scene.action.case.household.uuid}/")
    expect(page.get_by_text("Wmo 2015").first).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Knelpunt melden").first.click()
    page.get_by_role("button", name="Knelpunt melden").click()
    expect(page.locator("#id_rule_error")).to_be_visible()
    assert_accessible(page)


def test_the_household_page_shows_the_funding_panel_and_stays_accessible(page, personas: Personas, scene) -> None:
    log_in(page, "prof-a")
    page.goto(f"/huishoudens/{scene.action.case.household.uuid}/")
    page.get_by_role("link", name="Financiering", exact=True).click()
    panel = page.locator("#financiering")
    expect(panel.get_by_role("heading", name="Financiering", exact=True)).to_be_visible()
    expect(panel.get_by_role("rowheader", name="Begeleiding bij schulden").first).to_be_visible()
    expect(panel.get_by_text("1 open knelpunt")).to_be_visible()
    assert_accessible(page)

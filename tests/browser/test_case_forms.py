"""A professional registers a referral of a household of two, then draws up its plan, in Chromium."""

import pytest
from playwright.sync_api import expect

from cases.models import Case, PlanVersion
from tests.browser.conftest import assert_accessible, log_in_browser
from tests.conftest import PASSWORD, Personas
from tests.organisations.factories import NeighbourhoodFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_referral_with_two_members_and_then_its_plan(page, personas: Personas) -> None:
    buurt = NeighbourhoodFactory(name="Oude Noorden")
    personas.team_a.areas.add(buurt)

    log_in_browser(page, personas.professional, PASSWORD)

    page.get_by_role("link", name="Nieuwe aanmelding").click()
    page.wait_for_url("**/aanmeldingen/nieuw/")
    assert page.locator("h1").inner_text() == "Nieuwe aanmelding"
    assert_accessible(page)

    page.fill("#id_street", "Lindelaan")
    page.fill("#id_house_number", "12")
    page.fill("#id_city", "Teststad")
    page.select_option("#id_neighbourhood", label=str(buurt))
    page.fill("#id_members-0-first_name", "Fatima")
    page.fill("#id_members-0-last_name", "Bakker")
    page.fill("#id_members-0-bsn", "111222333")
    page.select_option("#id_members-0-role", "parent")

    # A second member, without JavaScript tricks: the page comes back with everything typed so far.
    page.get_by_role("button", name="Lid toevoegen").click()
    page.wait_for_selector("#id_members-1-first_name")
    assert page.input_value("#id_street") == "Lindelaan"
    assert page.input_value("#id_members-0-first_name") == "Fatima"
    expect(page.locator("#id_members-1-first_name")).to_be_focused()
    assert_accessible(page)

    page.fill("#id_members-1-first_name", "Sem")
    page.fill("#id_members-1-last_name", "Bakker")
    page.fill("#id_members-1-date_of_birth", "2015-05-17")
    page.select_option("#id_members-1-role", "child")
    page.select_option("#id_referral_source", "school")
    page.fill("#id_referral_reason", "Veel schoolverzuim, zorgen over schulden.")
    page.select_option("#id_legal_basis", "jeugdwet")

    # The postcode was forgotten: the message stands next to it and nothing else is lost.
    page.get_by_role("button", name="Aanmelding registreren").click()
    assert page.locator("#id_postcode_error").inner_text() == "Dit veld is vereist."
    assert page.get_attribute("#id_postcode", "aria-invalid") == "true"
    assert page.input_value("#id_members-1-first_name") == "Sem"
    assert_accessible(page)
    assert not Case.objects.exists()

    page.fill("#id_postcode", "1234 AB")
    page.get_by_role("button", name="Aanmelding registreren").click()
    page.wait_for_url("**/huishoudens/**")
    case = Case.objects.get()
    assert f"Aanmelding geregistreerd als casus {case.reference}" in page.locator(".messages").inner_text()
    assert_accessible(page)

    page.get_by_role("link", name="Plan bewerken").click()
    page.wait_for_url("**/plan/")
    assert page.locator("h1").inner_text() == "Gezinsplan bewerken"
    assert_accessible(page)
    page.get_by_label("het eigen plan van het huishouden (familiegroepsplan)").check()
    page.fill("#id_summary", "Het gezin wil rust en overzicht.")
    page.select_option("#id_goals-0-theme", label="Werk & inkomen")
    page.fill("#id_goals-0-text", "We willen van de schulden af")
    page.get_by_role("button", name="Doel toevoegen").click()
    page.wait_for_selector("#id_goals-1-text")
    assert page.input_value("#id_goals-0-text") == "We willen van de schulden af"
    page.select_option("#id_goals-1-theme", label="Onderwijs & opvoeding")
    page.fill("#id_goals-1-text", "Sem gaat elke dag naar school")
    page.get_by_role("button", name="Plan opslaan").click()
    page.wait_for_url("**/huishoudens/**")
    assert "Plan opgeslagen als versie 1." in page.locator(".messages").inner_text()
    assert_accessible(page)

    version = PlanVersion.objects.get(plan__case=case)
    assert version.author == "household"
    assert list(version.goals.values_list("text", flat=True)) == [
        "We willen van de schulden af",
        "Sem gaat elke dag naar school",
    ]

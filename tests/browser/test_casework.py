"""Casework in the browser: from the caseload to the household, logging a contact with the keyboard only."""

import datetime

import pytest
from django.db import transaction
from playwright.sync_api import expect

from cases.models import Case, Contact
from tests.browser.conftest import assert_accessible, log_in_browser
from tests.cases.factories import (
    CaseFactory,
    ContactFactory,
    MeasurementFactory,
    MembershipFactory,
    ScoreFactory,
)
from tests.conftest import PASSWORD, Personas
from themes.models import Instrument

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def a_household_in_care(personas: Personas) -> Case:
    # The deferred "one coordinator" trigger checks at commit: case and coordinator in one transaction.
    with transaction.atomic():
        case = CaseFactory(team=personas.team_a, coordinator=personas.professional)
    parent = MembershipFactory(household=case.household, person__first_name="Fatima", person__last_name="Bakker").person
    MembershipFactory(household=case.household, person__first_name="Sem", person__last_name="Bakker", role="child")
    ContactFactory(
        case=case, author=personas.professional, occurred_on=datetime.date(2025, 3, 1), note="Eerste gesprek"
    )
    zrm = Instrument.objects.get(code="zrm")
    for day, score in ((datetime.date(2025, 2, 1), 2), (datetime.date(2025, 5, 1), 4)):
        measurement = MeasurementFactory(case=case, person=parent, measured_on=day, measured_by=personas.professional)
        ScoreFactory(measurement=measurement, domain=zrm.domains.get(code="financien"), score=score)
    return case


def test_a_professional_opens_a_household_from_the_caseload_and_logs_a_contact_by_keyboard(
    page, personas: Personas
) -> None:
    case = a_household_in_care(personas)

    log_in_browser(page, personas.professional, PASSWORD)
    assert page.locator("h1").inner_text() == "Vandaag"
    page.get_by_role("link", name="Mijn caseload").click()
    page.wait_for_url("**/casussen/")
    assert page.locator("h1").inner_text() == "Mijn caseload"
    expect(page.get_by_text("Fatima Bakker, Sem Bakker")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name=case.household.address).click()
    page.wait_for_url(f"**/huishoudens/{case.household.uuid}/**")
    assert page.locator("h1").inner_text() == case.household.address
    # The trend chart is drawn by Chart.js from the json_script data.
    page.wait_for_function("() => window.Chart && Chart.getChart('trend-zrm-financien') !== undefined")
    assert_accessible(page)

    # Keyboard only: the date keeps today, the rest is chosen with arrows, space and typing.
    page.get_by_label("Datum").focus()
    for _ in range(5):  # day, month and year are separate Tab stops in Chromium's date field
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") != "contact_occurred_on":
            break
    assert page.evaluate("document.activeElement.id") == "contact_kind"
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")  # "— kies —", huisbezoek, telefoongesprek
    page.keyboard.press("Tab")
    page.keyboard.type("25")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "contact_themes_0"
    page.keyboard.press("Space")  # Welzijn
    for _ in range(4):
        page.keyboard.press("Tab")
    page.keyboard.press("Space")  # Werk & inkomen
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "contact_note"
    page.keyboard.type("Moeder belde over de brief van de deurwaarder.")
    page.keyboard.press("Tab")  # into the visibility radios, on "all involved"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.type") == "submit"
    page.keyboard.press("Enter")

    newest = page.locator("#timeline-items > li").first
    newest.get_by_text("Moeder belde over de brief van de deurwaarder.").wait_for()
    assert "telefoongesprek" in newest.inner_text() and "25 minuten" in newest.inner_text()
    assert page.locator("#contact-status").inner_text() == "Het contactmoment is opgeslagen."
    # The form is fresh for the next contact, and focus went to the new contact.
    assert page.get_by_label("Notitie").input_value() == ""
    expect(newest).to_be_focused()  # focus.js moves focus once htmx has settled the swap
    contact = Contact.objects.get(note="Moeder belde over de brief van de deurwaarder.")
    assert (contact.kind, contact.minutes, contact.themes) == ("phone", 25, ["welzijn", "werk"])
    assert_accessible(page)


def test_a_contact_with_errors_is_announced_and_keeps_what_was_typed(page, personas: Personas) -> None:
    case = a_household_in_care(personas)
    log_in_browser(page, personas.professional, PASSWORD)
    page.goto(f"/huishoudens/{case.household.uuid}/")

    page.get_by_label("Notitie").fill("Nog niet af")
    page.get_by_role("button", name="Contactmoment opslaan").click()
    alert = page.get_by_role("alert")
    alert.wait_for()
    assert "niet opgeslagen" in alert.inner_text()
    expect(alert).to_be_focused()
    expect(page.get_by_text("Kies minstens één thema.", exact=True)).to_be_visible()
    assert page.get_by_label("Notitie").input_value() == "Nog niet af"
    assert Contact.objects.filter(case=case).count() == 1
    assert_accessible(page)


def test_older_contacts_load_in_place_and_focus_moves_to_the_first_of_them(page, personas: Personas) -> None:
    case = a_household_in_care(personas)
    Contact.objects.bulk_create(
        Contact(
            case=case,
            occurred_on=datetime.date(2025, 4, 1) + datetime.timedelta(days=day),
            kind="phone",
            themes=["werk"],
            minutes=10,
            note=f"Belafspraak {day}",
            author=personas.professional,
            author_organisation=personas.professional.organisation,
        )
        for day in range(25)
    )
    log_in_browser(page, personas.professional, PASSWORD)
    page.goto(f"/huishoudens/{case.household.uuid}/")
    items = page.locator("#timeline-items > li")
    assert items.count() == 20

    page.get_by_role("link", name="Oudere contactmomenten tonen").focus()
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.querySelectorAll('#timeline-items > li').length === 26")
    assert page.url.endswith(f"/huishoudens/{case.household.uuid}/")  # loaded in place, no new page
    assert items.nth(20).inner_text().count("Belafspraak 4") == 1
    assert items.last.inner_text().startswith("1 maart 2025")  # the oldest: the first contact
    expect(items.nth(20)).to_be_focused()
    assert page.get_by_role("link", name="Oudere contactmomenten tonen").count() == 0
    assert_accessible(page)


def test_the_coordinator_reads_the_history_in_place_and_who_viewed_the_household(page, personas: Personas) -> None:
    case = a_household_in_care(personas)
    log_in_browser(page, personas.professional, PASSWORD)
    page.goto(f"/huishoudens/{case.household.uuid}/")
    page.get_by_role("link", name="Toon de geschiedenis").click()
    history = page.locator("#history-items")
    history.get_by_text("Lidmaatschap van het huishouden", exact=False).first.wait_for()
    assert page.url.endswith(f"/huishoudens/{case.household.uuid}/")  # loaded in place, no new page
    expect(history.get_by_role("rowheader", name="Voornaam").first).to_be_visible()
    assert_accessible(page)

    viewers = page.locator("#inzage")
    expect(viewers.get_by_role("heading", name="Wie bekeek dit huishouden")).to_be_visible()
    page.goto(f"/huishoudens/{case.household.uuid}/inzage/")
    assert page.locator("h1").inner_text() == "Wie bekeek dit huishouden"
    # The coordinator's own looks at the panel and the history are on the list.
    expect(page.get_by_role("cell", name="Inzien (wijzigingsgeschiedenis)")).to_be_visible()
    assert_accessible(page)

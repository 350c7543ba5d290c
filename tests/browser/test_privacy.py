"""The access request in Chromium: find the person, review, withhold a confidential note with a reason, release,
read the letter."""

import datetime

import pytest
from django.db import transaction
from playwright.sync_api import expect

from cases.models import Contact, HouseholdMembership
from privacy.models import DataSubjectRequest, DisclosureDecision
from tests.browser.conftest import assert_accessible, assert_reflows, log_in_browser
from tests.cases.factories import CaseFactory, ContactFactory, MembershipFactory, PersonFactory
from tests.conftest import PASSWORD, Personas

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_officer_reviews_withholds_and_releases_an_access_request(page, personas: Personas) -> None:
    with transaction.atomic():
        case = CaseFactory(team=personas.team_a, referred_on=datetime.date(2026, 1, 5))
        MembershipFactory(
            household=case.household,
            person=PersonFactory(first_name="Sanne", last_name="Bakker"),
            role=HouseholdMembership.Role.CHILD,
            start_date=datetime.date(2026, 1, 1),
        )
        ContactFactory(case=case, occurred_on=datetime.date(2026, 2, 1), note="Kennismaking met Sanne")
        ContactFactory(
            case=case,
            occurred_on=datetime.date(2026, 2, 2),
            note="Zorg over de vader",
            confidentiality=Contact.Confidentiality.OWN_ORGANISATION,
        )
    log_in_browser(page, personas.privacy_officer, PASSWORD)
    page.goto("/privacy/")
    assert_accessible(page)
    page.get_by_role("link", name="Verzoeken van betrokkenen").first.click()
    page.get_by_label("Casusreferentie").fill(case.reference)
    assert_reflows(page)
    page.get_by_role("button", name="Zoeken").click()
    page.get_by_label("Verzoek ontvangen op").first.fill("2026-03-01")
    page.get_by_label("Ik heb de identiteit van de verzoeker gecontroleerd").first.check()
    page.get_by_role("button", name="Inzageverzoek starten (eerst beoordelen)").click()
    page.wait_for_url("**/privacy/verzoeken/*/")
    expect(page.get_by_text("1 vertrouwelijke notitie wacht nog op uw besluit")).to_be_visible()
    assert_accessible(page)

    # Releasing now is refused: the confidential note has no decision.
    page.get_by_role("button", name="Brief vrijgeven").click()
    expect(page.get_by_text("Beslis over elke vertrouwelijke notitie voordat u de brief vrijgeeft.")).to_be_visible()

    note = page.locator("article", has_text="Zorg over de vader")
    note.get_by_label("achterhouden").check()
    note.get_by_label("Reden").fill("Gaat over de vader (AVG art. 15 lid 4)")
    note.get_by_role("button", name="Besluit vastleggen").click()
    expect(page.get_by_text("Uw besluit is vastgelegd.")).to_be_visible()
    page.get_by_role("button", name="Brief vrijgeven").click()
    page.wait_for_url("**/brief/")
    letter = page.locator("article.print-document")
    text = letter.inner_text()
    assert "Beste Sanne Bakker," in text and "Kennismaking met Sanne" in text
    assert "Zorg over de vader" not in text and "1 onderdeel niet in deze brief" in text
    assert "1 februari 2026" in text
    assert_accessible(page)
    handled = DataSubjectRequest.objects.get()
    assert handled.outcome == "exported" and DisclosureDecision.objects.get().withhold

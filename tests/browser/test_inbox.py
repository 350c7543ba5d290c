"""The team's inbox in Chromium: forward one referral, accept another, take over a transfer, reopen a household."""

import pytest
from django.db import transaction

from cases.models import Case, CaseStatus, CaseTransfer, Involvement
from organisations.models import Role
from tests.browser.conftest import assert_accessible, assert_reflows, log_in_browser
from tests.cases.factories import CaseFactory
from tests.conftest import PASSWORD, Personas
from tests.organisations.factories import NeighbourhoodFactory, TeamMembershipFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_inbox_forward_accept_transfer_and_a_new_case_for_a_known_household(page, personas: Personas) -> None:
    with transaction.atomic():
        buurt = NeighbourhoodFactory(name="Oude Noorden")
        personas.team_a.areas.add(buurt)
        lead_b = TeamMembershipFactory(team=personas.team_b, user__role=Role.TEAM_LEAD).user
        forwarded, accepted = (
            CaseFactory(team=personas.team_a, status=CaseStatus.REFERRAL, reference=reference)
            for reference in ("WT-FORWARD1", "WT-ACCEPT01")
        )
        Involvement.objects.filter(case__in=[forwarded, accepted]).delete()
        moving = CaseFactory(team=personas.team_b, reference="WT-MOVING01", coordinator=personas.professional_b)
        closed = CaseFactory(team=personas.team_a, closed=True, reference="WT-CLOSED01", household__neighbourhood=buurt)
    moving_transfer = CaseTransfer.objects.create(
        case=moving, kind="transfer", from_team=personas.team_b, to_team=personas.team_a,
        note="Gezin verhuist naar Noord; vader werkt graag met dezelfde aanpak.", requested_by=lead_b,
    )  # fmt: skip

    # The lead of team A triages the inbox: forward one referral, accept the other.
    log_in_browser(page, personas.team_lead, PASSWORD)
    page.get_by_role("link", name="Postvak team").click()
    page.wait_for_url("**/aanmeldingen/")
    assert "WT-FORWARD1" in page.locator("#inbox-referrals").inner_text()
    assert "vader werkt graag met dezelfde aanpak" in page.locator("#inbox-incoming").inner_text()
    assert_accessible(page)

    page.get_by_role("link", name="Doorsturen WT-FORWARD1").click()
    page.get_by_role("button", name="Doorsturen").click()  # no note yet: refused next to the field
    assert page.locator("#id_note_error").inner_text() == "Dit veld is vereist."
    assert_accessible(page)
    page.select_option("#id_to_team", label=personas.team_b.name)
    page.fill("#id_note", "Woont in Zuid; school vraagt om snelle start.")
    page.get_by_role("button", name="Doorsturen").click()
    page.wait_for_url("**/aanmeldingen/")
    assert "doorgestuurd naar Wijkteam Zuid" in page.locator(".messages").inner_text()
    assert Case.objects.get(pk=forwarded.pk).team == personas.team_b

    page.get_by_role("link", name="Aannemen WT-ACCEPT01").click()
    page.select_option("#id_professional", label=f"{personas.professional} — {personas.professional.organisation}")
    assert_reflows(page)
    page.select_option("#id_legal_basis", "wmo")  # the referral stated none
    page.get_by_role("button", name="Aannemen en toewijzen").click()
    page.wait_for_url("**/huishoudens/**")
    assert "Aanmelding WT-ACCEPT01 aangenomen" in page.locator(".messages").inner_text()
    assert_reflows(page)
    assert Case.objects.get(pk=accepted.pk).status == CaseStatus.INTAKE

    # The transfer from team B: taken over, with a coordinator of team A.
    page.goto("/aanmeldingen/")
    page.get_by_role("link", name="Overnemen casus WT-MOVING01").click()
    assert "dezelfde aanpak" in page.locator(".summary-list").inner_text()
    assert_accessible(page)
    page.select_option("#id_professional", label=f"{personas.professional} — {personas.professional.organisation}")
    page.select_option("#id_legal_basis", "wmo")
    page.get_by_role("button", name="Overnemen en toewijzen").click()
    page.wait_for_url("**/huishoudens/**")
    moving.refresh_from_db()
    moving_transfer.refresh_from_db()
    assert moving.team == personas.team_a and moving_transfer.status == "completed"
    assert_reflows(page)

    # A professional of team A reopens help for a household known from a closed case.
    page.context.clear_cookies()
    log_in_browser(page, personas.professional, PASSWORD)
    page.goto(f"/huishoudens/{closed.household.uuid}/")
    assert_reflows(page)
    page.get_by_role("link", name="Nieuwe casus voor dit huishouden").click()
    assert_accessible(page)
    page.select_option("#id_referral_source", "gp")
    page.fill("#id_referral_reason", "Huisarts maakt zich opnieuw zorgen.")
    page.select_option("#id_legal_basis", "wmo")
    page.get_by_role("button", name="Nieuwe casus registreren").click()
    page.wait_for_url("**/huishoudens/**")
    new = Case.objects.filter(household=closed.household).exclude(pk=closed.pk).get()
    assert new.status == CaseStatus.REFERRAL and new.team == personas.team_a
    assert f"Casus {new.reference} geregistreerd" in page.locator(".messages").inner_text()
    assert_reflows(page)

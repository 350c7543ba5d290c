"""Issue 14 in Chromium: a 17-year-old's action that crosses 18, from adding it to the bureau's doorbraak
over both years, and paying an eligible action from the household page. axe-core on every page."""

import datetime
from decimal import Decimal

import pytest
from django.db import transaction
from playwright.sync_api import expect

from funding.models import Allocation, Blockage, BlockageReason, BlockageStatus, Silo
from organisations.models import OrganisationKind
from tests.browser.conftest import assert_accessible, assert_reflows, log_in_browser
from tests.cases.factories import CaseFactory, MembershipFactory, PersonFactory
from tests.conftest import PASSWORD, Personas
from tests.funding.factories import FlexibleStreamFactory, StreamFactory
from tests.organisations.factories import OrganisationFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page, username: str) -> None:
    from organisations.models import User

    log_in_browser(page, User.objects.get(username=username), PASSWORD)


@pytest.fixture
def youth(personas: Personas):
    """Sanne, 17, in a team A household; Jeugdwet pays for 2026 up to 17, Wmo 2027 from 18; flexible budgets."""
    municipality = personas.team_a.municipality
    with transaction.atomic():
        personas.bureau.organisation.municipality = municipality  # the bureau oversees team A's municipality
        personas.bureau.organisation.save()
        case = CaseFactory(team=personas.team_a, reference="WT-OVERGANG")
        sanne = PersonFactory(first_name="Sanne", last_name="de Vries", date_of_birth=datetime.date(2009, 3, 15))
        MembershipFactory(household=case.household, person=sanne)
        jeugdhulp = OrganisationFactory(
            name="Jeugdhulp Noord", kind=OrganisationKind.objects.get(code="youth_care"), municipality=municipality
        )
        jeugdhulp.silos.add(Silo.objects.get(code="jeugdwet"))
        StreamFactory(
            name="Jeugdhulp 2026", silo=Silo.objects.get(code="jeugdwet"), municipality=municipality, min_age=0,
            max_age=17, kinds=["youth_care"], valid_from=datetime.date(2026, 1, 1),
            valid_until=datetime.date(2026, 12, 31),
        )  # fmt: skip
        StreamFactory(
            name="Wmo begeleiding 2027", municipality=municipality, valid_from=datetime.date(2027, 1, 1),
            valid_until=datetime.date(2027, 12, 31),
        )  # fmt: skip
        for year in (2026, 2027):
            FlexibleStreamFactory(
                name=f"Doorbraakbudget {year}", municipality=municipality, valid_from=datetime.date(year, 1, 1),
                valid_until=datetime.date(year, 12, 31), budget=Decimal("50000.00"),
            )  # fmt: skip
    return case


def test_a_17_year_olds_action_crossing_18_is_blocked_shown_and_resolved_by_the_bureau(
    page, personas: Personas, youth
) -> None:
    log_in(page, "lead-a")
    page.goto(f"/casussen/{youth.uuid}/acties/nieuw/")
    assert_reflows(page)  # the reason, asked first
    # The lead coordinates none of the household's cases: every case form asks the reason first, once per
    # household and session (#13, purpose binding), and then returns to the form.
    page.get_by_label("Een andere reden").check()
    page.get_by_label("Toelichting").fill("Knelpunt beoordelen voor escalatie")
    page.get_by_role("button", name="Huishouden openen").click()
    page.select_option("#id_theme", label="Welzijn, zorg & hulpverlening")
    assert_reflows(page)
    page.get_by_label("Wat er gebeurt").fill("Begeleiding naar zelfstandig wonen")
    page.select_option("#id_delivering_organisation", label="Jeugdhulp Noord")
    sanne = youth.household.memberships.get().person
    page.select_option("#id_beneficiary", str(sanne.uuid))
    page.get_by_label("Geraamde kosten (€)").fill("3.020,00")
    page.get_by_label("Begin").fill("2026-12-07")
    page.get_by_label("Einde").fill("2027-09-30")
    page.get_by_role("button", name="Actie toevoegen").click()

    blockage = Blockage.objects.get(action__case=youth)
    assert blockage.reason == BlockageReason.AGE_LIMIT
    page.goto(f"/huishoudens/{youth.household.uuid}/#financiering")  # not asked again in this session
    panel = page.locator("#financiering")
    expect(panel.get_by_text("18-/18+ overgang op 15 maart 2027")).to_be_visible()
    expect(panel.get_by_text("vanaf dan kan Wmo begeleiding 2027 betalen")).to_be_visible()
    assert_accessible(page)

    # The team lead takes it to the programme bureau: first as the team, then as its lead.
    for _ in range(2):
        page.goto(f"/financiering/knelpunten/{blockage.uuid}/")
        page.get_by_label("Toelichting voor het volgende niveau").fill("Jeugdwet stopt op de 18e verjaardag")
        page.get_by_role("button", name="Eén niveau hoger leggen").click()
    blockage.refresh_from_db()
    assert blockage.level == "programme_bureau"

    page.context.clear_cookies()
    log_in(page, "bureau")
    page.goto(f"/financiering/knelpunten/{blockage.uuid}/")
    heading = page.get_by_role("heading", level=1).inner_text()
    assert heading == "Knelpunt: de cliënt passeert tijdens de actie de leeftijdsgrens van de stroom"
    expect(page.get_by_text("maart 2027").first).to_be_visible()
    assert "15 maart 2027" not in page.content()
    assert "Sanne" not in page.content()
    assert_accessible(page)
    page.get_by_label("Bedrag uit het flexibele budget (€)").fill("3020")
    page.get_by_label("Besluit").fill("Doorbraak tot de Wmo-indicatie rond is")
    page.get_by_role("button", name="Betalen en oplossen").click()

    blockage.refresh_from_db()
    assert blockage.status == BlockageStatus.RESOLVED
    periods = list(
        Allocation.objects.order_by("period_start").values_list("stream__name", "period_start", "period_end")
    )
    assert periods == [
        ("Doorbraakbudget 2026", datetime.date(2026, 12, 7), datetime.date(2026, 12, 31)),
        ("Doorbraakbudget 2027", datetime.date(2027, 1, 1), datetime.date(2027, 9, 30)),
    ]


@pytest.fixture
def eligible(personas: Personas):
    municipality = personas.team_a.municipality
    with transaction.atomic():
        case = CaseFactory(team=personas.team_a, reference="WT-BETALEN")
        MembershipFactory(household=case.household, person=PersonFactory(first_name="Ilse", last_name="Jansen"))
        counsellor = OrganisationFactory(
            name="Schuldhulp Stad", kind=OrganisationKind.objects.get(code="debt_counselling"),
            municipality=municipality,
        )  # fmt: skip
        counsellor.silos.add(Silo.objects.get(code="wgs"))
        StreamFactory(
            name="Schuldhulpverlening 2026", silo=Silo.objects.get(code="wgs"), municipality=municipality,
            min_age=None, household_level=True, themes=["werk"], kinds=["debt_counselling"],
            valid_from=datetime.date(2026, 1, 1), valid_until=datetime.date(2026, 12, 31),
        )  # fmt: skip
        from tests.cases.factories import ActionFactory
        from themes.models import Theme

        ActionFactory(
            case=case, theme=Theme.objects.get(code="werk"), delivering_organisation=counsellor, beneficiary=None,
            description="Schuldhulpverlening voor het hele huishouden", planned_cost=Decimal("3200.00"),
            start_date=datetime.date(2026, 2, 1), end_date=datetime.date(2026, 7, 31),
        )  # fmt: skip
    return case


def test_a_professional_pays_an_eligible_action_from_the_household_page(page, personas: Personas, eligible) -> None:
    log_in(page, "prof-a")
    page.goto(f"/huishoudens/{eligible.household.uuid}/#financiering")
    panel = page.locator("#financiering")
    expect(panel.get_by_text("niets toegewezen")).to_be_visible()
    panel.get_by_role("link", name="Betalen uit een stroom").click()
    expect(page.get_by_role("rowheader", name="Schuldhulpverlening 2026")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Bedrag (€)").fill("3.200,00")
    page.get_by_label("Tot en met").fill("2026-01-31")
    page.get_by_role("button", name="Betalen uit deze stroom").click()
    error = page.locator("#id_period_end_error")
    assert error.inner_text() == "Het einde kan niet vóór het begin liggen."
    assert page.get_by_label("Bedrag (€)").input_value() == "3.200,00"
    assert_accessible(page)
    page.get_by_label("Tot en met").fill("2026-07-31")
    page.get_by_role("button", name="Betalen uit deze stroom").click()
    page.wait_for_url(lambda url: "/huishoudens/" in url)
    assert page.locator(".messages").inner_text().startswith("Betaald: AL-")
    assert Allocation.objects.get().amount == Decimal("3200.00")
    assert_accessible(page)

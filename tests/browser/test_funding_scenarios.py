"""Issue 14's other two scenarios in Chromium, each from a professional adding the action on the real screens to
the programme bureau resolving the blockage: a household-level action where only person-level funding exists,
and a deliverer whose silo cannot bill the stream that fits. axe-core on every page."""

import datetime
from decimal import Decimal

import pytest
from django.db import transaction
from playwright.sync_api import expect

from funding.models import Allocation, Blockage, BlockageReason, BlockageResolution, BlockageStatus, Silo
from organisations.models import OrganisationKind
from tests.browser.conftest import assert_accessible, assert_reflows, log_in_browser
from tests.cases.factories import CaseFactory, MembershipFactory, PersonFactory
from tests.conftest import PASSWORD, Personas
from tests.funding.factories import FlexibleStreamFactory, StreamFactory
from tests.organisations.factories import OrganisationFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

YEAR = 2026


def log_in(page, username: str) -> None:
    from organisations.models import User

    log_in_browser(page, User.objects.get(username=username), PASSWORD)


def add_action(page, case, *, description: str, organisation: str, beneficiary_uuid: str | None) -> None:
    """The professional's action form, as a professional fills it in."""
    page.goto(f"/casussen/{case.uuid}/acties/nieuw/")
    assert_accessible(page)
    page.select_option("#id_theme", label="Welzijn, zorg & hulpverlening")
    page.get_by_label("Wat er gebeurt").fill(description)
    page.select_option("#id_delivering_organisation", label=organisation)
    if beneficiary_uuid is None:
        page.select_option("#id_beneficiary", label="Het hele huishouden")
    else:
        page.select_option("#id_beneficiary", beneficiary_uuid)
    page.get_by_label("Geraamde kosten (€)").fill("1.800,00")
    page.get_by_label("Begin").fill(f"{YEAR}-02-01")
    page.get_by_label("Einde").fill(f"{YEAR}-07-31")
    page.get_by_role("button", name="Actie toevoegen").click()
    page.wait_for_url(lambda url: "/acties/nieuw/" not in url)


def escalate_to_the_bureau(page, blockage: Blockage, household_uuid: str) -> None:
    """The professional takes it to the team lead; the lead, after giving the reason once, to the bureau."""
    page.goto(f"/financiering/knelpunten/{blockage.uuid}/")
    assert_accessible(page)
    page.get_by_label("Toelichting voor het volgende niveau").fill("De regel past niet bij deze hulpvraag")
    page.get_by_role("button", name="Eén niveau hoger leggen").click()
    assert page.get_by_role("status").inner_text().startswith("Het knelpunt is hoger gelegd")
    page.context.clear_cookies()
    log_in(page, "lead-a")
    page.goto(f"/huishoudens/{household_uuid}/#financiering")
    assert_reflows(page)  # the reason, asked first
    page.get_by_label("Een andere reden").check()
    page.get_by_label("Toelichting").fill("Knelpunt beoordelen voor escalatie")
    page.get_by_role("button", name="Huishouden openen").click()
    page.locator("#financiering").wait_for()
    assert_reflows(page)
    page.goto(f"/financiering/knelpunten/{blockage.uuid}/")
    page.get_by_label("Toelichting voor het volgende niveau").fill("Graag een besluit van het programmabureau")
    page.get_by_role("button", name="Eén niveau hoger leggen").click()
    assert page.get_by_role("status").inner_text().startswith("Het knelpunt is hoger gelegd")
    blockage.refresh_from_db()
    assert blockage.level == "programme_bureau"
    page.context.clear_cookies()
    log_in(page, "bureau")


@pytest.fixture
def household_need(personas: Personas):
    """A household in team A; social work may deliver, and the only Wmo stream pays for help to one person."""
    municipality = personas.team_a.municipality
    with transaction.atomic():
        personas.bureau.organisation.municipality = municipality
        personas.bureau.organisation.save()
        case = CaseFactory(team=personas.team_a, reference="WT-HUISHOUDEN")
        MembershipFactory(household=case.household, person=PersonFactory(first_name="Fatma", last_name="Yilmaz"))
        welzijn = OrganisationFactory(
            name="Welzijn Zuid", kind=OrganisationKind.objects.get(code="social_work"), municipality=municipality
        )
        welzijn.silos.add(Silo.objects.get(code="wmo"))
        StreamFactory(
            name=f"Wmo begeleiding {YEAR}", municipality=municipality, household_level=False,
            valid_from=datetime.date(YEAR, 1, 1), valid_until=datetime.date(YEAR, 12, 31),
        )  # fmt: skip
    return case


def test_a_household_level_action_with_only_person_level_funding_is_resolved_by_an_exemption(
    page, personas: Personas, household_need
) -> None:
    log_in(page, "prof-a")
    add_action(
        page,
        household_need,
        description="Gezinsbegeleiding voor het hele huishouden",
        organisation="Welzijn Zuid",
        beneficiary_uuid=None,
    )
    blockage = Blockage.objects.get(action__case=household_need)
    assert blockage.reason == BlockageReason.HOUSEHOLD_LEVEL
    assert blockage.silo.code == "wmo" and blockage.euros_stuck == Decimal("1800.00")
    # The pay form says why the Wmo stream cannot pay, in the professional's words.
    page.goto(f"/financiering/acties/{blockage.action.uuid}/betalen/")
    expect(page.get_by_text("betaalt alleen hulp aan één persoon, niet aan het hele huishouden")).to_be_visible()
    assert_accessible(page)

    escalate_to_the_bureau(page, blockage, str(household_need.household.uuid))
    page.goto(f"/financiering/knelpunten/{blockage.uuid}/")
    heading = page.get_by_role("heading", level=1).inner_text()
    assert heading == "Knelpunt: een vraag van het hele huishouden, maar alleen persoonsgebonden financiering"
    assert "Fatma" not in page.content() and "Yilmaz" not in page.content()
    expect(page.get_by_text("Graag een besluit van het programmabureau")).to_be_visible()
    assert_accessible(page)
    page.select_option("#id_resolve-resolution", label="ontheffing van de regel")
    page.locator("#id_resolve-note").fill("Ontheffing: de Wmo-stroom mag dit jaar gezinsbegeleiding betalen")
    page.get_by_role("button", name="Vastleggen als opgelost").click()
    expect(page.get_by_role("status")).to_be_visible()
    assert_accessible(page)

    blockage.refresh_from_db()
    assert blockage.status == BlockageStatus.RESOLVED and blockage.resolution == BlockageResolution.EXEMPTION
    assert blockage.events.filter(kind="resolved", by__username="bureau").exists()


@pytest.fixture
def unbillable(personas: Personas):
    """Buurtwerk (social work) can bill the Participatiewet only; the fitting stream is Wmo's."""
    municipality = personas.team_a.municipality
    with transaction.atomic():
        personas.bureau.organisation.municipality = municipality
        personas.bureau.organisation.save()
        case = CaseFactory(team=personas.team_a, reference="WT-KOKER")
        person = PersonFactory(first_name="Kees", last_name="Mulder", date_of_birth=datetime.date(1971, 6, 2))
        MembershipFactory(household=case.household, person=person)
        buurtwerk = OrganisationFactory(
            name="Buurtwerk Oost", kind=OrganisationKind.objects.get(code="social_work"), municipality=municipality
        )
        buurtwerk.silos.add(Silo.objects.get(code="participatiewet"))
        StreamFactory(
            name=f"Wmo begeleiding {YEAR}", municipality=municipality,
            valid_from=datetime.date(YEAR, 1, 1), valid_until=datetime.date(YEAR, 12, 31),
        )  # fmt: skip
        FlexibleStreamFactory(
            name=f"Doorbraakbudget {YEAR}", municipality=municipality, valid_from=datetime.date(YEAR, 1, 1),
            valid_until=datetime.date(YEAR, 12, 31), budget=Decimal("20000.00"),
        )  # fmt: skip
    return case, person


def test_a_deliverer_whose_silo_cannot_bill_the_stream_is_paid_by_the_bureaus_doorbraak(
    page, personas: Personas, unbillable
) -> None:
    case, person = unbillable
    log_in(page, "prof-a")
    add_action(
        page, case, description="Begeleiding bij dagbesteding", organisation="Buurtwerk Oost",
        beneficiary_uuid=str(person.uuid),
    )  # fmt: skip
    blockage = Blockage.objects.get(action__case=case)
    assert blockage.reason == BlockageReason.SILO_NOT_BILLABLE and blockage.silo.code == "wmo"
    page.goto(f"/financiering/acties/{blockage.action.uuid}/betalen/")
    expect(page.get_by_text("Buurtwerk Oost kan niet declareren bij Wmo 2015")).to_be_visible()
    assert_accessible(page)

    escalate_to_the_bureau(page, blockage, str(case.household.uuid))
    page.goto(f"/financiering/knelpunten/{blockage.uuid}/")
    heading = page.get_by_role("heading", level=1).inner_text()
    assert heading == (
        "Knelpunt: een passende stroom bestaat alleen in een koker die de organisatie niet kan declareren"
    )
    assert "Mulder" not in page.content()
    assert_accessible(page)
    page.get_by_label("Bedrag uit het flexibele budget (€)").fill("1.800,00")
    page.get_by_label("Besluit").fill("Doorbraak: Buurtwerk levert, de koker volgt")
    page.get_by_role("button", name="Betalen en oplossen").click()
    expect(page.get_by_role("status")).to_be_visible()
    assert_accessible(page)

    blockage.refresh_from_db()
    assert blockage.status == BlockageStatus.RESOLVED
    assert blockage.resolution == BlockageResolution.FLEXIBLE_BUDGET
    allocation = Allocation.objects.get()
    assert allocation == blockage.allocation and allocation.stream.name == f"Doorbraakbudget {YEAR}"
    assert (allocation.amount, allocation.period_start, allocation.period_end) == (
        Decimal("1800.00"),
        datetime.date(YEAR, 2, 1),
        datetime.date(YEAR, 7, 31),
    )

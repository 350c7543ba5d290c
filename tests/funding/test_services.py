"""Detection hooked into the casework services, and allocations within the rules and the budget."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from cases import services as case_services
from cases.models import Action
from funding import services
from funding.models import Allocation, Blockage, BlockageReason, Silo
from tests.cases.factories import ActionFactory, CaseFactory, MembershipFactory, PersonFactory
from tests.conftest import Personas
from tests.funding.factories import AllocationFactory, FlexibleStreamFactory, StreamFactory
from tests.organisations.factories import OrganisationFactory
from themes.models import Theme

pytestmark = pytest.mark.django_db


@pytest.fixture
def setting(personas: Personas):
    """Team A's case, a Wmo stream for adults' wellbeing, a social-work organisation that bills Wmo."""
    stream = StreamFactory(municipality=personas.team_a.municipality)
    organisation = OrganisationFactory()
    organisation.silos.add(Silo.objects.get(code="wmo"))
    case = CaseFactory(team=personas.team_a)
    adult = PersonFactory(date_of_birth=datetime.date(1980, 1, 1))
    MembershipFactory(household=case.household, person=adult)
    return stream, organisation, case, adult


def action_input(organisation, *, theme: str = "welzijn", beneficiary=None) -> case_services.ActionInput:
    return case_services.ActionInput(
        theme=Theme.objects.get(code=theme),
        description="Begeleiding thuis",
        delivering_organisation=organisation,
        beneficiary=beneficiary,
        planned_cost=Decimal("600.00"),
        start_date=datetime.date(2025, 4, 1),
    )


def test_creating_a_blocked_action_opens_its_blockage_in_the_same_transaction(personas: Personas, setting) -> None:
    _stream, organisation, case, _adult = setting
    action = case_services.action_create(case=case, data=action_input(organisation), by=personas.professional)
    blockage = Blockage.objects.get(action=action)
    assert blockage.reason == BlockageReason.HOUSEHOLD_LEVEL
    assert blockage.opened_by == personas.professional


def test_creating_a_fitting_action_opens_no_blockage(personas: Personas, setting) -> None:
    _stream, organisation, case, adult = setting
    case_services.action_create(case=case, data=action_input(organisation, beneficiary=adult), by=personas.professional)
    assert not Blockage.objects.exists()


def test_a_refused_action_leaves_no_blockage_behind(personas: Personas, setting) -> None:
    _stream, organisation, case, _adult = setting
    stranger = PersonFactory()
    with pytest.raises(ValidationError):
        case_services.action_create(
            case=case, data=action_input(organisation, beneficiary=stranger), by=personas.professional
        )
    assert not Blockage.objects.exists()


def test_changing_the_status_runs_detection_again_without_duplicates(personas: Personas, setting) -> None:
    _stream, organisation, case, _adult = setting
    action = case_services.action_create(case=case, data=action_input(organisation), by=personas.professional)
    case_services.action_set_status(action=action, status=Action.Status.APPROVED, by=personas.professional)
    case_services.action_set_status(action=action, status=Action.Status.IN_PROGRESS, by=personas.professional)
    assert Blockage.objects.filter(action=action).count() == 1


def test_reopening_an_unchecked_action_detects_its_blockage(personas: Personas, setting) -> None:
    _stream, organisation, case, _adult = setting
    action = ActionFactory(
        case=case,
        theme=Theme.objects.get(code="veiligheid"),
        delivering_organisation=organisation,
        status=Action.Status.CANCELLED,
    )
    assert not Blockage.objects.exists()
    case_services.action_set_status(action=action, status=Action.Status.PROPOSED, by=personas.team_lead)
    assert Blockage.objects.get(action=action).opened_by == personas.team_lead


def test_a_case_conference_detects_for_each_action_item(personas: Personas, setting) -> None:
    _stream, organisation, case, adult = setting
    conference = case_services.conference_record(
        case=case,
        by=personas.professional,
        held_on=datetime.date(2025, 3, 20),
        participants=[personas.professional],
        decisions="Hulp bij wonen en bij opvoeding.",
        action_items=[
            action_input(organisation, beneficiary=adult),
            action_input(organisation, theme="veiligheid"),
            action_input(organisation, theme="wonen"),
        ],
    )
    reasons = sorted(Blockage.objects.filter(action__conference=conference).values_list("reason", flat=True))
    assert reasons == [BlockageReason.THEME, BlockageReason.THEME]


# --- Allocations ------------------------------------------------------------------------------------


def test_an_allocation_pays_an_eligible_action_within_the_budget(personas: Personas, setting) -> None:
    stream, organisation, case, adult = setting
    action = ActionFactory(
        case=case,
        theme=Theme.objects.get(code="welzijn"),
        delivering_organisation=organisation,
        beneficiary=adult,
        start_date=datetime.date(2025, 4, 1),
    )
    allocation = services.allocation_create(
        action=action,
        stream=stream,
        amount=Decimal("450.00"),
        period_start=datetime.date(2025, 4, 1),
        period_end=datetime.date(2025, 9, 30),
        by=personas.professional,
    )
    assert allocation.reference == f"AL-{allocation.pk:09d}"


def test_an_allocation_is_refused_by_the_rules_the_budget_and_the_period(personas: Personas, setting) -> None:
    stream, organisation, case, adult = setting
    action = ActionFactory(
        case=case,
        theme=Theme.objects.get(code="welzijn"),
        delivering_organisation=organisation,
        beneficiary=adult,
        start_date=datetime.date(2025, 4, 1),
        planned_cost=Decimal("10"),
    )
    arguments = {
        "action": action,
        "stream": stream,
        "amount": Decimal("450.00"),
        "period_start": datetime.date(2025, 4, 1),
        "period_end": datetime.date(2025, 9, 30),
        "by": personas.professional,
    }
    AllocationFactory(stream=stream, amount=Decimal("99600.00"))
    with pytest.raises(ValidationError) as error:
        services.allocation_create(**arguments)
    assert "amount" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        services.allocation_create(**arguments | {"amount": Decimal("10"), "period_end": datetime.date(2026, 1, 31)})
    assert "period_start" in error.value.message_dict
    youth = StreamFactory(silo=Silo.objects.get(code="jeugdwet"), min_age=0, max_age=17)
    with pytest.raises(ValidationError) as error:
        services.allocation_create(**arguments | {"stream": youth, "amount": Decimal("10")})
    assert "stream" in error.value.message_dict
    with pytest.raises(ValidationError):
        services.allocation_create(**arguments | {"stream": FlexibleStreamFactory(), "amount": Decimal("10")})
    assert Allocation.objects.filter(action=action).count() == 0


def test_only_the_case_team_allocates(personas: Personas, setting) -> None:
    stream, organisation, case, adult = setting
    action = ActionFactory(case=case, delivering_organisation=organisation, beneficiary=adult)
    with pytest.raises(PermissionDenied):
        services.allocation_create(
            action=action,
            stream=stream,
            amount=Decimal("1"),
            period_start=datetime.date(2025, 4, 1),
            period_end=datetime.date(2025, 4, 30),
            by=personas.professional_b,
        )


def test_a_detected_blockage_has_a_creation_record_by_whoever_created_the_action(personas: Personas, setting) -> None:
    _stream, organisation, case, _adult = setting
    action = case_services.action_create(case=case, data=action_input(organisation), by=personas.professional)
    blockage = Blockage.objects.get(action=action)
    record = Blockage.history.get(id=blockage.pk)
    assert (record.history_type, record.history_user, record.history_date) == (
        "+",
        personas.professional,
        blockage.opened_at,
    )
    assert (record.uuid, record.reason, record.euros_stuck) == (blockage.uuid, blockage.reason, blockage.euros_stuck)


def test_an_allocation_has_a_creation_record_by_whoever_allocated(personas: Personas, setting) -> None:
    stream, organisation, case, adult = setting
    action = ActionFactory(
        case=case, theme=Theme.objects.get(code="welzijn"), delivering_organisation=organisation, beneficiary=adult,
        start_date=datetime.date(2025, 4, 1),
    )  # fmt: skip
    allocation = services.allocation_create(
        action=action, stream=stream, amount=Decimal("450.00"), period_start=datetime.date(2025, 4, 1),
        period_end=datetime.date(2025, 9, 30), by=personas.team_lead,
    )  # fmt: skip
    record = Allocation.history.get(id=allocation.pk)
    assert (record.history_type, record.history_user, record.amount) == ("+", personas.team_lead, Decimal("450.00"))

"""Detection hooked into the casework services, and allocations within the rules and the budget."""

import dataclasses
import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from cases import services as case_services
from cases.models import Action
from funding import services
from funding.models import Allocation, Blockage, BlockageReason, Silo
from organisations.models import OrganisationKind
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
    payment = services.allocation_create(
        action=action,
        stream=stream,
        amount=Decimal("450.00"),
        period_start=datetime.date(2025, 4, 1),
        period_end=datetime.date(2025, 9, 30),
        by=personas.professional,
    )
    (allocation,) = payment.allocations
    assert allocation.reference == f"AL-{allocation.pk:09d}" and payment.blockage is None


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
    with pytest.raises(ValidationError) as error:
        services.allocation_create(**arguments | {"period_start": datetime.date(2024, 12, 1)})
    assert "period_start" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        services.allocation_create(**arguments | {"amount": Decimal("0")})
    assert "amount" in error.value.message_dict
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
    (allocation,) = services.allocation_create(
        action=action, stream=stream, amount=Decimal("450.00"), period_start=datetime.date(2025, 4, 1),
        period_end=datetime.date(2025, 9, 30), by=personas.team_lead,
    ).allocations  # fmt: skip
    record = Allocation.history.get(id=allocation.pk)
    assert (record.history_type, record.history_user, record.amount) == ("+", personas.team_lead, Decimal("450.00"))


# --- Paying from a stream: the period past the stream's end, the budget, who may pay (issue 14) ----------


@pytest.fixture
def running(personas: Personas, setting) -> Action:
    """An adult's support from 1-10-2025 to 31-3-2026: past the end of the 2025 Wmo stream."""
    _stream, organisation, case, adult = setting
    return ActionFactory(
        case=case,
        theme=Theme.objects.get(code="welzijn"),
        delivering_organisation=organisation,
        beneficiary=adult,
        planned_cost=Decimal("3200.00"),
        start_date=datetime.date(2025, 10, 1),
        end_date=datetime.date(2026, 3, 31),
    )


def pay(action: Action, stream, by, amount: str = "3200.00") -> services.Payment:
    return services.allocation_create(
        action=action,
        stream=stream,
        amount=Decimal(amount),
        period_start=action.start_date,
        period_end=action.end_date,
        by=by,
    )


def test_a_period_past_the_streams_end_continues_in_the_same_silos_next_stream(
    personas: Personas, setting, running: Action
) -> None:
    stream = setting[0]
    next_year = StreamFactory(
        municipality=stream.municipality, valid_from=datetime.date(2026, 1, 1), valid_until=datetime.date(2026, 12, 31)
    )
    payment = pay(running, stream, personas.professional)
    assert payment.blockage is None
    assert [(a.stream, a.period_start, a.period_end) for a in payment.allocations] == [
        (stream, datetime.date(2025, 10, 1), datetime.date(2025, 12, 31)),
        (next_year, datetime.date(2026, 1, 1), datetime.date(2026, 3, 31)),
    ]
    # 92 and 90 days of 182, in cents; together exactly what was paid.
    assert [a.amount for a in payment.allocations] == [Decimal("1617.58"), Decimal("1582.42")]


def test_days_past_the_streams_end_without_a_next_stream_are_a_blockage_with_their_dates(
    personas: Personas, setting, running: Action
) -> None:
    stream = setting[0]
    payment = pay(running, stream, personas.professional)
    (allocation,) = payment.allocations
    assert (allocation.period_start, allocation.period_end) == (datetime.date(2025, 10, 1), datetime.date(2025, 12, 31))
    blockage = payment.blockage
    assert blockage is not None and blockage.reason == BlockageReason.STREAM_ENDS
    assert (blockage.gap_from, blockage.gap_until) == (datetime.date(2026, 1, 1), datetime.date(2026, 3, 31))
    assert allocation.amount + blockage.euros_stuck == Decimal("3200.00")
    assert blockage.events.get().kind == "opened"


def test_an_exhausted_budget_is_a_blockage_and_pays_nothing(personas: Personas, setting, running: Action) -> None:
    stream = setting[0]
    Action.objects.filter(pk=running.pk).update(end_date=datetime.date(2025, 12, 31))
    running.refresh_from_db()
    AllocationFactory(stream=stream, amount=Decimal("98000.00"))
    payment = pay(running, stream, personas.professional)
    assert payment.allocations == [] and not Allocation.objects.filter(action=running).exists()
    assert payment.blockage is not None and payment.blockage.reason == BlockageReason.BUDGET_EXHAUSTED
    assert payment.blockage.euros_stuck == Decimal("3200.00")
    # Paying again finds the same blockage instead of opening a second.
    assert pay(running, stream, personas.professional).blockage == payment.blockage


def test_where_the_team_says_so_only_its_lead_pays(personas: Personas, setting, running: Action) -> None:
    stream = setting[0]
    Action.objects.filter(pk=running.pk).update(end_date=datetime.date(2025, 12, 31))
    running.refresh_from_db()
    personas.team_a.allocated_by = "team_lead"
    personas.team_a.save()
    with pytest.raises(PermissionDenied):
        pay(running, stream, personas.professional)
    assert len(pay(running, stream, personas.team_lead).allocations) == 1


# --- Correcting an action runs detection again, with a version check ---------------------------------------


def correction(action: Action, **changes) -> case_services.ActionCorrection:
    values = {
        "delivering_organisation": action.delivering_organisation,
        "beneficiary": action.beneficiary,
        "planned_cost": action.planned_cost,
        "start_date": action.start_date,
        "end_date": action.end_date,
    }
    return case_services.ActionCorrection(**(values | changes))


def test_a_correction_past_the_18th_birthday_is_detected(personas: Personas, setting) -> None:
    _stream, _organisation, case, _adult = setting
    youth_care = OrganisationFactory(kind=OrganisationKind.objects.get(code="youth_care"))
    youth_care.silos.add(Silo.objects.get(code="jeugdwet"))
    StreamFactory(
        silo=Silo.objects.get(code="jeugdwet"), municipality=personas.team_a.municipality, min_age=0, max_age=17,
        kinds=["youth_care"], valid_from=datetime.date(2026, 1, 1), valid_until=datetime.date(2027, 12, 31),
    )  # fmt: skip
    teenager = PersonFactory(date_of_birth=datetime.date(2009, 3, 15))
    MembershipFactory(household=case.household, person=teenager)
    data = action_input(youth_care, beneficiary=teenager)
    action = case_services.action_create(
        case=case,
        data=dataclasses.replace(data, start_date=datetime.date(2026, 12, 7), end_date=datetime.date(2027, 1, 31)),
        by=personas.professional,
    )
    assert not Blockage.objects.exists()
    corrected = case_services.action_correct(
        action=action,
        data=correction(action, end_date=datetime.date(2027, 9, 30)),
        based_on_version=1,
        by=personas.professional,
    )
    assert corrected.version == 2
    blockage = Blockage.objects.get(action=action)
    assert blockage.reason == BlockageReason.AGE_LIMIT and blockage.gap_from == datetime.date(2027, 3, 15)


def test_a_correction_on_a_stale_version_writes_nothing(personas: Personas, setting) -> None:
    _stream, organisation, case, adult = setting
    action = case_services.action_create(
        case=case, data=action_input(organisation, beneficiary=adult), by=personas.professional
    )
    case_services.action_correct(
        action=action, data=correction(action, planned_cost=Decimal("700")), based_on_version=1, by=personas.team_lead
    )
    with pytest.raises(ValidationError) as error:
        case_services.action_correct(
            action=action,
            data=correction(action, planned_cost=Decimal("900")),
            based_on_version=1,
            by=personas.professional,
        )
    assert error.value.code == "stale"
    action.refresh_from_db()
    assert (action.planned_cost, action.version) == (Decimal("700.00"), 2)

"""The blockage transition table, who may take each step, and the doorbraak transaction."""

import datetime
import itertools
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from funding import services, workflow
from funding.models import (
    Allocation,
    Blockage,
    BlockageEvent,
    BlockageLevel,
    BlockageResolution,
    BlockageStatus,
)
from organisations.models import Role
from tests.cases.factories import ActionFactory, CaseFactory
from tests.conftest import Personas
from tests.funding.factories import BlockageFactory, FlexibleStreamFactory
from tests.organisations.factories import TeamMembershipFactory

pytestmark = pytest.mark.django_db

S, L = BlockageStatus, BlockageLevel
STATES = (
    [(S.OPEN, L.TEAM)]
    + [(S.ESCALATED, level) for level in list(L)[1:]]
    + [
        (S.RESOLVED, L.TEAM_LEAD),
        (S.NOT_RESOLVABLE, L.RIJK),
    ]
)


@pytest.mark.parametrize("state, step", list(itertools.product(STATES, list(workflow.Step))))
def test_every_step_from_every_state_is_allowed_or_refused_by_the_table(state, step) -> None:
    status, level = state
    allowed = status in {S.OPEN, S.ESCALATED} and not (step == workflow.Step.ESCALATE and level == L.RIJK)
    assert (workflow.refusal(status, level, step) is None) == allowed


def test_escalation_climbs_one_rung_at_a_time_up_to_the_rijk() -> None:
    status, level = S.OPEN, L.TEAM
    climbed = []
    while workflow.refusal(status, level, workflow.Step.ESCALATE) is None:
        status, level = workflow.target(status, level, workflow.Step.ESCALATE)
        climbed.append(level)
    assert climbed == [L.TEAM_LEAD, L.PROGRAMME_BUREAU, L.MUNICIPALITY, L.RIJK]
    assert status == S.ESCALATED


@pytest.fixture
def blockage(personas: Personas) -> Blockage:
    case = CaseFactory(team=personas.team_a)
    return BlockageFactory(action=ActionFactory(case=case), opened_by=personas.professional)


def test_the_full_ladder_each_step_by_the_right_role_timestamped_and_attributed(
    personas: Personas, blockage: Blockage
) -> None:
    services.blockage_escalate(blockage=blockage, by=personas.professional, note="Naar de teamleider")
    services.blockage_escalate(blockage=blockage, by=personas.team_lead)
    services.blockage_escalate(blockage=blockage, by=personas.bureau)
    services.blockage_escalate(blockage=blockage, by=personas.bureau, note="Aangekaart bij BZK")
    blockage.refresh_from_db()
    assert (blockage.status, blockage.level) == (S.ESCALATED, L.RIJK)
    services.blockage_resolve(
        blockage=blockage, by=personas.bureau, resolution=BlockageResolution.EXEMPTION, note="Experimenteerartikel"
    )
    blockage.refresh_from_db()
    assert blockage.status == S.RESOLVED and blockage.closed_at is not None
    events = list(blockage.events.order_by("at", "pk").values_list("kind", "level", "by__username"))
    assert events == [
        ("escalated", L.TEAM_LEAD, "prof-a"),
        ("escalated", L.PROGRAMME_BUREAU, "lead-a"),
        ("escalated", L.MUNICIPALITY, "bureau"),
        ("escalated", L.RIJK, "bureau"),
        ("resolved", L.RIJK, "bureau"),
    ]
    assert all(event.at is not None for event in blockage.events.all())


def test_a_professional_may_not_take_it_past_the_team_lead(personas: Personas, blockage: Blockage) -> None:
    services.blockage_escalate(blockage=blockage, by=personas.professional)
    with pytest.raises(PermissionDenied):
        services.blockage_escalate(blockage=blockage, by=personas.professional)
    with pytest.raises(PermissionDenied):
        services.blockage_resolve(
            blockage=blockage, by=personas.professional, resolution=BlockageResolution.OTHER_ROUTE, note="x"
        )


def test_the_bureau_acts_only_once_it_lies_with_the_bureau(personas: Personas, blockage: Blockage) -> None:
    with pytest.raises(PermissionDenied):
        services.blockage_escalate(blockage=blockage, by=personas.bureau)


def test_another_teams_lead_and_the_auditor_cannot_act(personas: Personas, blockage: Blockage) -> None:
    other_lead = TeamMembershipFactory(team=personas.team_b, user__role=Role.TEAM_LEAD).user
    services.blockage_escalate(blockage=blockage, by=personas.professional)
    for user in (other_lead, personas.auditor, personas.outsider):
        with pytest.raises(PermissionDenied):
            services.blockage_escalate(blockage=blockage, by=user)


def test_a_closed_blockage_stays_closed(personas: Personas, blockage: Blockage) -> None:
    services.blockage_mark_not_resolvable(blockage=blockage, by=personas.team_lead, note="Wet laat het niet toe")
    with pytest.raises(ValidationError) as error:
        services.blockage_escalate(blockage=blockage, by=personas.team_lead)
    assert "step" in error.value.message_dict
    blockage.refresh_from_db()
    assert blockage.status == S.NOT_RESOLVABLE


def test_resolving_needs_a_resolution_and_an_explanation(personas: Personas, blockage: Blockage) -> None:
    with pytest.raises(ValidationError) as error:
        services.blockage_resolve(blockage=blockage, by=personas.team_lead, resolution="flexible_budget", note="x")
    assert "resolution" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        services.blockage_resolve(blockage=blockage, by=personas.team_lead, resolution="exemption", note=" ")
    assert "note" in error.value.message_dict


def test_the_database_refuses_a_doorbraak_without_its_allocation(blockage: Blockage) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        Blockage.objects.filter(pk=blockage.pk).update(
            status=S.RESOLVED,
            resolution=BlockageResolution.FLEXIBLE_BUDGET,
            closed_at=datetime.datetime.now(datetime.UTC),
        )


# --- Doorbraak: pay from the flexible budget and resolve, in one transaction -----------------------------


@pytest.fixture
def flexible(personas: Personas):
    today = datetime.date.today()
    return FlexibleStreamFactory(
        municipality=personas.team_a.municipality,
        valid_from=today.replace(month=1, day=1),
        valid_until=today.replace(month=12, day=31),
        budget=Decimal("1000.00"),
    )


def test_paying_from_the_flexible_budget_allocates_and_resolves_at_once(
    personas: Personas, blockage: Blockage, flexible
) -> None:
    services.blockage_pay_flexible(blockage=blockage, by=personas.team_lead, amount=Decimal("450.00"), note="Doorbraak")
    blockage.refresh_from_db()
    allocation = Allocation.objects.get()
    assert allocation.stream == flexible and allocation.action == blockage.action
    assert allocation.amount == Decimal("450.00") and allocation.reference.startswith("AL-")
    assert blockage.status == S.RESOLVED and blockage.resolution == BlockageResolution.FLEXIBLE_BUDGET
    assert blockage.allocation == allocation
    assert blockage.events.last().kind == BlockageEvent.Kind.RESOLVED


def test_a_doorbraak_beyond_the_flexible_budget_writes_nothing(
    personas: Personas, blockage: Blockage, flexible
) -> None:
    with pytest.raises(ValidationError) as error:
        services.blockage_pay_flexible(blockage=blockage, by=personas.team_lead, amount=Decimal("1000.01"))
    assert "amount" in error.value.message_dict
    blockage.refresh_from_db()
    assert blockage.status == S.OPEN and not Allocation.objects.exists()
    assert not blockage.events.exists()


def test_a_doorbraak_that_fails_at_the_last_step_rolls_back_the_allocation(
    personas: Personas, blockage: Blockage, flexible
) -> None:
    """The allocation is written before the resolution; a refusal after it must take it back."""
    with pytest.raises(PermissionDenied):
        services.blockage_pay_flexible(blockage=blockage, by=personas.professional, amount=Decimal("100.00"))
    assert not Allocation.objects.exists()
    blockage.refresh_from_db()
    assert blockage.status == S.OPEN


def test_a_doorbraak_without_a_flexible_budget_is_refused(personas: Personas, blockage: Blockage) -> None:
    with pytest.raises(ValidationError):
        services.blockage_pay_flexible(blockage=blockage, by=personas.team_lead)
    assert not Allocation.objects.exists()


def test_registering_by_hand_cites_the_rule_and_the_costs(personas: Personas) -> None:
    action = ActionFactory(case=CaseFactory(team=personas.team_a))
    blockage = services.blockage_register(
        action=action,
        by=personas.professional,
        rule="Wmo-verordening art. 3: geen begeleiding bij schulden",
        household_impact="Huur loopt verder achter",
        euros_stuck=Decimal("800"),
        delay_days=45,
    )
    assert blockage.source == Blockage.Source.REGISTERED and blockage.reason == "other"
    assert blockage.events.get().by == personas.professional
    with pytest.raises(ValidationError) as error:
        services.blockage_register(
            action=action,
            by=personas.professional,
            rule="",
            household_impact="",
            euros_stuck=Decimal("-1"),
            delay_days=-2,
        )
    assert set(error.value.message_dict) == {"rule", "household_impact", "euros_stuck", "delay_days"}


def test_nobody_outside_the_case_registers_a_blockage(personas: Personas) -> None:
    action = ActionFactory(case=CaseFactory(team=personas.team_a))
    for user in (personas.professional_b, personas.bureau, personas.outsider):
        with pytest.raises(PermissionDenied):
            services.blockage_register(
                action=action, by=user, rule="r", household_impact="h", euros_stuck=Decimal("1"), delay_days=1
            )


def test_a_doorbraak_changes_the_blockage_in_its_history_by_whoever_paid(
    personas: Personas, blockage: Blockage, flexible
) -> None:
    services.blockage_pay_flexible(blockage=blockage, by=personas.team_lead, amount=Decimal("450.00"), note="Doorbraak")
    latest = Blockage.history.filter(id=blockage.pk).latest()
    assert (latest.history_type, latest.history_user) == ("~", personas.team_lead)
    assert latest.allocation_id == Allocation.objects.get().pk
    assert latest.status == S.RESOLVED and latest.resolution == BlockageResolution.FLEXIBLE_BUDGET


# --- Doorbraak over the action's real period (issue 14, item 5) --------------------------------------------


@pytest.fixture
def into_next_year(personas: Personas) -> Blockage:
    """Help from 1-11-2026 to 31-3-2027, blocked; the flexible budget of 2026 ends on 31-12-2026."""
    case = CaseFactory(team=personas.team_a)
    action = ActionFactory(
        case=case, start_date=datetime.date(2026, 11, 1), end_date=datetime.date(2027, 3, 31), planned_cost=1510
    )
    FlexibleStreamFactory(
        municipality=personas.team_a.municipality,
        valid_from=datetime.date(2026, 1, 1),
        valid_until=datetime.date(2026, 12, 31),
    )
    return BlockageFactory(action=action, opened_by=personas.professional, euros_stuck=Decimal("1510.00"))


def test_a_doorbraak_into_next_year_charges_each_years_flexible_budget(
    personas: Personas, into_next_year: Blockage
) -> None:
    next_year = FlexibleStreamFactory(
        municipality=personas.team_a.municipality,
        valid_from=datetime.date(2027, 1, 1),
        valid_until=datetime.date(2027, 12, 31),
    )
    services.blockage_pay_flexible(blockage=into_next_year, by=personas.team_lead, note="Doorbraak")
    allocations = list(Allocation.objects.order_by("period_start"))
    assert [(a.period_start, a.period_end) for a in allocations] == [
        (datetime.date(2026, 11, 1), datetime.date(2026, 12, 31)),
        (datetime.date(2027, 1, 1), datetime.date(2027, 3, 31)),
    ]
    assert allocations[1].stream == next_year
    # 61 and 90 days of 151.
    assert [a.amount for a in allocations] == [Decimal("610.00"), Decimal("900.00")]
    into_next_year.refresh_from_db()
    assert into_next_year.status == S.RESOLVED and into_next_year.allocation == allocations[0]


def test_a_doorbraak_into_a_year_without_flexible_budget_says_so_and_writes_nothing(
    personas: Personas, into_next_year: Blockage
) -> None:
    with pytest.raises(ValidationError) as error:
        services.blockage_pay_flexible(blockage=into_next_year, by=personas.team_lead, note="Doorbraak")
    assert "2027" in error.value.message_dict["amount"][0]
    assert not Allocation.objects.exists()
    into_next_year.refresh_from_db()
    assert into_next_year.status == S.OPEN

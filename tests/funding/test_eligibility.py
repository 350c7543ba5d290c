"""Every blockage reason, each from a minimal fixture that differs from a fitting one in one rule."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

import pytest

from cases.models import Action
from funding import eligibility
from funding.models import Blockage, BlockageReason, FundingStream, Silo
from organisations.models import Organisation, OrganisationKind
from tests.cases.factories import ActionFactory, CaseFactory, MembershipFactory, PersonFactory
from tests.funding.factories import AllocationFactory, FlexibleStreamFactory, StreamFactory
from tests.organisations.factories import NeighbourhoodFactory, OrganisationFactory
from themes.models import Theme

pytestmark = pytest.mark.django_db


@dataclass
class World:
    stream: FundingStream
    organisation: Organisation
    action: Action


@pytest.fixture
def world() -> World:
    """An adult's wellbeing support by social work, and a Wmo stream that fits it exactly."""
    stream = StreamFactory()
    organisation = OrganisationFactory()
    organisation.silos.add(Silo.objects.get(code="wmo"))
    case = CaseFactory()
    adult = PersonFactory(date_of_birth=datetime.date(1985, 5, 17))
    MembershipFactory(household=case.household, person=adult)
    action = ActionFactory(
        case=case,
        theme=Theme.objects.get(code="welzijn"),
        delivering_organisation=organisation,
        beneficiary=adult,
        start_date=datetime.date(2025, 3, 1),
        planned_cost=Decimal("450.00"),
    )
    return World(stream=stream, organisation=organisation, action=action)


def verdict(action: Action) -> eligibility.Verdict:
    return eligibility.evaluate([action.pk])[action.pk]


def test_a_fitting_action_has_its_stream_as_eligible(world: World) -> None:
    result = verdict(world.action)
    assert not result.blocked and result.reason is None
    assert result.eligible_stream_ids == (world.stream.pk,)


def test_no_stream_for_the_theme(world: World) -> None:
    Action.objects.filter(pk=world.action.pk).update(theme=Theme.objects.get(code="veiligheid"))
    result = verdict(world.action)
    assert result.reason == BlockageReason.THEME
    assert result.closest_stream_id is None and result.closest_silo_id is None


def test_no_stream_in_the_period(world: World) -> None:
    Action.objects.filter(pk=world.action.pk).update(start_date=datetime.date(2026, 2, 1))
    result = verdict(world.action)
    assert result.reason == BlockageReason.PERIOD
    assert result.closest_stream_id == world.stream.pk


def test_no_stream_for_the_area(world: World) -> None:
    world.stream.areas.set([NeighbourhoodFactory()])
    assert verdict(world.action).reason == BlockageReason.AREA


def test_a_stream_bound_to_the_district_pays_in_its_neighbourhoods(world: World) -> None:
    world.stream.areas.set([world.action.case.household.neighbourhood.parent])
    assert not verdict(world.action).blocked


def test_no_stream_lets_this_kind_of_organisation_deliver(world: World) -> None:
    world.organisation.kind = OrganisationKind.objects.get(code="youth_care")
    world.organisation.save()
    assert verdict(world.action).reason == BlockageReason.ORGANISATION_KIND


def test_the_beneficiarys_age_is_outside_every_stream(world: World) -> None:
    child = PersonFactory(date_of_birth=datetime.date(2012, 1, 1))
    Action.objects.filter(pk=world.action.pk).update(beneficiary=child)
    assert verdict(world.action).reason == BlockageReason.AGE


def test_an_unknown_date_of_birth_fails_an_age_bound_stream(world: World) -> None:
    Action.objects.filter(pk=world.action.pk).update(beneficiary=PersonFactory(date_of_birth=None))
    assert verdict(world.action).reason == BlockageReason.AGE


def test_the_age_counts_on_the_actions_start_date(world: World) -> None:
    turns_18 = PersonFactory(date_of_birth=datetime.date(2007, 3, 1))
    Action.objects.filter(pk=world.action.pk).update(beneficiary=turns_18)
    assert not verdict(world.action).blocked
    Action.objects.filter(pk=world.action.pk).update(start_date=datetime.date(2025, 2, 28))
    assert verdict(world.action).reason == BlockageReason.AGE


def test_a_household_level_need_with_only_person_level_streams(world: World) -> None:
    Action.objects.filter(pk=world.action.pk).update(beneficiary=None)
    assert verdict(world.action).reason == BlockageReason.HOUSEHOLD_LEVEL
    FundingStream.objects.filter(pk=world.stream.pk).update(household_level=True)
    assert not verdict(world.action).blocked


def test_a_fitting_stream_only_in_a_silo_the_organisation_cannot_bill(world: World) -> None:
    world.organisation.silos.set([Silo.objects.get(code="jeugdwet")])
    result = verdict(world.action)
    assert result.reason == BlockageReason.SILO_NOT_BILLABLE
    assert result.closest_silo_id == Silo.objects.get(code="wmo").pk


def test_the_budget_is_exhausted(world: World) -> None:
    AllocationFactory(stream=world.stream, amount=Decimal("99800.00"))
    assert verdict(world.action).reason == BlockageReason.BUDGET_EXHAUSTED
    FundingStream.objects.filter(pk=world.stream.pk).update(budget=Decimal("100250.00"))
    assert not verdict(world.action).blocked


def test_the_flexible_budget_is_never_matched_automatically(world: World) -> None:
    FlexibleStreamFactory(municipality=world.stream.municipality)
    Action.objects.filter(pk=world.action.pk).update(theme=Theme.objects.get(code="veiligheid"))
    assert verdict(world.action).reason == BlockageReason.THEME


def test_a_stream_of_another_municipality_does_not_count(world: World) -> None:
    from tests.organisations.factories import MunicipalityFactory

    FundingStream.objects.filter(pk=world.stream.pk).update(
        municipality=MunicipalityFactory(code="GM0888", name="Elders")
    )
    assert verdict(world.action).reason == BlockageReason.THEME


def test_the_closest_stream_decides_the_reason(world: World) -> None:
    """A Jeugdwet stream that fits all but the age beats a Wmo stream that fails on the organisation kind."""
    world.organisation.kind = OrganisationKind.objects.get(code="youth_care")
    world.organisation.save()
    world.organisation.silos.set([Silo.objects.get(code="jeugdwet")])
    youth = StreamFactory(
        silo=Silo.objects.get(code="jeugdwet"), min_age=0, max_age=17, kinds=["youth_care"], themes=["welzijn"]
    )
    result = verdict(world.action)
    assert result.reason == BlockageReason.AGE
    assert result.closest_stream_id == youth.pk


def test_done_cancelled_and_funded_actions_are_not_checked_for_detection(world: World) -> None:
    Action.objects.filter(pk=world.action.pk).update(theme=Theme.objects.get(code="veiligheid"))
    AllocationFactory(action=world.action, stream=world.stream)
    assert eligibility.evaluate([world.action.pk], unfunded_only=True) == {}
    assert eligibility.detect(action_ids=[world.action.pk], by_id=None, at=None) == 0
    Action.objects.filter(pk=world.action.pk).update(status=Action.Status.CANCELLED)
    assert eligibility.evaluate([world.action.pk]) == {}


def test_detection_opens_one_blockage_and_running_it_again_never_duplicates(world: World) -> None:
    Action.objects.filter(pk=world.action.pk).update(beneficiary=None)
    assert eligibility.detect(action_ids=[world.action.pk], by_id=None, at=None) == 1
    assert eligibility.detect(action_ids=[world.action.pk], by_id=None, at=None) == 0
    assert eligibility.detect(action_ids=None, by_id=None, at=None) == 0
    blockage = Blockage.objects.get()
    assert blockage.reason == BlockageReason.HOUSEHOLD_LEVEL and blockage.source == Blockage.Source.DETECTED
    assert blockage.stream == world.stream and blockage.silo.code == "wmo"
    assert blockage.euros_stuck == Decimal("450.00")
    assert blockage.opened_by_id == world.action.created_by_id
    assert list(blockage.events.values_list("kind", "to_status")) == [("opened", "open")]


def test_detection_in_bulk_agrees_with_the_check_of_one_action(world: World) -> None:
    other = ActionFactory(
        case=world.action.case,
        theme=Theme.objects.get(code="werk"),
        delivering_organisation=world.organisation,
        start_date=datetime.date(2025, 3, 1),
    )
    expected = {
        action_id: result.reason for action_id, result in eligibility.evaluate([world.action.pk, other.pk]).items()
    }
    eligibility.detect(action_ids=None, by_id=None, at=None)
    detected = dict(Blockage.objects.values_list("action_id", "reason"))
    assert detected == {other.pk: BlockageReason.THEME}
    assert expected == {world.action.pk: None, other.pk: BlockageReason.THEME}


def test_the_nightly_sweep_task_finds_an_action_a_rule_change_blocked_once(world: World) -> None:
    from funding.tasks import detect_blockages

    detect_blockages.apply()
    assert not Blockage.objects.exists()  # the action fits its stream
    world.stream.themes.set([Theme.objects.get(code="werk")])  # the rule changes overnight
    detect_blockages.apply()
    detect_blockages.apply()
    assert Blockage.objects.get().reason == BlockageReason.THEME


def test_the_daily_redetection_catches_a_birth_date_corrected_into_an_age_limit(world: World) -> None:
    """A running action that fitted when it was recorded; then the beneficiary's birth date is corrected."""
    from funding.tasks import detect_blockages

    world.organisation.kind = OrganisationKind.objects.get(code="youth_care")
    world.organisation.save()
    world.organisation.silos.set([Silo.objects.get(code="jeugdwet"), Silo.objects.get(code="wmo")])
    StreamFactory(
        silo=Silo.objects.get(code="jeugdwet"), municipality=world.stream.municipality, min_age=0, max_age=17,
        kinds=["youth_care"],
    )  # fmt: skip
    Action.objects.filter(pk=world.action.pk).update(
        status=Action.Status.IN_PROGRESS, end_date=datetime.date(2025, 12, 31)
    )
    world.action.beneficiary.date_of_birth = datetime.date(2010, 1, 1)
    world.action.beneficiary.save()
    detect_blockages.apply()
    assert not Blockage.objects.exists()
    world.action.beneficiary.date_of_birth = datetime.date(2007, 6, 1)  # 18 on 1-6-2025, during the action
    world.action.beneficiary.save()
    detect_blockages.apply()
    blockage = Blockage.objects.get()
    assert blockage.reason == BlockageReason.AGE_LIMIT and blockage.gap_from == datetime.date(2025, 6, 1)
    assert blockage.takeover_stream == world.stream  # Wmo, from 18
    assert Blockage.history.filter(id=blockage.pk, history_type="+").exists()


def test_a_redelivered_redetection_message_takes_effect_once(world: World) -> None:
    from funding.tasks import detect_blockages
    from jobs.models import TaskExecution

    world.stream.themes.set([Theme.objects.get(code="werk")])
    detect_blockages.apply(task_id="daily-2025-03-02")
    Blockage.objects.all().delete()  # were the message delivered again, its run would open it anew
    detect_blockages.apply(task_id="daily-2025-03-02")
    assert not Blockage.objects.exists()
    assert TaskExecution.objects.filter(task_name="funding.detect_blockages").count() == 1


# --- The whole period (issue 14, item 2) ------------------------------------------------------------------


def youth_world(world: World) -> tuple[Action, FundingStream]:
    """The reported case: Jeugdwet help for a 17-year-old from 7-12-2026 to 30-9-2027; 18 on 15-3-2027."""
    world.organisation.kind = OrganisationKind.objects.get(code="youth_care")
    world.organisation.save()
    world.organisation.silos.set([Silo.objects.get(code="jeugdwet")])
    youth = StreamFactory(
        silo=Silo.objects.get(code="jeugdwet"),
        municipality=world.stream.municipality,
        min_age=0,
        max_age=17,
        kinds=["youth_care"],
        valid_from=datetime.date(2026, 1, 1),
        valid_until=datetime.date(2026, 12, 31),
    )
    teenager = PersonFactory(date_of_birth=datetime.date(2009, 3, 15))
    MembershipFactory(household=world.action.case.household, person=teenager)
    Action.objects.filter(pk=world.action.pk).update(
        beneficiary=teenager, start_date=datetime.date(2026, 12, 7), end_date=datetime.date(2027, 9, 30)
    )
    return world.action, youth


def test_a_17_year_old_turning_18_during_a_jeugdwet_action_is_blocked_from_the_birthday(world: World) -> None:
    action, youth = youth_world(world)
    wmo_2027 = StreamFactory(
        municipality=world.stream.municipality,
        valid_from=datetime.date(2027, 1, 1),
        valid_until=datetime.date(2027, 12, 31),
    )
    result = verdict(action)
    assert result.blocked and result.reason == BlockageReason.AGE_LIMIT
    assert result.closest_stream_id == youth.pk
    assert result.gap_from == datetime.date(2027, 3, 15) and result.gap_until == datetime.date(2027, 9, 30)
    assert result.takeover_stream_id == wmo_2027.pk
    eligibility.detect(action_ids=[action.pk], by_id=None, at=None)
    blockage = Blockage.objects.get(action=action)
    assert blockage.reason == BlockageReason.AGE_LIMIT
    assert (blockage.gap_from, blockage.gap_until) == (datetime.date(2027, 3, 15), datetime.date(2027, 9, 30))
    assert blockage.takeover_stream == wmo_2027


def test_an_action_that_ends_before_the_18th_birthday_fits(world: World) -> None:
    action, youth = youth_world(world)
    Action.objects.filter(pk=action.pk).update(end_date=datetime.date(2026, 12, 31))
    assert verdict(action).eligible_stream_ids == (youth.pk,)


def test_a_stream_that_ends_before_the_action_is_a_blockage_with_the_uncovered_dates(world: World) -> None:
    Action.objects.filter(pk=world.action.pk).update(end_date=datetime.date(2026, 6, 30))
    result = verdict(world.action)
    assert result.reason == BlockageReason.STREAM_ENDS
    assert (result.gap_from, result.gap_until) == (datetime.date(2026, 1, 1), datetime.date(2026, 6, 30))


def test_the_same_silos_stream_of_the_next_period_carries_the_action_on(world: World) -> None:
    Action.objects.filter(pk=world.action.pk).update(end_date=datetime.date(2026, 6, 30))
    StreamFactory(
        municipality=world.stream.municipality,
        valid_from=datetime.date(2026, 1, 1),
        valid_until=datetime.date(2026, 12, 31),
    )
    assert verdict(world.action).eligible_stream_ids == (world.stream.pk,)

"""The funding seed over existing actions: streams for every silo, budgets that run out, allocations, spend,
and blockages that come from the rules (never written in)."""

import datetime
import io
import random

import pytest
from django.core.management.base import OutputWrapper
from django.db import connection

from cases.models import Action
from common.seeding import SCALES, SeedContext
from funding import eligibility
from funding import seed as funding_seed
from funding.models import Allocation, Blockage, BlockageEvent, BlockageReason, FundingStream, Silo, Spend
from organisations import seed as organisations_seed
from organisations.models import Organisation, OrganisationKind
from tests.cases.factories import ActionFactory, CaseFactory, MembershipFactory, PersonFactory
from tests.funding.generate import generate_casework
from tests.organisations.factories import OrganisationFactory, TeamFactory
from themes.models import Theme

# The seed drops and rebuilds indexes: it runs as the database owner, as `make seed` does.
pytestmark = [pytest.mark.django_db, pytest.mark.database_owner]


def context(seed: int = 3) -> SeedContext:
    return SeedContext(scale=SCALES["demo"], rng=random.Random(seed), stdout=OutputWrapper(io.StringIO()))


def organisation(kind: str, silos: list[str]) -> Organisation:
    made = OrganisationFactory(kind=OrganisationKind.objects.get(code=kind))
    made.silos.set(Silo.objects.filter(code__in=silos))
    return made


def test_the_seed_turns_silo_conflicts_in_the_actions_into_blockages_from_the_rules() -> None:
    """Factories make a few actions that Dutch funding rules block, each for its own reason."""
    this_year = datetime.date.today().year
    start = datetime.date(this_year, 3, 1)
    case = CaseFactory(team=TeamFactory())
    adult = PersonFactory(date_of_birth=datetime.date(1990, 1, 1))
    young_adult = PersonFactory(date_of_birth=datetime.date(this_year - 19, 1, 1))
    for person in (adult, young_adult):
        MembershipFactory(household=case.household, person=person)
    youth_care = organisation("youth_care", ["jeugdwet"])
    social_work = organisation("social_work", ["wmo", "jeugdwet"])
    theme = {code: Theme.objects.get(code=code) for code in ("welzijn", "werk")}

    def action(**fields: object) -> Action:
        return ActionFactory(case=case, start_date=start, status=Action.Status.APPROVED, **fields)

    expected = {
        # Jeugdwet stops at 17: youth care for a 19-year-old.
        action(theme=theme["welzijn"], delivering_organisation=youth_care, beneficiary=young_adult).pk: "age",
        # Jeugdhulp pays per child, not for the household as a whole.
        action(theme=theme["welzijn"], delivering_organisation=youth_care, beneficiary=None).pk: "household_level",
        # Debt help is Wgs money; social work may deliver it but cannot bill Wgs.
        action(theme=theme["werk"], delivering_organisation=social_work, beneficiary=adult).pk: "silo_not_billable",
    }
    fitting = action(theme=theme["welzijn"], delivering_organisation=social_work, beneficiary=adult)

    funding_seed.seed(context())

    assert set(FundingStream.objects.values_list("silo__code", flat=True)) == set(
        Silo.objects.values_list("code", flat=True)
    )
    detected = dict(Blockage.objects.filter(action_id__in=expected).values_list("action_id", "reason"))
    assert detected == expected
    assert Blockage.objects.filter(source=Blockage.Source.REGISTERED).count() == 0
    assert Allocation.objects.filter(action=fitting, stream__silo__code="wmo").exists()
    assert not Blockage.objects.filter(action=fitting).exists()


@pytest.fixture
def generated() -> SeedContext:
    ctx = context()
    organisations_seed.seed(ctx)
    generate_casework(ctx, cases=400)
    funding_seed.seed(ctx)
    return ctx


def test_the_seed_on_generated_casework_gives_a_working_funding_picture(generated: SeedContext) -> None:
    # Most paid-for actions have an allocation; proposed ones wait.
    paid = Action.objects.filter(status__in=["approved", "in_progress", "done"], planned_cost__gt=0)
    assert Allocation.objects.filter(action__in=paid).values("action").distinct().count() > paid.count() / 3
    # Spend only for months that have begun, within each allocation's stream period.
    today = datetime.date.today()
    assert Spend.objects.exists() and not Spend.objects.filter(month__gt=today).exists()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM funding_spend sp JOIN funding_fundingstream s ON s.id = sp.stream_id "
            "WHERE sp.month < date_trunc('month', s.valid_from) OR sp.month > s.valid_until"
        )
        assert cursor.fetchone()[0] == 0
        # No ordinary stream pays more than its budget.
        cursor.execute(
            "SELECT count(*) FROM funding_fundingstream s JOIN funding_silo si ON si.id = s.silo_id "
            "WHERE s.budget < (SELECT COALESCE(sum(amount), 0) FROM funding_allocation al WHERE al.stream_id = s.id)"
        )
        assert cursor.fetchone()[0] == 0
    # Some budgets run out, and several kinds of silo conflict arise.
    reasons = set(Blockage.objects.values_list("reason", flat=True))
    assert {BlockageReason.AGE, BlockageReason.HOUSEHOLD_LEVEL, BlockageReason.SILO_NOT_BILLABLE} <= reasons
    # Every blockage still open is one the rules give today.
    open_detected = Blockage.objects.filter(source="detected", status="open", allocation__isnull=True)
    verdicts = eligibility.evaluate(list(open_detected.values_list("action_id", flat=True)))
    for action_id, reason in open_detected.values_list("action_id", "reason"):
        assert verdicts[action_id].reason == reason
    # Detection again opens nothing new.
    assert eligibility.detect(action_ids=None, by_id=None, at=None) == 0
    # Part of them went up the ladder, each step recorded; doorbraak payments have their allocation.
    assert BlockageEvent.objects.filter(kind="escalated").exists()
    for blockage in Blockage.objects.filter(resolution="flexible_budget"):
        assert blockage.allocation.stream.silo.silo_free and blockage.allocation.amount == blockage.euros_stuck
    assert Spend.objects.filter(spend_import__filename__startswith="seed_demo").exists()


def test_the_same_seed_gives_the_same_funding_data() -> None:
    from wijkteam.management.commands.seed_demo import Command

    def run() -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
        Command()._truncate()  # also restarts the id sequences, as seed_demo --reset does
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        ctx = context(5)
        organisations_seed.seed(ctx)
        generate_casework(ctx, cases=120, today=datetime.date(2026, 6, 1))
        funding_seed.seed(ctx)
        blockages = Blockage.objects.order_by("action__case__reference", "reason").values_list(
            "action__case__reference", "reason", "status", "level", "euros_stuck"
        )
        budgets = FundingStream.objects.order_by("code").values_list("code", "budget")
        return list(blockages), list(budgets)

    first = run()
    assert run() == first and first[0]

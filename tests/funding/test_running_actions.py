"""Issue 14, what paying and the daily re-detection do over an action's whole period:

- a 17-year-old's action that crosses 18 is paid from the Jeugdwet stream up to the day before the birthday;
  the rest is a blockage naming that date and the stream that could take over, which can then pay it;
- a period past a stream's end continues only in the same silo's stream of the next period (same Iv3 taakveld
  and funding logic, starting the day after): anything looser leaves a "stream ends" blockage with its dates;
- the daily re-detection re-checks actions that are already paid: a stream cut short, a household that moved
  out of the stream's area, a beneficiary who left the household, an age limit crossed.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from cases import reminders
from cases.models import Action, HouseholdMembership, Reminder
from funding import eligibility, services
from funding.models import Allocation, Blockage, BlockageReason, FundingStream, Silo
from organisations.models import Organisation, OrganisationKind
from tests.cases.factories import ActionFactory, CaseFactory, MembershipFactory, PersonFactory
from tests.conftest import Personas
from tests.funding.factories import AllocationFactory, StreamFactory
from tests.organisations.factories import NeighbourhoodFactory, OrganisationFactory
from themes.models import Theme

pytestmark = pytest.mark.django_db

D = datetime.date


@dataclass
class Youth:
    jeugdwet: FundingStream
    wmo: FundingStream
    organisation: Organisation
    action: Action


@pytest.fixture
def youth(personas: Personas) -> Youth:
    """Sanne turns 18 on 15-3-2027, during help from 7-12-2026 to 30-9-2027 by a youth-care organisation that
    bills both the Jeugdwet and the Wmo. Jeugdwet pays to 17 (2026 and 2027); Wmo from 18 in 2027."""
    municipality = personas.team_a.municipality
    jeugdwet = Silo.objects.get(code="jeugdwet")
    common = {"municipality": municipality, "kinds": ["youth_care"], "iv3_taakveld": "6.72"}
    first = StreamFactory(
        name="Jeugdhulp 2026", silo=jeugdwet, min_age=0, max_age=17, valid_from=D(2026, 1, 1),
        valid_until=D(2026, 12, 31), **common,
    )  # fmt: skip
    StreamFactory(
        name="Jeugdhulp 2027", silo=jeugdwet, min_age=0, max_age=17, valid_from=D(2027, 1, 1),
        valid_until=D(2027, 12, 31), **common,
    )  # fmt: skip
    wmo = StreamFactory(
        name="Wmo begeleiding 2027", municipality=municipality, kinds=["youth_care"], valid_from=D(2027, 1, 1),
        valid_until=D(2027, 12, 31),
    )  # fmt: skip
    organisation = OrganisationFactory(kind=OrganisationKind.objects.get(code="youth_care"))
    organisation.silos.set([jeugdwet, Silo.objects.get(code="wmo")])
    case = CaseFactory(team=personas.team_a)
    sanne = PersonFactory(first_name="Sanne", date_of_birth=D(2009, 3, 15))
    MembershipFactory(household=case.household, person=sanne)
    action = ActionFactory(
        case=case,
        theme=Theme.objects.get(code="welzijn"),
        delivering_organisation=organisation,
        beneficiary=sanne,
        planned_cost=Decimal("2980.00"),
        start_date=D(2026, 12, 7),
        end_date=D(2027, 9, 30),
    )
    return Youth(jeugdwet=first, wmo=wmo, organisation=organisation, action=action)


def pay(personas: Personas, action: Action, stream: FundingStream, amount: str, start: D, end: D):
    return services.allocation_create(
        action=action, stream=stream, amount=Decimal(amount), period_start=start, period_end=end,
        by=personas.professional,
    )  # fmt: skip


# --- Crossing 18 ------------------------------------------------------------------------------------------


def test_the_jeugdwet_stream_pays_up_to_the_day_before_the_18th_birthday(personas: Personas, youth: Youth) -> None:
    payment = pay(personas, youth.action, youth.jeugdwet, "2980.00", D(2026, 12, 7), D(2027, 9, 30))

    # 7-12-2026 to 14-3-2027 is 98 of the 298 days: 2026 from the 2026 stream, 2027 from its continuation.
    periods = [(a.stream.name, a.period_start, a.period_end, a.amount) for a in payment.allocations]
    assert periods == [
        ("Jeugdhulp 2026", D(2026, 12, 7), D(2026, 12, 31), Decimal("250.00")),
        ("Jeugdhulp 2027", D(2027, 1, 1), D(2027, 3, 14), Decimal("730.00")),
    ]
    blockage = payment.blockage
    assert blockage is not None and blockage.reason == BlockageReason.AGE_LIMIT
    assert (blockage.gap_from, blockage.gap_until) == (D(2027, 3, 15), D(2027, 9, 30))
    assert blockage.takeover_stream == youth.wmo
    assert blockage.euros_stuck == Decimal("2000.00")


def test_the_rest_is_paid_from_the_stream_that_takes_over(personas: Personas, youth: Youth) -> None:
    pay(personas, youth.action, youth.jeugdwet, "2980.00", D(2026, 12, 7), D(2027, 9, 30))

    payment = pay(personas, youth.action, youth.wmo, "2000.00", D(2027, 3, 15), D(2027, 9, 30))

    (allocation,) = payment.allocations
    assert (allocation.stream, allocation.period_start, allocation.amount) == (
        youth.wmo,
        D(2027, 3, 15),
        Decimal("2000.00"),
    )
    assert payment.blockage is None
    assert Allocation.objects.filter(action=youth.action).count() == 3


def test_the_wmo_stream_cannot_pay_the_days_before_the_18th_birthday(personas: Personas, youth: Youth) -> None:
    with pytest.raises(ValidationError) as error:
        pay(personas, youth.action, youth.wmo, "2980.00", D(2027, 1, 1), D(2027, 9, 30))
    assert "stream" in error.value.message_dict
    assert not Allocation.objects.exists()


def test_the_jeugdwet_stream_cannot_pay_a_period_that_starts_at_18(personas: Personas, youth: Youth) -> None:
    youth_2027 = FundingStream.objects.get(name="Jeugdhulp 2027")
    with pytest.raises(ValidationError) as error:
        pay(personas, youth.action, youth_2027, "1000.00", D(2027, 3, 15), D(2027, 9, 30))
    assert "stream" in error.value.message_dict
    assert not Allocation.objects.exists()


def test_the_pay_screen_offers_the_takeover_stream_for_the_rest(log_in, personas: Personas, youth: Youth) -> None:
    client = log_in(personas.professional)
    url = f"/financiering/acties/{youth.action.uuid}/betalen/"
    page = client.get(url).content.decode()
    assert "15 maart 2027" in page  # the Jeugdwet option says where it stops
    response = client.post(
        url,
        {"stream": str(youth.jeugdwet.uuid), "amount": "2.980,00", "period_start": "2026-12-07",
         "period_end": "2027-09-30"},
    )  # fmt: skip
    assert response.status_code == 302
    blockage = Blockage.objects.get(action=youth.action)
    assert blockage.reason == BlockageReason.AGE_LIMIT and blockage.gap_from == D(2027, 3, 15)

    page = client.get(url).content.decode()
    assert 'value="2027-03-15"' in page  # the rest: from the birthday
    response = client.post(
        url,
        {"stream": str(youth.wmo.uuid), "amount": "2.000,00", "period_start": "2027-03-15",
         "period_end": "2027-09-30"},
    )  # fmt: skip
    assert response.status_code == 302
    assert Allocation.objects.filter(action=youth.action, stream=youth.wmo).exists()


def test_the_coordinator_is_signalled_90_days_before_the_paid_action_crosses_18(
    personas: Personas, youth: Youth
) -> None:
    Action.objects.filter(pk=youth.action.pk).update(status=Action.Status.IN_PROGRESS)
    pay(personas, youth.action, youth.jeugdwet, "2980.00", D(2026, 12, 7), D(2027, 9, 30))
    reminders.reminders_refresh(today=D(2026, 12, 13))  # 92 days before
    assert not Reminder.objects.filter(case=youth.action.case, kind="age_transition").exists()
    reminders.reminders_refresh(today=D(2026, 12, 15))  # 90 days before
    reminder = Reminder.objects.get(case=youth.action.case, kind="age_transition", resolved_at__isnull=True)
    assert reminder.since == D(2027, 3, 15)


# --- Continuation in the next period --------------------------------------------------------------------------


@pytest.fixture
def debt(personas: Personas) -> tuple[FundingStream, Action]:
    """Debt counselling from 1-10-2026 to 31-3-2027 and the Wgs stream of 2026 (Iv3 6.3, per case)."""
    municipality = personas.team_a.municipality
    stream = StreamFactory(
        name="Schuldhulp 2026", silo=Silo.objects.get(code="wgs"), municipality=municipality, min_age=None,
        household_level=True, themes=["werk"], kinds=["debt_counselling"], iv3_taakveld="6.3",
        valid_from=D(2026, 1, 1), valid_until=D(2026, 12, 31),
    )  # fmt: skip
    counsellor = OrganisationFactory(kind=OrganisationKind.objects.get(code="debt_counselling"))
    counsellor.silos.add(Silo.objects.get(code="wgs"))
    case = CaseFactory(team=personas.team_a)
    MembershipFactory(household=case.household, person=PersonFactory(date_of_birth=D(1980, 1, 1)))
    action = ActionFactory(
        case=case, theme=Theme.objects.get(code="werk"), delivering_organisation=counsellor, beneficiary=None,
        planned_cost=Decimal("1820.00"), start_date=D(2026, 10, 1), end_date=D(2027, 3, 31),
    )  # fmt: skip
    return stream, action


def next_year(stream: FundingStream, **changes: object) -> FundingStream:
    values = {
        "name": "Schuldhulp 2027", "silo": stream.silo, "municipality": stream.municipality, "min_age": None,
        "household_level": True, "themes": ["werk"], "kinds": ["debt_counselling"], "iv3_taakveld": "6.3",
        "valid_from": D(2027, 1, 1), "valid_until": D(2027, 12, 31),
    }  # fmt: skip
    values.update(changes)
    return StreamFactory(**values)


def test_a_period_past_the_streams_end_continues_in_the_next_periods_stream(personas: Personas, debt) -> None:
    stream, action = debt
    following = next_year(stream)
    assert not eligibility.evaluate([action.pk])[action.pk].blocked

    payment = pay(personas, action, stream, "1820.00", D(2026, 10, 1), D(2027, 3, 31))

    assert [(a.stream, a.period_start, a.period_end) for a in payment.allocations] == [
        (stream, D(2026, 10, 1), D(2026, 12, 31)),
        (following, D(2027, 1, 1), D(2027, 3, 31)),
    ]
    assert payment.blockage is None


@pytest.mark.parametrize(
    "changes",
    [
        pytest.param({"iv3_taakveld": "6.71"}, id="another Iv3 taakveld"),
        pytest.param({"funding_logic": "lump_sum"}, id="another funding logic"),
        pytest.param({"valid_from": D(2027, 1, 2)}, id="a day's gap"),
        pytest.param({"valid_from": D(2026, 12, 1)}, id="overlapping, not the next period"),
    ],
)
def test_a_stream_that_is_not_the_exact_continuation_leaves_the_rest_blocked(
    personas: Personas, debt, changes: dict
) -> None:
    stream, action = debt
    next_year(stream, **changes)
    result = eligibility.evaluate([action.pk])[action.pk]
    assert result.reason == BlockageReason.STREAM_ENDS and result.gap_from == D(2027, 1, 1)

    payment = pay(personas, action, stream, "1820.00", D(2026, 10, 1), D(2027, 3, 31))

    assert [(a.stream, a.period_start, a.period_end) for a in payment.allocations] == [
        (stream, D(2026, 10, 1), D(2026, 12, 31))
    ]
    blockage = payment.blockage
    assert blockage is not None and blockage.reason == BlockageReason.STREAM_ENDS
    assert (blockage.gap_from, blockage.gap_until) == (D(2027, 1, 1), D(2027, 3, 31))


# --- The daily re-detection over paid actions ---------------------------------------------------------------


@dataclass
class Paid:
    stream: FundingStream
    action: Action
    membership: HouseholdMembership


@pytest.fixture
def paid(personas: Personas) -> Paid:
    """An adult's Wmo support, running and paid for all of 2026 (the allocation made when it fitted)."""
    buurt = NeighbourhoodFactory()
    stream = StreamFactory(
        municipality=buurt.municipality, valid_from=D(2026, 1, 1), valid_until=D(2026, 12, 31), area_list=[buurt]
    )
    organisation = OrganisationFactory()
    organisation.silos.add(Silo.objects.get(code="wmo"))
    case = CaseFactory(household__neighbourhood=buurt)
    adult = PersonFactory(date_of_birth=D(1985, 5, 17))
    membership = MembershipFactory(household=case.household, person=adult)
    action = ActionFactory(
        case=case, theme=Theme.objects.get(code="welzijn"), delivering_organisation=organisation,
        beneficiary=adult, planned_cost=Decimal("1200.00"), start_date=D(2026, 1, 1), end_date=D(2026, 12, 31),
        status=Action.Status.IN_PROGRESS,
    )  # fmt: skip
    AllocationFactory(
        action=action, stream=stream, amount=Decimal("1200.00"), period_start=D(2026, 1, 1),
        period_end=D(2026, 12, 31),
    )  # fmt: skip
    return Paid(stream=stream, action=action, membership=membership)


TODAY = D(2026, 6, 1)


def redetect() -> int:
    return services.blockages_redetect(today=TODAY)


def test_a_paid_action_that_still_fits_opens_nothing(paid: Paid) -> None:
    assert redetect() == 0
    assert not Blockage.objects.exists()


def test_a_stream_cut_short_blocks_the_rest_of_a_paid_action(paid: Paid) -> None:
    FundingStream.objects.filter(pk=paid.stream.pk).update(valid_until=D(2026, 8, 31))
    redetect()
    redetect()
    blockage = Blockage.objects.get()
    assert blockage.reason == BlockageReason.STREAM_ENDS and blockage.source == "detected"
    assert (blockage.gap_from, blockage.gap_until) == (D(2026, 9, 1), D(2026, 12, 31))
    assert blockage.euros_stuck == Decimal("401.10")  # 122 of 365 days
    assert Blockage.history.filter(id=blockage.pk, history_type="+").exists()


def test_a_household_that_moved_out_of_the_streams_area_blocks_its_paid_action(paid: Paid) -> None:
    household = paid.action.case.household
    household.neighbourhood = NeighbourhoodFactory(parent=household.neighbourhood.parent)
    household.save()
    redetect()
    blockage = Blockage.objects.get()
    assert blockage.reason == BlockageReason.AREA and blockage.gap_from == TODAY
    assert blockage.neighbourhood == household.neighbourhood


def test_a_beneficiary_who_left_the_household_blocks_the_paid_action(paid: Paid) -> None:
    paid.membership.end_date = D(2026, 4, 30)
    paid.membership.save()
    redetect()
    blockage = Blockage.objects.get()
    assert blockage.reason == BlockageReason.BENEFICIARY_LEFT
    assert (blockage.gap_from, blockage.gap_until) == (D(2026, 5, 1), D(2026, 12, 31))


def test_an_age_limit_crossed_by_a_paid_action_is_caught_with_the_stream_that_takes_over(paid: Paid) -> None:
    """A birth date corrected after the Jeugdwet allocation was made: 18 on 1-9-2026, during the allocation."""
    jeugdwet = StreamFactory(
        silo=Silo.objects.get(code="jeugdwet"), municipality=paid.stream.municipality, min_age=0, max_age=17,
        valid_from=D(2026, 1, 1), valid_until=D(2026, 12, 31),
    )  # fmt: skip
    Allocation.objects.update(stream=jeugdwet)
    paid.action.beneficiary.date_of_birth = D(2008, 9, 1)
    paid.action.beneficiary.save()
    redetect()
    blockage = Blockage.objects.get()
    assert blockage.reason == BlockageReason.AGE_LIMIT and blockage.stream == jeugdwet
    assert (blockage.gap_from, blockage.gap_until) == (D(2026, 9, 1), D(2026, 12, 31))
    assert blockage.takeover_stream == paid.stream


def test_paid_periods_that_ended_before_today_are_left_alone(paid: Paid) -> None:
    Allocation.objects.update(period_end=D(2026, 5, 31))
    FundingStream.objects.filter(pk=paid.stream.pk).update(valid_until=D(2026, 5, 15))
    redetect()
    assert not Blockage.objects.exists()

"""The household funding view and the paying-silo colours: what they show, for whom, in how many queries."""

import datetime
from decimal import Decimal

import pytest
from django.template import Context, Template
from django.template.loader import render_to_string

from cases.models import Action
from funding.models import Silo
from funding.selectors import household_funding, paying_silo_by_organisation
from funding.silo_look import SILO_LOOKS
from tests.cases.factories import ActionFactory, CaseFactory, InvolvementFactory
from tests.conftest import Personas
from tests.funding.factories import AllocationFactory, BlockageFactory, SpendFactory, StreamFactory
from tests.organisations.factories import OrganisationFactory, TeamMembershipFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def household_case(personas: Personas):
    case = CaseFactory(team=personas.team_a, coordinator=personas.professional)
    youth_care, social_work = OrganisationFactory(), OrganisationFactory()
    jeugdwet = StreamFactory(silo=Silo.objects.get(code="jeugdwet"))
    wmo = StreamFactory(silo=Silo.objects.get(code="wmo"))
    first = ActionFactory(case=case, delivering_organisation=youth_care, status=Action.Status.IN_PROGRESS)
    second = ActionFactory(case=case, delivering_organisation=social_work, status=Action.Status.APPROVED)
    AllocationFactory(action=first, stream=jeugdwet, amount=Decimal("900"))
    AllocationFactory(action=first, stream=wmo, amount=Decimal("100"))
    allocation = AllocationFactory(action=second, stream=wmo, amount=Decimal("300"))
    SpendFactory(allocation=allocation, amount=Decimal("120"))
    BlockageFactory(action=second, opened_by=personas.professional)
    colleague = TeamMembershipFactory(team=personas.team_a, user__organisation=social_work).user
    InvolvementFactory(case=case, professional=colleague)
    return case, youth_care, social_work


def test_it_shows_which_silos_pay_for_what_and_the_fragmentation(personas: Personas, household_case) -> None:
    case, youth_care, social_work = household_case
    funding = household_funding(case.household, personas.professional)
    by_organisation = {row.action.delivering_organisation_id: row for row in funding.actions}
    assert [badge.code for badge in by_organisation[youth_care.pk].silos] == ["jeugdwet", "wmo"]
    assert by_organisation[social_work.pk].spent == Decimal("120") and by_organisation[social_work.pk].blocked
    assert funding.allocated == Decimal("1300") and funding.spent == Decimal("120")
    # The coordinator's organisation, and the two that deliver (the colleague works for one of them).
    assert funding.fragmentation.organisations == 3
    assert funding.fragmentation.professionals == 2
    assert funding.fragmentation.silos == 2
    assert len(funding.open_blockages) == 1


def test_the_organisation_is_coloured_by_the_silo_that_pays_most_of_its_actions(
    personas: Personas, household_case
) -> None:
    case, youth_care, social_work = household_case
    paying = paying_silo_by_organisation(case.household, personas.professional)
    assert paying[youth_care.pk].code == "jeugdwet" and paying[social_work.pk].code == "wmo"
    assert paying[youth_care.pk].look == SILO_LOOKS["jeugdwet"]
    assert paying[youth_care.pk].css_class == "silo-badge silo-badge--jeugdwet"
    involvement = case.involvements.exclude(is_coordinator=True).get()
    rendered = Template(
        "{% load funding_tags %}{% with badge=paying|silo_for:involvement %}"
        '<span class="{{ badge.css_class }}">{{ badge }}</span>{% endwith %}'
    ).render(Context({"paying": paying, "involvement": involvement}))
    assert rendered == '<span class="silo-badge silo-badge--wmo">Wmo 2015</span>'


def test_another_team_sees_nothing_of_the_household(personas: Personas, household_case) -> None:
    case, _youth_care, _social_work = household_case
    funding = household_funding(case.household, personas.professional_b)
    assert funding.actions == [] and funding.open_blockages == [] and funding.fragmentation.organisations == 0
    assert paying_silo_by_organisation(case.household, personas.professional_b) == {}


def test_the_household_view_takes_the_same_queries_however_long_the_history(
    personas: Personas, household_case, django_assert_num_queries
) -> None:
    case, youth_care, _social_work = household_case
    # The visible cases; the actions with their allocations per silo and open blockages; the involvements (for
    # the figures). The paying silo per organisation and the figures are counted on those rows.
    with django_assert_num_queries(3):
        household_funding(case.household, personas.professional)
    stream = StreamFactory(silo=Silo.objects.get(code="participatiewet"))
    for index in range(30):
        action = ActionFactory(case=case, delivering_organisation=youth_care, start_date=datetime.date(2025, 4, 1))
        AllocationFactory(action=action, stream=stream)
        if index % 3 == 0:
            BlockageFactory(action=action, opened_by=personas.professional)
    with django_assert_num_queries(3):
        funding = household_funding(case.household, personas.professional)
    assert len(funding.actions) == 32 and len(funding.open_blockages) == 11


def test_the_partial_renders_the_silos_that_pay(personas: Personas, household_case) -> None:
    case, _youth_care, _social_work = household_case
    html = render_to_string(
        "funding/_household_funding.html", {"funding": household_funding(case.household, personas.professional)}
    )
    assert 'class="silo-badge silo-badge--jeugdwet"' in html and "<caption" in html


def test_the_household_view_finds_the_paying_silos_the_allocation_totals_find(
    personas: Personas, household_case
) -> None:
    case, _youth_care, _social_work = household_case
    # A tie between two silos goes to the first code, in both; a cancelled action pays nothing.
    even = OrganisationFactory()
    for code in ("wmo", "jeugdwet"):
        action = ActionFactory(case=case, delivering_organisation=even, status=Action.Status.IN_PROGRESS)
        AllocationFactory(action=action, stream=StreamFactory(silo=Silo.objects.get(code=code)), amount=Decimal("200"))
    cancelled = ActionFactory(case=case, delivering_organisation=even, status=Action.Status.CANCELLED)
    AllocationFactory(action=cancelled, stream=StreamFactory(silo=Silo.objects.get(code="wmo")), amount=Decimal("900"))
    paying = household_funding(case.household, personas.professional).paying
    assert paying == paying_silo_by_organisation(case.household, personas.professional)
    assert paying[even.pk].code == "jeugdwet" and paying[even.pk].amount == Decimal("200")
    assert all(badge.silo is not None and badge.silo.code == badge.code for badge in paying.values())

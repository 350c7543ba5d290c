"""Fragmentation (versnippering) has one definition: the diagram's counts and the funding panel's figures on the
household page come from the same function, so they cannot disagree.

They used to: the diagram counted the case shown (a closed one too, through ``?casus=``) and only the silo that
pays most per organisation, the funding panel the household's open cases and every silo paying them.
"""

import datetime
import re

import pytest
from django.urls import reverse

from cases.models import Action, CaseStatus
from funding.models import Silo
from funding.selectors import household_fragmentation
from tests.cases.factories import ActionFactory, CaseFactory, InvolvementFactory
from tests.conftest import Personas
from tests.funding.factories import AllocationFactory, StreamFactory
from tests.organisations.factories import OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db


def _figures(html: str) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """(the diagram's counts, the funding panel's figures): organisations, professionals, silos."""
    diagram = html.split('id="betrokkenen"')[1].split("</section>")[0]
    funding = html.split('id="financiering"')[1].split("</section>")[0]
    counts = tuple(
        int(re.search(rf'data-count="{name}">(\d+)<', diagram).group(1))  # type: ignore[union-attr]
        for name in ("organisations", "professionals", "silos")
    )
    figures = tuple(int(value) for value in re.findall(r'class="figure__value">(\d+)<', funding))
    return counts, figures


@pytest.fixture
def household_with_history(personas: Personas):
    """An open case whose organisation is paid from two silos, and a closed case with people still on it."""
    case = CaseFactory(team=personas.team_a, coordinator=personas.professional, status=CaseStatus.EXECUTION)
    paid = OrganisationFactory(name="Jeugdhulp Oost")
    first = ActionFactory(case=case, delivering_organisation=paid, status=Action.Status.IN_PROGRESS)
    second = ActionFactory(case=case, delivering_organisation=paid, status=Action.Status.APPROVED)
    AllocationFactory(action=first, stream=StreamFactory(silo=Silo.objects.get(code="jeugdwet")), amount=100)
    AllocationFactory(action=second, stream=StreamFactory(silo=Silo.objects.get(code="wmo")), amount=900)
    closed = CaseFactory(
        household=case.household,
        team=personas.team_a,
        coordinator=personas.professional,
        status=CaseStatus.CLOSED,
        closed_on=datetime.date(2025, 6, 1),
    )
    for _ in range(3):
        InvolvementFactory(case=closed, professional=UserFactory())
    return case, closed


def test_the_diagram_and_the_funding_panel_show_the_same_fragmentation(
    log_in, personas: Personas, household_with_history
) -> None:
    case, closed = household_with_history
    client = log_in(personas.professional)
    url = reverse("cases:household", args=[case.household.uuid])
    expected = household_fragmentation(case.household, personas.professional)
    # The coordinator's organisation and the paid one; the coordinator; Jeugdwet and Wmo.
    assert (expected.organisations, expected.professionals, expected.silos) == (2, 1, 2)
    for shown in (url, f"{url}?casus={closed.uuid}"):
        counts, figures = _figures(client.get(shown).content.decode())
        assert counts == figures == (2, 1, 2), shown


def test_fragmentation_counts_only_what_the_user_may_see(personas: Personas, household_with_history) -> None:
    case, _closed = household_with_history
    hidden = CaseFactory(household=case.household, team=personas.team_b, coordinator=personas.professional_b)
    ActionFactory(case=hidden, delivering_organisation=OrganisationFactory())
    seen = household_fragmentation(case.household, personas.professional)
    assert (seen.organisations, seen.professionals, seen.silos) == (2, 1, 2)
    other = household_fragmentation(case.household, personas.professional_b)
    assert (other.organisations, other.professionals, other.silos) == (2, 1, 0)

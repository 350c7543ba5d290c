"""A case of team A with a household of two, for the screen tests."""

from dataclasses import dataclass

import pytest

from cases.models import Action, Case, Consent, HouseholdMembership, Involvement
from organisations.models import User
from tests.cases.factories import ActionFactory, CaseFactory, InvolvementFactory, MembershipFactory
from tests.conftest import Personas
from tests.organisations.factories import OrganisationFactory, TeamMembershipFactory


@dataclass
class Scene:
    case: Case
    parent: HouseholdMembership
    child: HouseholdMembership
    colleague: User  # team A, involved, not the coordinator
    involvement: Involvement  # the colleague's
    action: Action
    consent: Consent


@pytest.fixture
def scene(personas: Personas) -> Scene:
    """The professional of team A coordinates a case of a household of two (mother and son)."""
    case = CaseFactory(team=personas.team_a, coordinator=personas.professional)
    parent = MembershipFactory(household=case.household, person__first_name="Fatima", person__last_name="Bakker")
    child = MembershipFactory(
        household=case.household, person__first_name="Sem", person__last_name="Bakker", role="child"
    )
    colleague = TeamMembershipFactory(team=personas.team_a, user__first_name="Karin", user__last_name="Smit").user
    involvement = InvolvementFactory(case=case, professional=colleague)
    action = ActionFactory(case=case, delivering_organisation=colleague.organisation)
    consent = Consent.objects.create(
        case=case,
        person=parent.person,
        purpose="Overleg met school",
        given_on=case.referred_on,
        recorded_by=personas.professional,
    )
    consent.organisations.set([OrganisationFactory()])
    return Scene(case, parent, child, colleague, involvement, action, consent)

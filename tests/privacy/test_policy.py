import datetime

import pytest

from cases.models import Case, Household, Person
from tests.cases.factories import CaseFactory, InvolvementFactory, MembershipFactory
from tests.conftest import Personas

pytestmark = pytest.mark.django_db


@pytest.fixture
def case_a(personas: Personas) -> Case:
    case = CaseFactory(team=personas.team_a)
    MembershipFactory(household=case.household)
    return case


def test_a_professional_sees_the_cases_households_and_persons_of_their_team(personas: Personas, case_a: Case) -> None:
    assert list(Case.objects.visible_to(personas.professional)) == [case_a]
    assert list(Household.objects.visible_to(personas.professional)) == [case_a.household]
    assert Person.objects.visible_to(personas.professional).count() == 1


def test_a_professional_of_another_team_sees_nothing_until_involved(personas: Personas, case_a: Case) -> None:
    assert not Case.objects.visible_to(personas.professional_b).exists()
    assert not Household.objects.visible_to(personas.professional_b).exists()
    involvement = InvolvementFactory(case=case_a, professional=personas.professional_b)
    assert list(Case.objects.visible_to(personas.professional_b)) == [case_a]
    involvement.end_date = datetime.date(2025, 3, 1)
    involvement.save()
    assert not Case.objects.visible_to(personas.professional_b).exists()


def test_ending_a_team_membership_ends_access_at_once(personas: Personas, case_a: Case) -> None:
    personas.professional.memberships.update(end_date=datetime.date(2025, 1, 1))
    assert not Case.objects.visible_to(personas.professional).exists()


def test_a_disabled_account_sees_nothing(personas: Personas, case_a: Case) -> None:
    personas.professional.is_active = False
    personas.professional.save()
    assert not Case.objects.visible_to(personas.professional).exists()


@pytest.mark.parametrize("persona", ["bureau", "auditor", "privacy_officer", "administrator", "outsider"])
def test_roles_without_casework_see_no_personal_data(personas: Personas, case_a: Case, persona: str) -> None:
    user = getattr(personas, persona)
    assert not Case.objects.visible_to(user).exists()
    assert not Household.objects.visible_to(user).exists()
    assert not Person.objects.visible_to(user).exists()


def test_the_team_lead_sees_every_case_of_the_team(personas: Personas, case_a: Case) -> None:
    other = CaseFactory(team=personas.team_a)
    assert set(Case.objects.visible_to(personas.team_lead)) == {case_a, other}

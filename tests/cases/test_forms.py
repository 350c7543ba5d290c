"""Casework forms on their own: shape checks, and turning input into service input."""

import pytest

from cases import workflow
from cases.forms import CaseChoices, CaseTransitionForm, MeasurementForm, PersonForm, SearchForm
from cases.models import CaseStatus
from tests.cases.conftest import Scene
from tests.cases.factories import CaseFactory, MembershipFactory
from themes.models import Instrument

pytestmark = pytest.mark.django_db


def person(**data: str) -> PersonForm:
    return PersonForm({"first_name": "Sem", "last_name": "Bakker", "role": "child", **data})


def test_a_bsn_may_be_typed_with_spaces_or_dots_and_is_kept_as_nine_digits() -> None:
    form = person(bsn="1112.22.333")
    assert form.is_valid(), form.errors
    assert form.to_input().bsn == "111222333"
    empty = person(bsn=" ")
    assert empty.is_valid() and empty.to_input().bsn is None


@pytest.mark.parametrize("bsn", ["123456789", "11122233", "1112223330", "abcdefghi"])
def test_a_bsn_that_fails_the_eleven_test_is_refused(bsn: str) -> None:
    form = person(bsn=bsn)
    assert not form.is_valid() and "bsn" in form.errors


def test_a_date_of_birth_in_the_future_is_refused() -> None:
    assert "date_of_birth" in person(date_of_birth="2999-01-01").errors


def measurement_form(scene: Scene, user, **data: str) -> MeasurementForm:
    zrm = Instrument.objects.get(code="zrm")
    payload = {"instrument": "zrm", "person": str(scene.parent.person.uuid), "measured_on": "2025-03-01", **data}
    return MeasurementForm(
        payload, choices=CaseChoices(case=scene.case, user=user), instrument=zrm, domains=list(zrm.domains.all())
    )


def test_only_ticked_domains_become_scores(scene: Scene, personas) -> None:
    form = measurement_form(
        scene,
        personas.professional,
        **{"scored-financien": "on", "score-financien": "2", "reason-financien": "Schulden", "score-justitie": "1"},
    )
    assert form.is_valid(), form.errors
    assert [(s.domain.code, s.score, s.reason) for s in form.scores()] == [("financien", 2, "Schulden")]


def test_a_ticked_domain_needs_a_score_and_a_reason(scene: Scene, personas) -> None:
    form = measurement_form(scene, personas.professional, **{"scored-huisvesting": "on"})
    assert not form.is_valid()
    assert set(form.errors) == {"score-huisvesting", "reason-huisvesting"}


def test_the_person_must_live_in_the_household(scene: Scene, personas) -> None:
    other = MembershipFactory(household=CaseFactory().household).person
    form = measurement_form(scene, personas.professional, person=str(other.uuid))
    assert "person" in form.errors


@pytest.mark.parametrize("status", CaseStatus.values)
def test_the_status_form_offers_exactly_the_transition_table(status: str) -> None:
    case = CaseFactory.build(status=status)
    offered = {value for value, _label in CaseTransitionForm(case=case).fields["to_status"].choices}
    assert offered == set(workflow.allowed_targets(status))


@pytest.mark.parametrize(
    "data, field",
    [
        ({"bsn": "111222"}, "bsn"),
        ({"house_number": "12"}, "postcode"),
        ({"name": "a"}, "name"),
        ({"postcode": "12345"}, "postcode"),
        ({}, "__all__"),
    ],
)
def test_a_search_needs_a_complete_criterion(data: dict, field: str) -> None:
    form = SearchForm(data)
    assert not form.is_valid() and field in form.errors


def test_a_search_normalises_postcode_and_bsn() -> None:
    form = SearchForm({"postcode": "1234 ab", "house_number": "12", "bsn": "111 222 333"})
    assert form.is_valid()
    assert (form.cleaned_data["postcode"], form.cleaned_data["bsn"]) == ("1234AB", "111222333")

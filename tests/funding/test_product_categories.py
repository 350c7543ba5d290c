"""iWmo/iJw product categories: a reference list with its source and version; an action's category is checked
against it, and shown on the action and in the audit's drill-down."""

import pytest
from django.core.exceptions import ValidationError

from cases import services as case_services
from funding.models import ProductCategory
from tests.cases.factories import ActionFactory, CaseFactory
from tests.conftest import Personas
from themes.models import Theme

pytestmark = pytest.mark.django_db


def test_the_reference_list_is_loaded_with_its_source_and_version() -> None:
    category = ProductCategory.objects.get(code="01")
    assert category.standard == "iwmo" and category.name == "Hulp bij het huishouden"
    assert category.source and category.version
    assert ProductCategory.objects.get(code="45").standard == "ijw"


def _input(personas: Personas, product_code: str) -> case_services.ActionInput:
    from tests.organisations.factories import OrganisationFactory

    return case_services.ActionInput(
        theme=Theme.objects.get(code="welzijn"),
        description="Begeleiding thuis",
        delivering_organisation=OrganisationFactory(),
        beneficiary=None,
        planned_cost=0,
        status="proposed",
        start_date=None,
        end_date=None,
        product_code=product_code,
    )


@pytest.mark.parametrize("code", ["99", "2", "AB", "0101", "99A01", "02a08", "02A0"])
def test_an_action_with_an_unknown_product_category_is_refused(personas: Personas, code: str) -> None:
    case = CaseFactory(team=personas.team_a)
    with pytest.raises(ValidationError) as error:
        case_services.action_create(case=case, data=_input(personas, code), by=personas.professional)
    assert "product_code" in error.value.message_dict
    assert not case.actions.filter(description="Begeleiding thuis").exists()


@pytest.mark.parametrize("code", ["02", "45", "02A08", ""])
def test_an_action_with_a_listed_category_or_none_is_saved(personas: Personas, code: str) -> None:
    case = CaseFactory(team=personas.team_a)
    action = case_services.action_create(case=case, data=_input(personas, code), by=personas.professional)
    assert action.product_code == code


def test_the_household_page_shows_the_actions_category_by_name(log_in, personas: Personas) -> None:
    from django.urls import reverse

    case = CaseFactory(team=personas.team_a, coordinator=personas.professional)
    ActionFactory(case=case, product_code="02", description="Ambulante begeleiding")
    html = log_in(personas.professional).get(reverse("cases:household", args=[case.household.uuid])).content.decode()
    assert "Ambulante begeleiding" in html
    assert "02 Begeleiding" in html


def test_the_audit_drill_down_shows_the_cases_product_categories(personas: Personas) -> None:
    import datetime

    from funding import report
    from tests.funding.factories import AllocationFactory, StreamFactory

    case = CaseFactory(team=personas.team_a)
    stream = StreamFactory(municipality=personas.team_a.municipality)
    AllocationFactory(action=ActionFactory(case=case, product_code="45"), stream=stream)
    ActionFactory(case=case, product_code="02")
    params = report.ReportParams(
        municipality_id=personas.team_a.municipality_id, year=2025, level="buurt", granularity="year"
    )
    [row] = report.cell_cases(
        params,
        silo_id=stream.silo_id,
        area_id=case.household.neighbourhood_id,
        period=datetime.date(2025, 1, 1),
    )
    assert row.reference == case.reference and row.product_categories == "02, 45"

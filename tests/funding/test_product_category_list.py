"""The full iStandaarden "Productcategorie" codelists (iWmo WMO020, iJw JZ020) as reference data, each row with
the published list's address and version; an action may name any category on them and none other."""

import json

import pytest

from cases import services as case_services
from funding import reference
from funding.models import ProductCategory
from tests.cases.factories import CaseFactory
from tests.conftest import Personas
from tests.funding.test_product_categories import _input

pytestmark = pytest.mark.django_db


def test_both_published_lists_are_loaded_in_full() -> None:
    iwmo = dict(ProductCategory.objects.filter(standard="iwmo").values_list("code", "name"))
    ijw = dict(ProductCategory.objects.filter(standard="ijw").values_list("code", "name"))
    assert sorted(iwmo) == [f"{n:02d}" for n in range(1, 19)]
    assert sorted(ijw) == [str(n) for n in range(31, 39)] + [str(n) for n in range(40, 56)]
    assert iwmo["07"] == "Dagbesteding" and iwmo["15"] == "Beschermd wonen"
    assert ijw["54"] == "Jeugd-ggz" and ijw["31"].startswith("(2015) Zonder verblijf")


def test_every_row_names_the_published_list_and_its_version() -> None:
    for category in ProductCategory.objects.all():
        list_code = "WMO020" if category.standard == "iwmo" else "JZ020"
        assert list_code in category.source and "istandaarden.nl" in category.source
        assert category.version.startswith("iWmo 3.2" if category.standard == "iwmo" else "iJw 3.2")


def test_the_data_file_and_the_table_agree_and_loading_again_changes_nothing() -> None:
    data = json.loads(reference.PRODUCT_CATEGORY_FILE.read_text(encoding="utf-8"))
    expected = {code for codelist in data["lists"] for code, _name in codelist["codes"]}
    reference.load()
    assert set(ProductCategory.objects.values_list("code", flat=True)) == expected
    assert ProductCategory.objects.count() == len(expected) == 42


@pytest.mark.parametrize("code", ["07", "15", "54", "43B12"])
def test_an_action_may_name_a_category_beyond_the_first_three(personas: Personas, code: str) -> None:
    case = CaseFactory(team=personas.team_a)
    action = case_services.action_create(case=case, data=_input(personas, code), by=personas.professional)
    assert action.product_code == code


@pytest.mark.parametrize("code", ["00", "19", "39", "56"])
def test_a_code_between_or_past_the_lists_is_refused(personas: Personas, code: str) -> None:
    from django.core.exceptions import ValidationError

    case = CaseFactory(team=personas.team_a)
    with pytest.raises(ValidationError):
        case_services.action_create(case=case, data=_input(personas, code), by=personas.professional)

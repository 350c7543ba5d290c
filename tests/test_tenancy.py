"""Every tenant table carries the municipality (common/tenancy.py, docs/scaling.md; issue 17, item 7)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.db import connection, models

from cases.models import Case, Household
from common.tenancy import TENANT_KEY, TENANT_MODELS
from organisations.models import Municipality
from tests.cases.factories import CaseFactory
from tests.cases.test_services import referral
from tests.conftest import Personas

SCALING_DOC = Path(settings.BASE_DIR) / "docs" / "scaling.md"


@pytest.mark.parametrize("label", TENANT_MODELS)
def test_every_tenant_model_has_a_required_municipality(label: str) -> None:
    model = apps.get_model(label)
    field = model._meta.get_field(TENANT_KEY)
    assert isinstance(field, models.ForeignKey) and field.related_model is Municipality, label
    assert not field.null, f"{label}.{TENANT_KEY} may be empty"


@pytest.mark.django_db
def test_every_tenant_table_has_the_column_not_null_in_the_database() -> None:
    with connection.cursor() as cursor:
        for label in TENANT_MODELS:
            model = apps.get_model(label)
            cursor.execute(
                "SELECT is_nullable FROM information_schema.columns WHERE table_name = %s AND column_name = %s",
                [model._meta.db_table, f"{TENANT_KEY}_id"],
            )
            assert cursor.fetchall() == [("NO",)], model._meta.db_table


def test_the_scaling_doc_distributes_exactly_the_tenant_tables() -> None:
    # The doc's table of distributed tables lists each as `app_table` in its first column.
    text = SCALING_DOC.read_text(encoding="utf-8")
    section = text.split("<!-- tenant-tables -->")[1].split("<!-- /tenant-tables -->")[0]
    listed = set(re.findall(r"^\| `([a-z_]+)`", section, flags=re.MULTILINE))
    assert listed == {apps.get_model(label)._meta.db_table for label in TENANT_MODELS}


@pytest.mark.django_db
def test_a_referral_gives_household_and_case_the_municipality_of_their_buurt_and_team(personas: Personas) -> None:
    case = Case.objects.get(pk=referral(personas).pk)
    household = Household.objects.select_related("neighbourhood").get(pk=case.household_id)
    assert case.municipality_id == personas.team_a.municipality_id
    assert household.municipality_id == household.neighbourhood.municipality_id


@pytest.mark.django_db
def test_a_case_saved_without_it_takes_the_municipality_of_its_team(personas: Personas) -> None:
    case = CaseFactory(team=personas.team_b)
    assert Case.objects.values_list("municipality_id", flat=True).get(pk=case.pk) == personas.team_b.municipality_id


@pytest.mark.django_db
def test_bench_size_prints_the_size_per_100000_households_and_the_rows_per_municipality(personas: Personas) -> None:
    import io

    from django.core.management import call_command

    CaseFactory(team=personas.team_a)
    out = io.StringIO()
    call_command("bench_size", stdout=out)
    report = out.getvalue()
    assert re.search(r"1 households in 1 municipalities; database [\d,]+ MB, [\d,]+ MB per 100,000 households", report)
    assert re.search(r"cases +1 / +1 / +1", report)

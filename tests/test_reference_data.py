import pytest

from funding.models import Silo
from organisations.models import OrganisationKind
from themes.models import Instrument, Theme

pytestmark = pytest.mark.django_db


def test_the_six_themes_exist_with_their_fixed_codes() -> None:
    assert list(Theme.objects.values_list("code", flat=True)) == [
        "welzijn",
        "onderwijs",
        "veiligheid",
        "wonen",
        "werk",
        "democratie",
    ]


def test_the_zrm_has_thirteen_domains_scored_one_to_five_and_is_trended() -> None:
    zrm = Instrument.objects.get(code="zrm")
    assert (zrm.min_score, zrm.max_score, zrm.trended) == (1, 5, True)
    assert zrm.domains.count() == 13
    assert zrm.domains.first().code == "financien"


def test_positieve_gezondheid_is_recorded_but_never_trended() -> None:
    pg = Instrument.objects.get(code="positieve-gezondheid")
    assert pg.trended is False
    assert pg.domains.count() == 6


def test_every_silo_of_the_brief_is_seeded_and_only_the_flexible_budget_is_silo_free() -> None:
    assert Silo.objects.count() == 12
    assert list(Silo.objects.filter(silo_free=True).values_list("code", flat=True)) == ["flexibel"]
    assert {"jeugdwet", "wmo", "participatiewet", "wgs", "woningwet", "vhf"} <= set(
        Silo.objects.values_list("code", flat=True)
    )


def test_every_organisation_kind_of_the_brief_is_seeded() -> None:
    assert set(OrganisationKind.objects.values_list("code", flat=True)) == {
        "municipality",
        "youth_care",
        "ggd_jgz",
        "social_work",
        "debt_counselling",
        "housing_corporation",
        "school",
        "police",
        "uwv",
        "health_care",
        "welfare",
        "other",
    }


def test_reference_names_follow_the_active_language() -> None:
    from django.utils import translation

    theme = Theme.objects.get(code="werk")
    with translation.override("nl"):
        assert str(theme) == "Werk & inkomen"
    with translation.override("en"):
        assert str(theme) == "Work & income (debts included)"

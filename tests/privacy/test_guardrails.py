"""Do no harm with data: fields that must never exist, anywhere in the project."""

import re

from django.apps import apps

PROJECT_APPS = {"organisations", "themes", "funding", "cases", "privacy", "wijkteam"}

# Ethnicity, nationality and religion (AVG art. 9; the Leefbaarometer critique), in English and Dutch.
FORBIDDEN = re.compile(
    r"ethnic|etnic|nationalit|nationaliteit|religio|religie|geloof|faith|\brace\b|afkomst|herkomst|"
    r"migration_background|migratieachtergrond|country_of_birth|geboorteland",
    re.IGNORECASE,
)
# No predictive risk scores of households or persons.
RISK = re.compile(r"risk|risico", re.IGNORECASE)


def project_fields() -> list[tuple[str, str, str]]:
    return [
        (model._meta.label, field.name, str(getattr(field, "verbose_name", "")))
        for model in apps.get_models(include_auto_created=True)
        if model._meta.app_label in PROJECT_APPS
        for field in model._meta.get_fields()
    ]


def test_the_scan_sees_the_models_it_guards() -> None:
    labels = {label for label, _, _ in project_fields()}
    assert {"cases.Person", "cases.Household", "cases.Case", "organisations.User"} <= labels


def test_no_model_has_an_ethnicity_nationality_or_religion_field() -> None:
    offenders = [f for f in project_fields() if FORBIDDEN.search(f[1]) or FORBIDDEN.search(f[2])]
    assert offenders == []


def test_no_model_holds_a_risk_score() -> None:
    offenders = [f for f in project_fields() if RISK.search(f[1]) or RISK.search(f[2])]
    assert offenders == []


def test_the_patterns_would_catch_the_fields_they_are_meant_for() -> None:
    for name in ["ethnicity", "nationaliteit", "religion", "migratieachtergrond", "geboorteland"]:
        assert FORBIDDEN.search(name), name
    assert RISK.search("household_risk_score") and RISK.search("risicoprofiel")

"""The processing register (#13 item 3): complete for the models and for the log, shown and exported."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.apps import apps
from django.db import models
from django.urls import reverse

from privacy import access_log, personal_data, register
from privacy.models import AccessLogEntry
from tests.cases.factories import CaseFactory
from tests.conftest import Personas

# What makes a model hold personal data: a link to a resident, a household, a case or a user.
PERSONAL_TARGETS = {"cases.person", "cases.household", "cases.case", "organisations.user"}


def points_at_personal_data(model: type[models.Model]) -> bool:
    return any(
        field.is_relation
        and field.concrete
        and field.related_model is not None
        and field.related_model._meta.label_lower in PERSONAL_TARGETS
        for field in model._meta.get_fields()
    )


def project_models() -> list[type[models.Model]]:
    local = {"cases", "funding", "privacy", "organisations", "accounts", "exports", "jobs", "monitoring", "themes"}
    return [
        model
        for model in apps.get_models()
        if model._meta.app_label in local and not model._meta.label_lower.split(".")[1].startswith("historical")
    ]


def test_every_model_with_personal_data_is_listed_and_covered_by_an_activity() -> None:
    listed = set(register.PERSONAL_DATA_MODELS)
    found = {model._meta.label_lower for model in project_models() if points_at_personal_data(model)}
    found |= set(PERSONAL_TARGETS)
    unlisted = found - listed - set(personal_data.NO_PERSONAL_DATA)
    assert unlisted == set(), f"models with personal data missing from privacy/personal_data.py: {unlisted}"
    uncovered = [label for label in register.PERSONAL_DATA_MODELS if not register.activities_for_model(label)]
    assert uncovered == []
    known = {model._meta.label_lower for model in apps.get_models()}
    assert set(register.PERSONAL_DATA_MODELS) <= known
    assert {label for activity in register.REGISTER for label in activity.models} <= known


def test_the_completeness_check_finds_a_model_no_activity_covers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(register, "PERSONAL_DATA_MODELS", (*register.PERSONAL_DATA_MODELS, "jobs.probe"))
    with pytest.raises(AssertionError):
        test_every_model_with_personal_data_is_listed_and_covered_by_an_activity()


def test_every_activity_the_log_can_derive_is_in_the_register() -> None:
    roles = ["", "professional", "team_lead", "programme_bureau", "auditor", "privacy_officer", "administrator"]
    details = ["household page", "blockage", "access log search", "privacy screens", "retention: anonymised", ""]
    derived = {
        register.activity_for(role=role, outcome=outcome, detail=detail)
        for role in roles
        for outcome in ("allowed", "refused")
        for detail in details
    }
    derived |= {
        register.household_activity(role=role, involvement_role=involvement, is_coordinator=coordinator)
        for role in ("professional", "team_lead")
        for involvement in (None, "practitioner", "specialist", "adviser", "signaller")
        for coordinator in (False, True)
    }
    assert derived <= register.CODES


@pytest.mark.django_db
def test_the_log_refuses_an_activity_the_register_lacks(personas: Personas) -> None:
    with pytest.raises(ValueError, match="not a processing activity"):
        access_log.record(user=personas.professional, action=access_log.Action.READ, activity="curiosity")
    assert not AccessLogEntry.objects.exists()


@pytest.mark.django_db
def test_every_row_the_screens_write_names_an_activity_of_the_register(log_in, personas: Personas) -> None:
    case = CaseFactory(team=personas.team_a, coordinator=personas.professional)
    professional = log_in(personas.professional)
    professional.get(reverse("cases:caseload"))
    professional.get(reverse("cases:household", args=[case.household.uuid]))
    professional.get(reverse("cases:household-history", args=[case.household.uuid]))
    log_in(personas.bureau).get(reverse("cases:household", args=[case.household.uuid]))  # refused
    log_in(personas.privacy_officer).post(reverse("privacy:log"), {"username": "prof-a"})
    used = set(AccessLogEntry.objects.values_list("activity", flat=True))
    assert "" not in used and used <= register.CODES
    assert {"case-coordination", "casework", "security", "access-supervision"} <= used


@pytest.mark.django_db
def test_the_privacy_officer_reads_the_register_in_dutch_with_the_configuration(log_in, personas: Personas) -> None:
    response = log_in(personas.privacy_officer).get(reverse("privacy:register"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Verwerkingsregister" in html
    for activity in register.REGISTER:
        assert f'id="{activity.code}"' in html
    assert "Ondersteuning van een huishouden door het wijkteam" in html
    assert "Jeugdhulp" in html  # an organisation kind from the configuration, as recipient
    assert "jaar na afsluiting van de casus" in html  # the retention rules per silo


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["professional", "team_lead", "bureau", "auditor", "administrator"])
def test_only_the_privacy_officer_opens_the_register(log_in, personas: Personas, persona: str) -> None:
    assert log_in(getattr(personas, persona)).get(reverse("privacy:register")).status_code == 404


@pytest.mark.django_db
def test_the_register_exports_as_csv_and_json(log_in, personas: Personas) -> None:
    client = log_in(personas.privacy_officer)
    as_json = json.loads(client.get(reverse("privacy:register-export", args=["json"])).content)
    assert [row["code"] for row in as_json["activities"]] == [activity.code for activity in register.REGISTER]
    assert all(row["purpose"] and row["legal_bases"] and row["retention"] for row in as_json["activities"])
    response = client.get(reverse("privacy:register-export", args=["csv"]))
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["Code", "Verwerkingsactiviteit", "Doel"]
    assert [row[0] for row in rows[1:]] == [activity.code for activity in register.REGISTER]
    assert client.get(reverse("privacy:register-export", args=["xml"])).status_code == 404

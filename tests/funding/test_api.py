"""The funding endpoints: who gets in (one table, as the screens), steps through the workflow, writes through
services, suppression in the reports, and pinned query counts."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from funding import services
from funding.models import Blockage, BlockageStatus, SpendImport
from privacy.models import AccessLogEntry
from tests.cases.factories import ActionFactory, CaseFactory, MembershipFactory, PersonFactory
from tests.conftest import Personas
from tests.funding.factories import AllocationFactory, BlockageFactory, SpendImportFactory, StreamFactory
from tests.organisations.factories import MunicipalityFactory

pytestmark = pytest.mark.django_db

SECRET_NOTE = "Moeder durft de post niet open te maken"
PERSONAS = [
    "professional",
    "professional_b",
    "team_lead",
    "bureau",
    "auditor",
    "privacy_officer",
    "administrator",
    "outsider",
]


@pytest.fixture
def scene(personas: Personas):
    case = CaseFactory(team=personas.team_a, reference="WT-SCENE001")
    person = PersonFactory(first_name="Samira", last_name="Vermeulen")
    MembershipFactory(household=case.household, person=person)
    action = ActionFactory(case=case, description="Schuldhulp voor Samira", beneficiary=person)
    blockage = BlockageFactory(action=action, household_impact=SECRET_NOTE, opened_by=personas.professional)
    services.blockage_escalate(blockage=blockage, by=personas.professional, note=SECRET_NOTE)  # to the team lead
    stream = StreamFactory(municipality=personas.team_a.municipality)
    return {
        "case": case,
        "action": action,
        "blockage": blockage,
        "allocation": AllocationFactory(action=action, stream=stream),
        "stream": stream,
        "import": SpendImportFactory(municipality=personas.auditor.organisation.municipality),
    }


DETAIL = {
    "blockages": lambda s: f"/api/v1/blockages/{s['blockage'].uuid}/",
    "allocations": lambda s: f"/api/v1/allocations/{s['allocation'].uuid}/",
    "spend-imports": lambda s: f"/api/v1/spend-imports/{s['import'].uuid}/",
    "funding-streams": lambda s: f"/api/v1/funding-streams/{s['stream'].uuid}/",
    "reports/funding-flows": lambda s: "/api/v1/reports/funding-flows/?year=2025",
    "reports/programme": lambda s: "/api/v1/reports/programme/",
}
EVERYONE = dict.fromkeys(PERSONAS, 200)
EXPECTED = {
    "blockages": {"professional": 200, "team_lead": 200, "bureau": 200, "auditor": 200},
    "allocations": {"professional": 200, "team_lead": 200},
    "spend-imports": {"auditor": 200},
    "funding-streams": EVERYONE,  # budgets, no personal data; every test persona works in GM0999
    "reports/funding-flows": {"bureau": 200, "auditor": 200},
    "reports/programme": {"bureau": 200, "team_lead": 200},
}


def test_the_permission_table_covers_every_funding_endpoint() -> None:
    from wijkteam.api.urls import router

    funding = {"funding-streams", "allocations", "blockages", "spend-imports"}
    registered = {prefix for prefix, _viewset, _basename in router.registry}
    assert funding | {p for p in registered if p.startswith("reports/")} == set(DETAIL) == set(EXPECTED)


@pytest.mark.parametrize("endpoint", sorted(DETAIL))
@pytest.mark.parametrize("persona", PERSONAS)
def test_who_may_read_each_funding_endpoint(log_in, personas: Personas, scene, endpoint: str, persona: str) -> None:
    response = log_in(getattr(personas, persona)).get(DETAIL[endpoint](scene))
    assert response.status_code == EXPECTED[endpoint].get(persona, 404)


@pytest.mark.parametrize("endpoint", ["blockages", "allocations", "spend-imports"])
@pytest.mark.parametrize("persona", PERSONAS)
def test_lists_show_exactly_what_the_detail_door_opens(
    log_in, personas: Personas, scene, endpoint: str, persona: str
) -> None:
    body = log_in(getattr(personas, persona)).get(f"/api/v1/{endpoint}/").json()
    assert len(body["results"]) == (1 if EXPECTED[endpoint].get(persona) == 200 else 0)


def test_a_stream_of_another_municipality_is_not_found(log_in, personas: Personas, scene) -> None:
    other = StreamFactory(municipality=MunicipalityFactory(code="GM0888"))
    national = StreamFactory(municipality=None)
    client = log_in(personas.bureau)
    assert client.get(f"/api/v1/funding-streams/{other.uuid}/").status_code == 404
    body = client.get(f"/api/v1/funding-streams/{national.uuid}/").json()
    assert body["municipality"] is None and body["remaining"] == "100000.00"


def test_the_bureau_reads_a_blockage_without_personal_data_and_the_read_is_logged(
    log_in, personas: Personas, scene
) -> None:
    response = log_in(personas.bureau).get(DETAIL["blockages"](scene))
    text = response.content.decode()
    assert response.json()["case_reference"] == "WT-SCENE001"
    for personal in ("Samira", "Vermeulen", SECRET_NOTE, "Schuldhulp", "Lindelaan", "1234AB"):
        assert personal not in text
    row = AccessLogEntry.objects.get(user_id=personas.bureau.pk)
    assert (row.object_uuid, row.channel, row.outcome) == (scene["blockage"].uuid, "api", "allowed")


def test_an_unseen_blockage_is_a_logged_404(log_in, personas: Personas, scene) -> None:
    assert log_in(personas.professional_b).get(DETAIL["blockages"](scene)).status_code == 404
    row = AccessLogEntry.objects.get(user_id=personas.professional_b.pk)
    assert row.outcome == "refused"


# --- Steps ----------------------------------------------------------------------------------------


def test_the_team_lead_escalates_and_the_bureau_resolves(log_in, personas: Personas, scene) -> None:
    url = DETAIL["blockages"](scene)
    response = log_in(personas.team_lead).post(f"{url}escalate/", {"note": "Graag meedenken"}, "application/json")
    assert response.status_code == 200 and response.json()["level"] == "programme_bureau"
    response = log_in(personas.bureau).post(
        f"{url}resolve/", {"resolution": "exemption", "note": "Ontheffing verleend"}, "application/json"
    )
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["resolution"]) == ("resolved", "exemption")


def test_a_step_the_user_may_not_take_is_403_and_changes_nothing(log_in, personas: Personas, scene) -> None:
    url = DETAIL["blockages"](scene)
    response = log_in(personas.professional).post(f"{url}escalate/", {}, "application/json")
    assert response.status_code == 403
    scene["blockage"].refresh_from_db()
    assert scene["blockage"].level == "team_lead"


def test_a_step_on_an_unseen_blockage_is_404(log_in, personas: Personas, scene) -> None:
    url = DETAIL["blockages"](scene)
    assert log_in(personas.professional_b).post(f"{url}escalate/", {}, "application/json").status_code == 404


def test_a_step_the_workflow_refuses_is_400_with_the_field_and_its_message(log_in, personas: Personas, scene) -> None:
    blockage = scene["blockage"]
    Blockage.objects.filter(pk=blockage.pk).update(
        status=BlockageStatus.RESOLVED, resolution="other_route", closed_at=timezone.now()
    )
    response = log_in(personas.team_lead).post(f"{DETAIL['blockages'](scene)}escalate/", {}, "application/json")
    assert response.status_code == 400 and list(response.json()) == ["step"]


def test_resolving_without_an_explanation_names_the_field(log_in, personas: Personas, scene) -> None:
    response = log_in(personas.team_lead).post(
        f"{DETAIL['blockages'](scene)}resolve/", {"resolution": "exemption"}, "application/json"
    )
    assert response.status_code == 400 and list(response.json()) == ["note"]


# --- Registering a blockage by hand -------------------------------------------------------------


def _blockage_input(action, **extra):
    return {
        "action": str(action.uuid),
        "reason": "other",
        "rule": "Art. 2.3",
        "household_impact": "Wachten",
        "euros_stuck": "120.00",
        "delay_days": 14,
        **extra,
    }


def test_a_professional_registers_a_blockage_through_the_service(log_in, personas: Personas, scene) -> None:
    response = log_in(personas.professional).post(
        "/api/v1/blockages/", _blockage_input(scene["action"]), "application/json"
    )
    assert response.status_code == 201
    blockage = Blockage.objects.get(uuid=response.json()["uuid"])
    assert blockage.source == "registered" and blockage.events.get().kind == "opened"
    assert AccessLogEntry.objects.filter(action="create", case_id=scene["case"].pk).exists()


@pytest.mark.parametrize(
    "extra,field",
    [({"status": "resolved"}, "status"), ({"euros_stuck": "-5"}, "euros_stuck"), ({"rule": ""}, "rule")],
)
def test_bad_or_read_only_fields_are_400_and_nothing_is_saved(log_in, personas: Personas, scene, extra, field) -> None:
    response = log_in(personas.professional).post(
        "/api/v1/blockages/", _blockage_input(scene["action"], **extra), "application/json"
    )
    assert response.status_code == 400 and field in response.json()
    assert Blockage.objects.count() == 1


def test_an_action_of_another_team_cannot_be_named(log_in, personas: Personas, scene) -> None:
    response = log_in(personas.professional_b).post(
        "/api/v1/blockages/", _blockage_input(scene["action"]), "application/json"
    )
    assert response.status_code == 400 and list(response.json()) == ["action"]
    assert Blockage.objects.count() == 1


# --- Spend imports --------------------------------------------------------------------------------


def test_the_auditor_uploads_a_spend_file_through_the_screens_path(
    log_in, personas: Personas, scene, django_capture_on_commit_callbacks
) -> None:
    upload = SimpleUploadedFile("uitgaven.csv", b"allocation_reference,stream_code,month,amount\n", "text/csv")
    with django_capture_on_commit_callbacks(execute=True):
        response = log_in(personas.auditor).post("/api/v1/spend-imports/", {"file": upload})
    assert response.status_code == 202
    record = SpendImport.objects.get(uuid=response.json()["uuid"])
    assert record.uploaded_by == personas.auditor and record.filename == "uitgaven.csv"
    record.refresh_from_db()
    assert record.status != SpendImport.Status.PENDING  # the task ran after the commit
    detail = log_in(personas.auditor).get(f"/api/v1/spend-imports/{record.uuid}/").json()
    assert detail["status"] == record.status and isinstance(detail["error_lines"], list)


@pytest.mark.parametrize("persona", ["bureau", "professional"])
def test_only_the_auditor_uploads_spend(log_in, personas: Personas, scene, persona: str) -> None:
    upload = SimpleUploadedFile("uitgaven.csv", b"x\n", "text/csv")
    response = log_in(getattr(personas, persona)).post("/api/v1/spend-imports/", {"file": upload})
    assert response.status_code == 403
    assert SpendImport.objects.count() == 1


# --- Reports -------------------------------------------------------------------------------------


def test_the_funding_flow_report_suppresses_small_household_counts(log_in, personas: Personas, scene) -> None:
    from funding.summary import flow_cells_refresh

    flow_cells_refresh(municipality_id=personas.team_a.municipality_id)
    year = scene["allocation"].period_start.year
    body = log_in(personas.bureau).get(f"/api/v1/reports/funding-flows/?year={year}&granularity=year").json()
    assert body["year"] == year and body["rows"] and body["counts"] == ""
    counted = [row for row in body["rows"] if row["households_display"] != "0"]
    assert counted and all(row["households"] is None and row["households_display"] == "<5" for row in counted)
    # The auditor's counts are exact and the answer says so, instead of pretending suppression.
    body = log_in(personas.auditor).get(f"/api/v1/reports/funding-flows/?year={year}&granularity=year").json()
    assert body["counts"] == "exacte aantallen, pseudoniem — niet voor publicatie"
    counted = [row for row in body["rows"] if row["households_display"] != "0"]
    assert counted and all(row["households"] == int(row["households_display"]) for row in counted)


def test_a_bad_report_filter_is_400_with_the_field(log_in, personas: Personas, scene) -> None:
    client = log_in(personas.auditor)
    response = client.get("/api/v1/reports/funding-flows/?year=1900")
    assert response.status_code == 400 and list(response.json()) == ["year"]
    response = client.get("/api/v1/reports/funding-flows/?year=2025&colour=red")
    assert response.status_code == 400 and list(response.json()) == ["colour"]


def test_the_programme_report_answers_with_suppressed_cells(log_in, personas: Personas, scene) -> None:
    body = log_in(personas.bureau).get("/api/v1/reports/programme/").json()
    assert set(body) >= {"refreshed_at", "trend", "neighbourhoods", "totals", "timing"}
    assert all(set(cell) == {"value", "display"} for cell in body["totals"].values())


def test_a_programme_filter_by_unknown_area_is_400(log_in, personas: Personas) -> None:
    response = log_in(personas.bureau).get("/api/v1/reports/programme/?area=BU99999999")
    assert response.status_code == 400 and list(response.json()) == ["area"]


# --- Query counts ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "endpoint,persona", [("blockages", "team_lead"), ("blockages", "bureau"), ("allocations", "professional")]
)
def test_funding_lists_use_a_constant_number_of_queries(
    log_in, personas: Personas, scene, django_assert_max_num_queries, endpoint: str, persona: str
) -> None:
    client = log_in(getattr(personas, persona))
    with django_assert_max_num_queries(12) as small:
        client.get(f"/api/v1/{endpoint}/")
    for _ in range(15):
        action = ActionFactory(case=CaseFactory(team=personas.team_a))
        BlockageFactory(action=action)
        AllocationFactory(action=action, stream=scene["stream"])
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(f"/api/v1/{endpoint}/")
    assert len(response.json()["results"]) == 16


def test_funding_streams_show_their_eligibility_rules_and_iv3(log_in, personas: Personas) -> None:
    from tests.organisations.factories import NeighbourhoodFactory

    buurt = NeighbourhoodFactory(municipality=personas.team_a.municipality)
    stream = StreamFactory(
        municipality=personas.team_a.municipality,
        themes=["welzijn", "werk"],
        kinds=["social_work"],
        min_age=18,
        max_age=67,
        household_level=True,
        iv3_taakveld="6.71",
        area_list=[buurt],
    )
    response = log_in(personas.bureau).get(f"/api/v1/funding-streams/{stream.uuid}/")
    body = response.json()
    assert body["iv3_taakveld"] == "6.71"
    assert body["eligibility"] == {
        "themes": ["welzijn", "werk"],
        "organisation_kinds": ["social_work"],
        "min_age": 18,
        "max_age": 67,
        "household_level": True,
        "areas": [buurt.code],
    }


def test_the_funding_stream_list_reads_its_rules_in_constant_queries(
    log_in, personas: Personas, django_assert_max_num_queries
) -> None:
    client = log_in(personas.bureau)
    for _ in range(3):
        StreamFactory(municipality=personas.team_a.municipality, themes=["welzijn", "werk"])
    with django_assert_max_num_queries(12) as few:
        client.get("/api/v1/funding-streams/")
    for _ in range(10):
        StreamFactory(municipality=personas.team_a.municipality, themes=["welzijn", "werk"])
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(client.get("/api/v1/funding-streams/").json()["results"]) == 13

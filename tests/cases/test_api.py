import datetime
import io
import re

import pytest
from django.core.management import call_command
from django.test import Client

from cases.models import Case, Contact, Plan
from privacy.models import AccessLogEntry
from tests.cases.factories import CaseFactory, ContactFactory, InvolvementFactory, MembershipFactory
from tests.conftest import Personas
from tests.organisations.factories import TeamMembershipFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(personas: Personas) -> Case:
    case = CaseFactory(team=personas.team_a, coordinator=personas.professional)
    MembershipFactory(household=case.household)
    return case


def test_the_schema_generates_without_warnings() -> None:
    out = io.StringIO()
    call_command("spectacular", "--validate", "--fail-on-warn", stdout=out)
    assert "openapi: 3" in out.getvalue()


def test_the_api_needs_a_login(client: Client) -> None:
    assert client.get("/api/v1/cases/").status_code in {401, 403}


def test_a_professional_lists_their_teams_cases_with_uuids_and_every_listed_case_is_logged(
    log_in, personas: Personas, case: Case
) -> None:
    CaseFactory(team=personas.team_b)  # not visible
    body = log_in(personas.professional).get("/api/v1/cases/").json()
    assert [item["uuid"] for item in body["results"]] == [str(case.uuid)]
    assert body["results"][0]["coordinator"] == str(personas.professional.uuid)
    assert "count" not in body  # cursor pagination: no COUNT on every page
    row = AccessLogEntry.objects.get()
    assert (row.case_id, row.household_id, row.channel, row.action) == (case.pk, case.household_id, "api", "read")


def test_the_case_list_uses_a_constant_number_of_queries(
    log_in, personas: Personas, django_assert_max_num_queries
) -> None:
    client = log_in(personas.professional)
    CaseFactory(team=personas.team_a)
    with django_assert_max_num_queries(12) as small:
        client.get("/api/v1/cases/")
    for _ in range(20):
        CaseFactory(team=personas.team_a)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get("/api/v1/cases/")
    assert len(response.json()["results"]) == 21


@pytest.mark.parametrize("persona", ["professional_b", "bureau", "auditor", "privacy_officer", "administrator"])
def test_a_case_someone_may_not_see_answers_404_and_the_attempt_is_logged(
    log_in, personas: Personas, case: Case, persona: str
) -> None:
    response = log_in(getattr(personas, persona)).get(f"/api/v1/cases/{case.uuid}/")
    assert response.status_code == 404
    assert AccessLogEntry.objects.get().outcome == "refused"


def test_a_missing_or_malformed_uuid_answers_404(log_in, personas: Personas) -> None:
    client = log_in(personas.professional)
    assert client.get("/api/v1/cases/00000000-0000-4000-8000-000000000000/").status_code == 404
    assert client.get("/api/v1/cases/not-a-uuid/").status_code == 404


def test_the_household_shows_a_masked_bsn_only(log_in, personas: Personas, case: Case) -> None:
    person = case.household.memberships.get().person
    person.bsn = "111222333"
    person.save()
    body = log_in(personas.professional).get(f"/api/v1/households/{case.household.uuid}/").json()
    assert body["members"][0]["person"]["bsn"] == "*****2333"
    assert "111222333" not in str(body)


def test_a_contact_is_logged_through_the_same_service_as_the_screen(log_in, personas: Personas, case: Case) -> None:
    response = log_in(personas.professional).post(
        "/api/v1/contacts/",
        {
            "case": str(case.uuid),
            "occurred_on": "2025-02-03",
            "kind": "phone",
            "themes": ["werk"],
            "minutes": 15,
            "note": "Gebeld",
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.json()
    contact = Contact.objects.get(uuid=response.json()["uuid"])
    assert contact.author == personas.professional
    assert AccessLogEntry.objects.filter(action="create", case_id=case.pk).exists()


def test_unknown_or_read_only_fields_are_rejected(log_in, personas: Personas, case: Case) -> None:
    response = log_in(personas.professional).post(
        "/api/v1/contacts/",
        {
            "case": str(case.uuid),
            "occurred_on": "2025-02-03",
            "kind": "phone",
            "themes": ["werk"],
            "minutes": 15,
            "author": str(personas.team_lead.uuid),
            "is_admin": True,
        },
        content_type="application/json",
    )
    assert response.status_code == 400
    assert set(response.json()) == {"author", "is_admin"}
    # In Dutch, as every other message of the API (the interface's language unless the user chose English).
    assert response.json()["author"] == ["Dit veld bestaat niet of mag niet worden gewijzigd."]
    assert not Contact.objects.exists()


def test_service_validation_errors_come_back_per_field(log_in, personas: Personas, case: Case) -> None:
    response = log_in(personas.professional).post(
        "/api/v1/contacts/",
        {"case": str(case.uuid), "occurred_on": "2999-01-01", "kind": "phone", "themes": ["werk"], "minutes": 5},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "occurred_on" in response.json()


def test_a_contact_on_a_case_of_another_team_is_refused(log_in, personas: Personas, case: Case) -> None:
    response = log_in(personas.professional_b).post(
        "/api/v1/contacts/",
        {"case": str(case.uuid), "occurred_on": "2025-02-03", "kind": "phone", "themes": ["werk"], "minutes": 5},
        content_type="application/json",
    )
    assert response.status_code == 400 and "case" in response.json()


def test_own_organisation_contacts_stay_hidden_in_the_api(log_in, personas: Personas, case: Case) -> None:
    colleague = TeamMembershipFactory(team=personas.team_a).user
    ContactFactory(case=case, author=colleague, confidentiality=Contact.Confidentiality.OWN_ORGANISATION)
    shared = ContactFactory(case=case, author=colleague)
    body = log_in(personas.professional).get("/api/v1/contacts/", {"case": str(case.uuid)}).json()
    assert [item["uuid"] for item in body["results"]] == [str(shared.uuid)]


def test_saving_the_plan_on_a_stale_version_answers_409(log_in, personas: Personas, case: Case) -> None:
    client = log_in(personas.professional)
    payload = {"version": 0, "author": "team", "goals": [{"theme": "werk", "text": "Schulden op orde"}]}
    first = client.put(f"/api/v1/plans/{case.uuid}/", payload, content_type="application/json")
    assert first.status_code == 200, first.json()
    assert first.json()["current"]["goals"][0]["text"] == "Schulden op orde"
    second = client.put(f"/api/v1/plans/{case.uuid}/", payload, content_type="application/json")
    assert second.status_code == 409
    assert Plan.objects.get(case=case).version == 1


def test_the_team_lead_changes_the_coordinator_and_a_professional_may_not(
    log_in, personas: Personas, case: Case
) -> None:
    colleague = TeamMembershipFactory(team=personas.team_a).user
    InvolvementFactory(case=case, professional=colleague)
    url = f"/api/v1/cases/{case.uuid}/coordinator/"
    data = {"professional": str(colleague.uuid)}
    assert log_in(personas.professional).post(url, data, content_type="application/json").status_code == 403
    lead = log_in(personas.team_lead)
    # The lead does not work on the household: without a reason nothing changes (#13 item 2).
    assert lead.post(url, data, content_type="application/json").status_code == 403
    response = lead.post(url, data, content_type="application/json", headers={"X-Wijkteam-Reason": "standing_in"})
    assert response.status_code == 200 and response.json()["coordinator"] == str(colleague.uuid)


def test_a_status_step_outside_the_table_is_a_400(log_in, personas: Personas, case: Case) -> None:
    url = f"/api/v1/cases/{case.uuid}/transition/"
    response = log_in(personas.professional).post(url, {"to_status": "nazorg"}, content_type="application/json")
    assert response.status_code == 400 and "to_status" in response.json()


def test_reference_data_is_listed_by_code(log_in, personas: Personas) -> None:
    client = log_in(personas.bureau)
    assert [theme["code"] for theme in client.get("/api/v1/themes/").json()][:2] == ["welzijn", "onderwijs"]
    zrm = client.get("/api/v1/instruments/zrm/").json()
    assert len(zrm["domains"]) == 13
    assert client.get("/api/v1/silos/flexibel/").json()["silo_free"] is True


def test_a_referral_through_the_api_creates_household_and_case(log_in, personas: Personas) -> None:
    from tests.organisations.factories import NeighbourhoodFactory

    buurt = NeighbourhoodFactory()
    personas.team_a.areas.add(buurt)
    response = log_in(personas.professional).post(
        "/api/v1/cases/",
        {
            "team": str(personas.team_a.uuid),
            "street": "Kade",
            "house_number": 3,
            "postcode": "1234AB",
            "city": "Teststad",
            "neighbourhood": buurt.code,
            "members": [{"first_name": "Noor", "last_name": "Smit", "role": "parent"}],
            "referral_source": "self",
            "referral_reason": "Vraagt hulp bij schulden.",
            "legal_basis": "consent",
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["status"] == "aanmelding"
    assert Case.objects.get(uuid=response.json()["uuid"]).household.city == "Teststad"


def test_the_api_docs_page_loads_its_assets_locally(log_in, personas: Personas) -> None:
    html = log_in(personas.professional).get("/api/v1/docs/").content.decode()
    assert "swagger" in html.lower()
    assert "cdn" not in html.lower() and "unpkg" not in html.lower()


def test_contacts_can_be_filtered_by_date(log_in, personas: Personas, case: Case) -> None:
    ContactFactory(case=case, occurred_on=datetime.date(2025, 1, 20), author=personas.professional)
    late = ContactFactory(case=case, occurred_on=datetime.date(2025, 3, 1), author=personas.professional)
    body = log_in(personas.professional).get("/api/v1/contacts/", {"occurred_after": "2025-02-01"}).json()
    assert [item["uuid"] for item in body["results"]] == [str(late.uuid)]


# --- The case list through a personal token: what `make bench` measures -------------------------


def test_a_page_of_50_cases_by_token_takes_the_same_queries_with_small_and_large_data(
    client: Client, personas: Personas, django_assert_num_queries
) -> None:
    from accounts.services import api_token_create

    secret = api_token_create(
        by=personas.professional, name="bench", expires_on=datetime.date.today() + datetime.timedelta(days=7)
    ).secret
    CaseFactory(team=personas.team_a, coordinator=personas.professional)
    # The token with its account check, the cases (their coordinators in the same row), and the access-log insert.
    client.get("/api/v1/cases/?page_size=50", HTTP_AUTHORIZATION=f"Bearer {secret}")  # writes last_used_at
    with django_assert_num_queries(3) as small:
        client.get("/api/v1/cases/?page_size=50", HTTP_AUTHORIZATION=f"Bearer {secret}")
    for _ in range(60):
        CaseFactory(team=personas.team_a, coordinator=personas.professional)
    with django_assert_num_queries(len(small.captured_queries)):
        response = client.get("/api/v1/cases/?page_size=50", HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert len(response.json()["results"]) == 50


def test_bench_api_measures_every_personal_data_list_through_a_token_and_leaves_nothing_behind(
    personas: Personas,
) -> None:
    from django.core.management import call_command
    from django.core.management.base import CommandError

    from accounts.models import ApiToken

    for _ in range(3):
        CaseFactory(team=personas.team_a, coordinator=personas.professional)
    out = io.StringIO()
    call_command("bench_api", runs=2, warmup=0, stdout=out)
    report = out.getvalue()
    assert "sees 3 cases" in report
    for name in ("cases", "households", "persons", "involvements", "actions", "contacts", "allocations"):
        assert re.search(rf"GET /api/v1/{name}/ +median +[\d.]+ ms +p95 +[\d.]+ ms .* \d+ queries", report), name
    assert not ApiToken.objects.exists() and not AccessLogEntry.objects.exists()
    with pytest.raises(CommandError, match=r"above 0\.0 ms"):
        call_command("bench_api", runs=1, warmup=0, fail_above=0.0, stdout=io.StringIO())

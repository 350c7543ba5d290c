"""The reason for a read outside one's usual purpose, on the API and the other doors (#13 item 2)."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from privacy.models import AccessLogEntry
from privacy.purpose import REASON_HEADER
from privacy.subject_access import subject_access_open
from tests.cases.factories import ActionFactory, CaseFactory, InvolvementFactory, MembershipFactory
from tests.conftest import Personas

pytestmark = pytest.mark.django_db


def _rows(case, **filters):  # type: ignore[no-untyped-def]
    return list(AccessLogEntry.objects.filter(household_id=case.household_id, **filters))


def test_a_team_lead_without_a_reason_gets_a_dutch_403_and_nothing_is_read(log_in, personas: Personas) -> None:
    case = CaseFactory(team=personas.team_a)
    response = log_in(personas.team_lead).get(reverse("api:household-detail", args=[case.household.uuid]))
    assert response.status_code == 403
    body = response.json()
    assert body["code"] == "reason_required"
    assert "X-Wijkteam-Reason" in body["detail"] and "reden" in body["detail"]
    assert {reason["code"] for reason in body["reasons"]} >= {"review", "other"}
    assert "Kwaliteitscontrole of casusbespreking in het team" in [r["label"] for r in body["reasons"]]
    assert case.household.street not in response.content.decode()
    assert _rows(case, outcome="allowed") == []


def test_the_reason_in_the_header_is_logged_with_the_supervision_activity(log_in, personas: Personas) -> None:
    case = CaseFactory(team=personas.team_a)
    response = log_in(personas.team_lead).get(
        reverse("api:household-detail", args=[case.household.uuid]), headers={REASON_HEADER: "escalation"}
    )
    assert response.status_code == 200
    rows = _rows(case, outcome="allowed")
    assert rows and {(row.activity, row.reason, row.channel) for row in rows} == {
        ("team-supervision", "escalation", "api")
    }


def test_another_reason_needs_an_explanation_which_may_be_percent_encoded(log_in, personas: Personas) -> None:
    case = CaseFactory(team=personas.team_a)
    client = log_in(personas.team_lead)
    url = reverse("api:case-detail", args=[case.uuid])
    bare = client.get(url, headers={REASON_HEADER: "other"})
    assert bare.status_code == 400
    assert bare.json()["code"] == "reason_invalid"
    unknown = client.get(url, headers={REASON_HEADER: "nieuwsgierigheid"})
    assert unknown.status_code == 400
    explained = client.get(url, headers={REASON_HEADER: "other: Vervanging%20bij%20ziekte%20van%20de%20regisseur"})
    assert explained.status_code == 200
    assert {row.reason for row in _rows(case, outcome="allowed")} == {"other: Vervanging bij ziekte van de regisseur"}


def test_a_list_asks_a_reason_only_for_the_households_outside_the_leads_own_work(log_in, personas: Personas) -> None:
    own = CaseFactory(team=personas.team_a, coordinator=personas.team_lead)
    other = CaseFactory(team=personas.team_a)
    client = log_in(personas.team_lead)
    assert client.get(reverse("api:case-list")).status_code == 403
    response = client.get(reverse("api:case-list"), headers={REASON_HEADER: "review"})
    assert response.status_code == 200
    assert {(row.activity, row.reason) for row in _rows(other)} == {("team-supervision", "review")}
    assert {(row.activity, row.reason) for row in _rows(own)} == {("case-coordination", "")}


def test_a_lead_who_works_on_the_household_and_a_professional_are_never_asked(log_in, personas: Personas) -> None:
    case = CaseFactory(team=personas.team_a, coordinator=personas.professional)
    InvolvementFactory(case=case, professional=personas.team_lead)
    assert log_in(personas.team_lead).get(reverse("api:case-detail", args=[case.uuid])).status_code == 200
    assert log_in(personas.professional).get(reverse("api:case-detail", args=[case.uuid])).status_code == 200
    assert {row.reason for row in _rows(case)} == {""}


def test_the_reason_header_and_the_403_are_in_the_api_schema(client) -> None:  # type: ignore[no-untyped-def]
    schema = client.get(reverse("api:schema"), {"format": "json"}).json()
    operation = schema["paths"]["/api/v1/households/{uuid}/"]["get"]
    headers = [p for p in operation["parameters"] if p["in"] == "header"]
    assert [p["name"] for p in headers] == ["X-Wijkteam-Reason"]
    assert "team lead" in headers[0]["description"] or "teamleider" in headers[0]["description"]
    assert "403" in operation["responses"]
    reference_data = schema["paths"]["/api/v1/themes/"]["get"]
    assert not [p for p in reference_data.get("parameters", []) if p["in"] == "header"]


def test_a_write_through_the_api_outside_purpose_asks_the_reason_too(log_in, personas: Personas) -> None:
    case = CaseFactory(team=personas.team_a)
    url = reverse("api:case-transition", args=[case.uuid])
    response = log_in(personas.team_lead).post(url, {"to": "plan"}, content_type="application/json")
    assert response.status_code == 403 and response.json()["code"] == "reason_required"


# --- The other doors of the screens ------------------------------------------------------------------------


def test_the_funding_page_of_a_household_asks_the_lead_and_returns_there(log_in, personas: Personas) -> None:
    case = CaseFactory(team=personas.team_a)
    client = log_in(personas.team_lead)
    url = reverse("funding:household", args=[case.household.uuid])
    asked = client.get(url)
    assert asked.status_code == 302
    purpose_url = asked["Location"]
    assert purpose_url.startswith(reverse("cases:household-purpose", args=[case.household.uuid]))
    answered = client.post(purpose_url, {"reason": "escalation"})
    assert answered.status_code == 302 and answered["Location"] == url
    assert client.get(url).status_code == 200
    assert {(row.activity, row.reason) for row in _rows(case, detail="household funding")} == {
        ("team-supervision", "escalation")
    }


def test_the_purpose_page_returns_only_to_a_page_of_this_site(log_in, personas: Personas) -> None:
    case = CaseFactory(team=personas.team_a)
    purpose_url = reverse("cases:household-purpose", args=[case.household.uuid])
    answered = log_in(personas.team_lead).post(purpose_url + "?volgende=https://elders.example/", {"reason": "review"})
    assert answered["Location"] == reverse("cases:household", args=[case.household.uuid])


def test_a_case_form_asks_the_lead_and_logs_the_reason(log_in, personas: Personas) -> None:
    case = CaseFactory(team=personas.team_a)
    client = log_in(personas.team_lead)
    url = reverse("cases:action-create", kwargs={"case": case.uuid})
    assert client.get(url).status_code == 302
    client.post(reverse("cases:household-purpose", args=[case.household.uuid]), {"reason": "standing_in"})
    assert client.get(url).status_code == 200
    assert {(row.activity, row.reason) for row in _rows(case, outcome="allowed")} == {
        ("team-supervision", "standing_in")
    }


def test_a_coordinating_lead_uses_the_case_forms_without_a_question(log_in, personas: Personas) -> None:
    case = CaseFactory(team=personas.team_a, coordinator=personas.team_lead)
    ActionFactory(case=case)
    response = log_in(personas.team_lead).get(reverse("cases:action-create", kwargs={"case": case.uuid}))
    assert response.status_code == 200
    assert {row.activity for row in _rows(case, outcome="allowed")} == {"case-coordination"}


def test_the_officers_read_of_a_persons_file_names_the_request(log_in, personas: Personas) -> None:
    case = CaseFactory(team=personas.team_a)
    person = MembershipFactory(household=case.household).person
    handled = subject_access_open(person=person, received_on=datetime.date(2026, 11, 20), by=personas.privacy_officer)
    log_in(personas.privacy_officer).get(reverse("privacy:access-review", args=[handled.uuid]))
    row = AccessLogEntry.objects.get(person_id=person.pk, detail="access request review")
    assert row.activity == "subject-rights"
    assert row.reason == "subject_request: access 2026-11-20"
    assert row.reason_text == "Een verzoek van de betrokkene (AVG): inzage (art. 15), ontvangen 20 november 2026"

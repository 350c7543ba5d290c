"""A purpose on every read (#13 item 2): the activity derived from context, and the reason asked once."""

from __future__ import annotations

import datetime
from urllib.parse import quote

import pytest
from django.urls import reverse

from cases.models import Involvement, LegalBasis
from privacy.models import AccessLogEntry
from privacy.verify import verify_access_log
from tests.cases.factories import CaseFactory, InvolvementFactory
from tests.conftest import Personas

pytestmark = pytest.mark.django_db


def household_url(case) -> str:  # type: ignore[no-untyped-def]
    return reverse("cases:household", args=[case.household.uuid])


def purpose_url(case) -> str:  # type: ignore[no-untyped-def]
    return reverse("cases:household-purpose", args=[case.household.uuid])


def household_rows(case) -> list[AccessLogEntry]:  # type: ignore[no-untyped-def]
    return list(
        AccessLogEntry.objects.filter(
            household_id=case.household_id, object_type="cases.household", detail="household page"
        )
    )


def test_a_coordinators_read_of_the_household_page_is_logged_as_case_coordination(log_in, personas: Personas) -> None:
    case = CaseFactory(team=personas.team_a, coordinator=personas.professional)
    response = log_in(personas.professional).get(household_url(case))
    assert response.status_code == 200
    rows = list(AccessLogEntry.objects.filter(household_id=case.household_id, action="read"))
    assert rows and {row.activity for row in rows} == {"case-coordination"}
    assert {row.legal_basis for row in rows} == {"wmo"}  # the coordinating involvement's basis
    assert {row.reason for row in rows} == {""}
    assert rows[0].activity_name == "Regievoering"
    assert verify_access_log().ok


def test_a_team_member_without_involvement_reads_for_casework_and_is_not_asked(log_in, personas: Personas) -> None:
    case = CaseFactory(team=personas.team_a)  # a colleague of team A coordinates
    response = log_in(personas.professional).get(household_url(case))
    assert response.status_code == 200
    assert {row.activity for row in household_rows(case)} == {"casework"}


def test_a_signaller_reads_for_signalling_on_the_basis_of_their_involvement(log_in, personas: Personas) -> None:
    case = CaseFactory(team=personas.team_b)
    InvolvementFactory(
        case=case, professional=personas.professional, role=Involvement.Role.SIGNALLER, legal_basis=LegalBasis.JEUGDWET
    )
    assert log_in(personas.professional).get(household_url(case)).status_code == 200
    assert {(row.activity, row.legal_basis) for row in household_rows(case)} == {("signalling", "jeugdwet")}
    officer = log_in(personas.privacy_officer)
    html = officer.post(reverse("privacy:log"), {"username": "prof-a"}).content.decode()
    assert "Signalering en de meldcode (wettelijke taak: Jeugdwet)" in html


def test_a_team_lead_is_asked_the_reason_once_per_household_and_session(log_in, personas: Personas) -> None:
    case = CaseFactory(team=personas.team_a)
    other = CaseFactory(team=personas.team_a)
    client = log_in(personas.team_lead)

    first = client.get(household_url(case))
    assert first.status_code == 302 and first["Location"] == purpose_url(case)
    assert household_rows(case) == []  # nothing shown, nothing read
    form = client.get(purpose_url(case))
    html = form.content.decode()
    assert "Waarom opent u dit huishouden?" in html
    assert case.household.address not in html  # the question shows nothing of the household

    # An explanation is required for "another reason"; what was typed stays.
    refused = client.post(purpose_url(case), {"reason": "other", "explanation": ""})
    assert refused.status_code == 200
    assert "Zeg kort waarom u dit huishouden opent." in refused.content.decode()
    assert household_rows(case) == []

    given = client.post(purpose_url(case), {"reason": "standing_in"})
    assert given.status_code == 302 and given["Location"] == household_url(case)
    assert client.get(household_url(case)).status_code == 200
    assert client.get(household_url(case)).status_code == 200  # not asked again
    rows = household_rows(case)
    assert len(rows) == 2
    assert {(row.activity, row.legal_basis, row.reason) for row in rows} == {("team-supervision", "", "standing_in")}

    # The household's history is asked for the same reason, and its row carries it too.
    history = client.get(reverse("cases:household-history", args=[case.household.uuid]))
    assert history.status_code == 200
    history_row = AccessLogEntry.objects.get(household_id=case.household_id, detail="write history")
    assert (history_row.activity, history_row.reason) == ("team-supervision", "standing_in")

    contacts = client.get(reverse("cases:contact-list", args=[case.uuid]))
    assert contacts.status_code == 200
    contacts_row = AccessLogEntry.objects.get(case_id=case.pk, detail="contacts")
    assert (contacts_row.activity, contacts_row.reason) == ("team-supervision", "standing_in")

    # Another household asks again, on any of its pages.
    # (and returns to the page that asked once the reason is given)
    contacts_url = reverse("cases:contact-list", args=[other.uuid])
    assert client.get(contacts_url)["Location"] == f"{purpose_url(other)}?volgende={quote(contacts_url, safe='')}"
    history_url = reverse("cases:household-history", args=[other.household.uuid])
    assert client.get(history_url)["Location"] == f"{purpose_url(other)}?volgende={quote(history_url, safe='')}"
    assert client.get(household_url(other))["Location"] == purpose_url(other)
    # A new session asks again.
    client.logout()
    client = log_in(personas.team_lead)
    assert client.get(household_url(case))["Location"] == purpose_url(case)
    assert verify_access_log().ok


def test_a_team_lead_who_coordinates_the_household_is_not_asked(log_in, personas: Personas) -> None:
    case = CaseFactory(team=personas.team_a, coordinator=personas.team_lead)
    response = log_in(personas.team_lead).get(household_url(case))
    assert response.status_code == 200
    assert {row.activity for row in household_rows(case)} == {"case-coordination"}


def test_the_purpose_form_keeps_the_chosen_case_and_no_other_url(log_in, personas: Personas) -> None:
    case = CaseFactory(team=personas.team_a)
    client = log_in(personas.team_lead)
    asked = client.get(household_url(case), {"casus": str(case.uuid)})
    assert asked["Location"] == f"{purpose_url(case)}?casus={case.uuid}"
    back = client.post(purpose_url(case), {"reason": "review", "casus": str(case.uuid)})
    assert back["Location"] == f"{household_url(case)}?casus={case.uuid}"
    evil = client.post(purpose_url(case), {"reason": "review", "casus": "https://evil.example/"})
    assert evil["Location"] == household_url(case)


def test_the_purpose_form_of_a_household_one_may_not_see_is_a_logged_404(log_in, personas: Personas) -> None:
    case = CaseFactory(team=personas.team_b)
    response = log_in(personas.team_lead).post(purpose_url(case), {"reason": "review"})
    assert response.status_code == 404
    refused = AccessLogEntry.objects.get(household_id=case.household_id)
    assert (refused.outcome, refused.activity) == ("refused", "security")


def test_the_privacy_officer_sees_the_activity_and_the_reason_on_the_log_screen(log_in, personas: Personas) -> None:
    case = CaseFactory(team=personas.team_a)
    lead = log_in(personas.team_lead)
    lead.post(purpose_url(case), {"reason": "other", "explanation": "Klacht over de regisseur"})
    assert lead.get(household_url(case)).status_code == 200
    lead.logout()
    officer = log_in(personas.privacy_officer)
    today = datetime.date.today().isoformat()
    response = officer.post(reverse("privacy:log"), {"with_reason": "on", "date_from": today})
    html = response.content.decode()
    assert "Teamleiding en kwaliteitstoezicht" in html
    assert "Reden opgegeven:" in html and "Een andere reden: Klacht over de regisseur" in html
    only_reasons = officer.post(reverse("privacy:log"), {"with_reason": "on"}).content.decode()
    assert only_reasons.count("Reden opgegeven:") == AccessLogEntry.objects.exclude(reason="").count() >= 2

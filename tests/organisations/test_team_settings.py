"""A team lead sets who pays the team's actions from a stream (issue 14's team setting), on a screen.

Before this screen the setting could be changed in the admin site only, and a professional of a team
that leaves paying to its lead was offered a "Pay from a stream" link that answered 403.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from organisations.models import Role, Team
from tests.cases.factories import ActionFactory, CaseFactory
from tests.conftest import Personas
from tests.organisations.factories import TeamFactory, TeamMembershipFactory

pytestmark = pytest.mark.django_db

URL = "/team/instellingen/"


def _post(client: Any, team: Team, choice: str, shown: str) -> Any:
    prefix = f"team-{team.uuid}"
    return client.post(URL, {"team": str(team.uuid), f"{prefix}-allocated_by": choice, f"{prefix}-shown": shown})


def test_the_url_is_the_named_one() -> None:
    assert reverse("organisations:team-settings") == URL


def test_the_lead_changes_the_setting_and_the_page_says_who_did_it_and_when(log_in, personas: Personas) -> None:
    client = log_in(personas.team_lead)
    page = client.get(URL)
    assert page.status_code == 200
    html = page.content.decode()
    assert personas.team_a.name in html and personas.team_b.name not in html  # only the teams the user leads
    assert 'value="professional"' in html and "checked" in html
    assert "Niet gewijzigd sinds het team is ingericht." in html

    response = _post(client, personas.team_a, "team_lead", shown="professional")
    assert response.status_code == 302 and response["Location"] == URL
    personas.team_a.refresh_from_db()
    assert personas.team_a.allocated_by == Team.AllocatedBy.TEAM_LEAD
    record = personas.team_a.history.latest()
    assert record.history_user == personas.team_lead and record.allocated_by == "team_lead"

    after = client.get(URL).content.decode()
    assert f"door {personas.team_lead}" in after and "Laatst gewijzigd op" in after
    assert "de teamleider" in after  # the confirmation names what is in force now


def test_saving_what_is_in_force_writes_no_history(log_in, personas: Personas) -> None:
    client = log_in(personas.team_lead)
    before = personas.team_a.history.count()
    assert _post(client, personas.team_a, "professional", shown="professional").status_code == 302
    assert personas.team_a.history.count() == before


def test_a_team_the_lead_does_not_lead_answers_404_and_stays_as_it_was(log_in, personas: Personas) -> None:
    client = log_in(personas.team_lead)
    assert _post(client, personas.team_b, "team_lead", shown="professional").status_code == 404
    assert client.post(URL, {"team": "geen-uuid"}).status_code == 404
    personas.team_b.refresh_from_db()
    assert personas.team_b.allocated_by == Team.AllocatedBy.PROFESSIONAL


@pytest.mark.parametrize("role", ["professional", "bureau", "auditor", "privacy_officer", "administrator"])
def test_other_roles_get_404_on_the_page_and_on_a_save(log_in, personas: Personas, role: str) -> None:
    client = log_in(getattr(personas, role))
    assert client.get(URL).status_code == 404
    assert _post(client, personas.team_a, "team_lead", shown="professional").status_code == 404
    personas.team_a.refresh_from_db()
    assert personas.team_a.allocated_by == Team.AllocatedBy.PROFESSIONAL


def test_a_choice_that_is_no_option_is_refused_next_to_the_field(log_in, personas: Personas) -> None:
    client = log_in(personas.team_lead)
    response = _post(client, personas.team_a, "iedereen", shown="professional")
    assert response.status_code == 400
    html = response.content.decode()
    assert "form-error-summary" in html and f'id="id_team-{personas.team_a.uuid}-allocated_by_error"' in html
    personas.team_a.refresh_from_db()
    assert personas.team_a.allocated_by == Team.AllocatedBy.PROFESSIONAL

    tampered = _post(client, personas.team_a, "team_lead", shown="alles")
    assert tampered.status_code == 400 and "De pagina was verouderd" in tampered.content.decode()
    personas.team_a.refresh_from_db()
    assert personas.team_a.allocated_by == Team.AllocatedBy.PROFESSIONAL


def test_a_change_another_lead_made_meanwhile_is_not_overwritten_unseen(log_in, personas: Personas) -> None:
    other_lead = TeamMembershipFactory(team=personas.team_a, user__role=Role.TEAM_LEAD).user
    mine, theirs = log_in(personas.team_lead), log_in(other_lead)
    mine.get(URL)  # both pages show "every professional"
    assert _post(theirs, personas.team_a, "team_lead", shown="professional").status_code == 302

    late = _post(mine, personas.team_a, "professional", shown="professional")
    assert late.status_code == 400
    html = late.content.decode()
    assert "Intussen heeft iemand anders deze instelling gewijzigd in “alleen de teamleider”" in html
    assert f'name="team-{personas.team_a.uuid}-shown" value="team_lead"' in html  # the next save is over it
    personas.team_a.refresh_from_db()
    assert personas.team_a.allocated_by == Team.AllocatedBy.TEAM_LEAD

    # Having seen it, the lead saves again: now it counts.
    assert _post(mine, personas.team_a, "professional", shown="team_lead").status_code == 302
    personas.team_a.refresh_from_db()
    assert personas.team_a.allocated_by == Team.AllocatedBy.PROFESSIONAL
    # The same choice as the other lead's, over the old page, is no conflict: nothing would be lost.
    assert _post(theirs, personas.team_a, "professional", shown="team_lead").status_code == 302


def test_the_page_takes_the_same_queries_for_one_team_or_several(log_in, personas: Personas) -> None:
    client = log_in(personas.team_lead)
    with CaptureQueriesContext(connection) as one:
        client.get(URL)
    for _ in range(3):
        team = TeamFactory(municipality=personas.team_a.municipality)
        TeamMembershipFactory(team=team, user=personas.team_lead)
        _post(client, team, "team_lead", shown="professional")
    with CaptureQueriesContext(connection) as several:
        page = client.get(URL)
    assert len(page.context["entries"]) == 4
    assert len(several.captured_queries) == len(one.captured_queries)


def test_the_household_page_offers_paying_only_to_who_may_pay(log_in, personas: Personas) -> None:
    with transaction.atomic():
        case = CaseFactory(team=personas.team_a, coordinator=personas.professional)
    ActionFactory(case=case, created_by=personas.professional)
    household_url = reverse("cases:household", args=[case.household.uuid])
    professional = log_in(personas.professional)
    assert "Betalen uit een stroom" in professional.get(household_url).content.decode()

    personas.team_a.allocated_by = Team.AllocatedBy.TEAM_LEAD
    personas.team_a.save()
    html = professional.get(household_url).content.decode()
    assert "Betalen uit een stroom" not in html and "de teamleider betaalt het uit een stroom" in html

    with transaction.atomic():
        led = CaseFactory(team=personas.team_a, coordinator=personas.team_lead)
    ActionFactory(case=led, created_by=personas.team_lead)
    lead_page = log_in(personas.team_lead).get(reverse("cases:household", args=[led.household.uuid]))
    assert "Betalen uit een stroom" in lead_page.content.decode()


def test_a_team_without_a_first_history_row_still_shows_its_last_change(log_in, personas: Personas) -> None:
    """The seeds load teams in bulk, which writes no history: the first change has nothing before it."""
    personas.team_a.history.all().delete()
    client = log_in(personas.team_lead)
    assert _post(client, personas.team_a, "team_lead", shown="professional").status_code == 302
    assert f"door {personas.team_lead}" in client.get(URL).content.decode()

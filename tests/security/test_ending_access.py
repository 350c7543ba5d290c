"""Issue #12, finding 4: ending an involvement or a team membership stops access at the next request.

The attack: a professional whose membership (or involvement) was ended today
kept full access until midnight, on the screens, the API and with a personal
token, because the end date counted as a day of access. The end date is now
the first day without access.
"""

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.services import api_token_create
from cases.models import Case
from cases.services import involvement_end
from tests.cases.factories import CaseFactory, InvolvementFactory
from tests.conftest import Personas

pytestmark = pytest.mark.django_db


def bearer(secret: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def end_membership_today(personas: Personas) -> None:
    membership = personas.professional.memberships.get(team=personas.team_a)
    membership.end_date = timezone.localdate()
    membership.save()


@pytest.fixture
def case(personas: Personas) -> Case:
    return CaseFactory(team=personas.team_a, coordinator=personas.team_lead)


def test_a_membership_ended_today_closes_the_household_page_at_once(
    client: Client, log_in, personas: Personas, case: Case
) -> None:
    client = log_in(personas.professional)
    url = reverse("cases:household", kwargs={"uuid": case.household.uuid})
    assert client.get(url).status_code == 200
    end_membership_today(personas)
    assert client.get(url).status_code == 404


def test_a_membership_ended_today_empties_the_api_list_at_once(
    client: Client, log_in, personas: Personas, case: Case
) -> None:
    client = log_in(personas.professional)
    assert [item["uuid"] for item in client.get("/api/v1/cases/").json()["results"]] == [str(case.uuid)]
    end_membership_today(personas)
    assert client.get("/api/v1/cases/").json()["results"] == []


def test_a_membership_ended_today_refuses_the_personal_token_at_once(
    client: Client, personas: Personas, case: Case
) -> None:
    new = api_token_create(
        by=personas.professional, name="script", expires_on=timezone.localdate() + datetime.timedelta(days=30)
    )
    assert client.get("/api/v1/cases/", **bearer(new.secret)).status_code == 200
    end_membership_today(personas)
    assert client.get("/api/v1/cases/", **bearer(new.secret)).status_code == 401


def test_an_involvement_ended_today_closes_screen_and_api_at_once(client: Client, log_in, personas: Personas) -> None:
    # A case of team B that the professional of team A works on through an involvement only.
    case = CaseFactory(team=personas.team_b, coordinator=personas.professional_b)
    involvement = InvolvementFactory(
        case=case, professional=personas.professional, start_date=datetime.date(2025, 1, 1)
    )
    client = log_in(personas.professional)
    household_url = reverse("cases:household", kwargs={"uuid": case.household.uuid})
    detail_url = f"/api/v1/cases/{case.uuid}/"
    assert client.get(household_url).status_code == 200
    assert client.get(detail_url).status_code == 200
    assert str(case.uuid) in {item["uuid"] for item in client.get("/api/v1/cases/").json()["results"]}

    involvement_end(involvement=involvement, by=personas.professional_b)

    assert client.get(household_url).status_code == 404
    assert client.get(detail_url).status_code == 404
    assert str(case.uuid) not in {item["uuid"] for item in client.get("/api/v1/cases/").json()["results"]}

"""Issue 16, item 1 through the API: a referral by `POST /api/v1/cases/` gets the duplicate review the screens have.

Likely matches the caller may see answer 409 with the matches per member and the households at the address;
the client re-posts with a decision per member (``existing_person`` or ``new_person_reason``) and, for the
address, ``new_household_confirmed``. A match the caller may not see changes nothing in the answer.
"""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts.services import api_token_create
from cases import duplicates
from cases.models import Case, DuplicateDecision, Household, HouseholdMembership, Person
from organisations.models import Role
from privacy.models import AccessLogEntry
from tests.cases.factories import CaseFactory, HouseholdFactory, MembershipFactory
from tests.conftest import Personas
from tests.organisations.factories import NeighbourhoodFactory, TeamMembershipFactory

pytestmark = pytest.mark.django_db

BORN = datetime.date(1990, 3, 3)
URL = "/api/v1/cases/"


def token_client(user: Any) -> Client:
    secret = api_token_create(
        by=user, name="test", expires_on=datetime.date.today() + datetime.timedelta(days=7)
    ).secret
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")


def referral(personas: Personas, *members: dict[str, Any], **overrides: Any) -> dict[str, Any]:
    buurt = NeighbourhoodFactory()
    personas.team_a.areas.add(buurt)
    return {
        "team": str(personas.team_a.uuid),
        "street": "Kade",
        "house_number": 3,
        "postcode": "9999ZZ",
        "city": "Teststad",
        "neighbourhood": buurt.code,
        "members": list(members) or [julia()],
        "referral_source": "school",
        "referral_reason": "Veel schoolverzuim.",
        "legal_basis": "jeugdwet",
    } | overrides


def julia(**overrides: Any) -> dict[str, Any]:
    return {
        "first_name": "Julia",
        "surname_prefix": "van",
        "last_name": "Dijk",
        "date_of_birth": BORN.isoformat(),
        "role": "parent",
    } | overrides


def post(client: Client, data: dict[str, Any]) -> Any:
    return client.post(URL, data, content_type="application/json")


def lead_of(team: Any) -> Any:
    return TeamMembershipFactory(team=team, user__role=Role.TEAM_LEAD).user


def case_at(team: Any, *, house_number: int, **kwargs: Any) -> Case:
    household = HouseholdFactory(street="Kade", house_number=house_number, postcode="9999ZZ")
    return CaseFactory(team=team, household=household, **kwargs)


def member_of(case: Case, **person: Any) -> Person:
    fields = {f"person__{key}": value for key, value in ({"date_of_birth": BORN} | person).items()}
    return MembershipFactory(household=case.household, **fields).person


@pytest.fixture
def known_julia(personas: Personas) -> Person:
    """Julia van Dijk, no BSN, in an open case of team A at Kade 3, 9999 ZZ (the referral goes to Kade 5)."""
    case = case_at(personas.team_a, house_number=3, coordinator=personas.professional)
    return member_of(case, first_name="Julia", surname_prefix="van", last_name="Dijk")


def test_a_referral_for_a_known_person_at_a_known_address_is_not_created_twice_silently(
    personas: Personas, known_julia: Person
) -> None:
    """The defect: the API answered 201 and made a second Julia and a second household at the same address."""
    response = post(token_client(personas.professional), referral(personas, julia(first_name="julia"), house_number=3))
    assert response.status_code == 409, response.json()
    body = response.json()
    assert [member["index"] for member in body["members"]] == [0]
    assert [match["uuid"] for match in body["members"][0]["matches"]] == [str(known_julia.uuid)]
    [household] = known_julia.memberships.all()
    assert [item["uuid"] for item in body["households"]] == [str(household.household.uuid)]
    assert body["households"][0]["has_open_case"] is True
    assert Person.objects.count() == 1 and Household.objects.count() == 1 and Case.objects.count() == 1


def test_a_known_person_is_listed_then_linked_once_chosen(personas: Personas, known_julia: Person) -> None:
    client = token_client(personas.professional)
    data = referral(personas, julia(), {"first_name": "Noor", "last_name": "Smit", "role": "child"}, house_number=5)

    body = post(client, data).json()
    assert body["code"] == "possible_duplicates" and "teamleider beoordeelt" in body["note"]  # the screens' sentence
    [member] = body["members"]  # Noor matches no one: only Julia is listed
    [match] = member["matches"]
    assert (member["index"], match["uuid"], match["date_of_birth"], match["reasons"]) == (
        0,
        str(known_julia.uuid),
        BORN.isoformat(),
        ["same_birth_and_name"],
    )
    assert match["last_name"] == "Dijk" and match["households"][0]["house_number"] == 3
    assert body["households"] == []
    assert AccessLogEntry.objects.filter(person_id=known_julia.pk, detail="duplicate check").exists()

    data["members"][0]["existing_person"] = str(known_julia.uuid)
    response = post(client, data)
    assert response.status_code == 201, response.json()
    case = Case.objects.get(uuid=response.json()["uuid"])
    assert {m.person for m in case.household.memberships.all()} >= {known_julia}
    assert Person.objects.filter(first_name="Julia").count() == 1 and Person.objects.count() == 2
    decision = DuplicateDecision.objects.get()
    assert (decision.outcome, decision.person, decision.decided_by) == ("linked", known_julia, personas.professional)


def test_a_new_person_despite_a_match_is_registered_with_its_reason(personas: Personas, known_julia: Person) -> None:
    client = token_client(personas.professional)
    data = referral(personas, julia(), house_number=5)
    assert post(client, data).status_code == 409

    data["members"][0]["new_person_reason"] = "   "  # blank: still undecided, nothing saved
    assert post(client, data).status_code == 409 and Case.objects.count() == 1
    data["members"][0]["new_person_reason"] = "Een nicht met dezelfde naam."
    response = post(client, data)
    assert response.status_code == 201, response.json()
    assert Person.objects.filter(first_name="Julia").count() == 2
    decision = DuplicateDecision.objects.get()
    assert (decision.outcome, decision.other_ids, decision.reason) == (
        "new",
        [known_julia.pk],
        data["members"][0]["new_person_reason"],
    )
    assert duplicates.person_pairs(lead_of(personas.team_a)) == []  # decided: not in the review queue


def test_a_decision_must_name_a_listed_match_and_only_one_choice(personas: Personas, known_julia: Person) -> None:
    client = token_client(personas.professional)
    elsewhere = member_of(case_at(personas.team_b, house_number=7), first_name="Julia", last_name="Dijk")
    data = referral(personas, julia(existing_person=str(elsewhere.uuid)), house_number=5)
    refused = post(client, data)
    data["members"][0]["existing_person"] = "00000000-0000-4000-8000-000000000000"
    assert refused.status_code == 400 and refused.json() == post(client, data).json()  # unknown or unseen: alike
    assert "existing_person" in refused.json()["members"][0]
    both = julia(existing_person=str(known_julia.uuid), new_person_reason="Toch een ander.")
    response = post(client, referral(personas, both))
    assert response.status_code == 400 and "new_person_reason" in str(response.json()["members"])
    assert Case.objects.count() == 2


def test_a_visible_person_with_the_same_bsn_is_linked_without_asking(personas: Personas) -> None:
    known = member_of(case_at(personas.team_a, house_number=3, coordinator=personas.professional), bsn="111222333")
    member = julia(bsn="111222333", first_name=known.first_name, last_name=known.last_name)
    response = post(token_client(personas.professional), referral(personas, member, house_number=5))
    assert response.status_code == 201, response.json()
    assert Person.objects.count() == 1 and not DuplicateDecision.objects.exists()


def test_a_match_in_another_team_is_never_revealed_and_waits_in_the_leads_queues(personas: Personas) -> None:
    """The answer, its body's shape and its queries are those of a referral that matches no one anywhere."""
    anna = member_of(case_at(personas.team_b, house_number=3), first_name="Anna", last_name="Öztürk")
    client = token_client(personas.professional)
    post(client, referral(personas, julia(first_name="Warm", last_name="Up"), house_number=11))  # token, caches
    with CaptureQueriesContext(connection) as nobody:
        plain = post(client, referral(personas, julia(first_name="Noor", last_name="Smit"), house_number=13))
    with CaptureQueriesContext(connection) as someone:
        response = post(client, referral(personas, julia(first_name="Anna", surname_prefix="", last_name="Ozturk")))
    assert (response.status_code, sorted(response.json())) == (plain.status_code, sorted(plain.json()))
    assert response.status_code == 201
    assert len(someone) == len(nobody)
    assert str(anna.uuid) not in response.content.decode()
    assert not AccessLogEntry.objects.filter(person_id=anna.pk).exists()
    new = Person.objects.get(first_name="Anna", last_name="Ozturk")
    assert [(pair.mine, pair.other) for pair in duplicates.person_pairs(lead_of(personas.team_a))] == [
        (new.pk, anna.pk)
    ]
    assert [(pair.mine, pair.other) for pair in duplicates.person_pairs(lead_of(personas.team_b))] == [
        (anna.pk, new.pk)
    ]


def test_the_same_address_lists_only_the_households_the_caller_may_see(personas: Personas) -> None:
    ours = case_at(personas.team_a, house_number=3, coordinator=personas.professional).household
    theirs = case_at(personas.team_b, house_number=3).household
    client = token_client(personas.professional)
    data = referral(personas, julia(first_name="Noor", last_name="Smit"), house_number=3, postcode="9999 zz")

    response = post(client, data)
    assert response.status_code == 409
    assert response.json()["members"] == []
    assert [item["uuid"] for item in response.json()["households"]] == [str(ours.uuid)]
    assert str(theirs.uuid) not in response.content.decode()
    assert AccessLogEntry.objects.filter(household_id=ours.pk, detail="duplicate check").exists()
    assert not AccessLogEntry.objects.filter(household_id=theirs.pk).exists()

    response = post(client, data | {"new_household_confirmed": True})
    assert response.status_code == 201, response.json()
    assert Household.objects.filter(postcode="9999ZZ", house_number=3).count() == 3
    assert HouseholdMembership.objects.get(person__first_name="Noor").household.cases.get().status == "aanmelding"


def test_the_schema_documents_the_409_and_the_decision_fields(personas: Personas) -> None:
    schema = token_client(personas.professional).get("/api/v1/schema/", {"format": "json"}).json()
    create = schema["paths"]["/api/v1/cases/"]["post"]
    assert "409" in create["responses"] and "201" in create["responses"]
    members = schema["components"]["schemas"]["MemberInput"]["properties"]
    assert {"existing_person", "new_person_reason"} <= set(members)
    assert "new_household_confirmed" in schema["components"]["schemas"]["Referral"]["properties"]
    problem = schema["components"]["schemas"]["DuplicatesProblem"]["properties"]
    assert {"members", "households", "note"} <= set(problem)

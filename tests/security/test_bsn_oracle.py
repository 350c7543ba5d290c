"""Issue #12 item 3: a BSN must not tell whether someone is a client of a team the caller does not work in.

The attack: register a referral (screen or API) or a household member with the BSN of a person in another
team's case. It used to answer with a field error on that member ("Dit BSN hoort bij een persoon in een casus
waaraan u niet werkt"), while an unknown BSN went through; in the second member the error's position made it an
exact oracle. Now a BSN the caller cannot see is answered exactly like an unknown one: the person is recorded as
new, and the shared BSN waits for the duplicate review (``Person.objects.sharing_a_bsn``).
"""

import re
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases.models import Household, HouseholdMembership, Person
from tests.cases.factories import CaseFactory, MembershipFactory
from tests.cases.screens import management
from tests.conftest import Personas
from tests.organisations.factories import NeighbourhoodFactory

pytestmark = pytest.mark.django_db

KNOWN = "111222333"  # a client of team B
UNKNOWN = "123456782"  # nobody's
OTHER = "232262536"
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
REFERENCE = re.compile(r"WT-[A-Z0-9]{8}")


@pytest.fixture
def team_b_client(personas: Personas) -> Person:
    """Anna, with the BSN KNOWN, is in a case of team B; the professional of team A cannot see her."""
    theirs = CaseFactory(team=personas.team_b)
    return MembershipFactory(household=theirs.household, person__first_name="Anna", person__bsn=KNOWN).person


@pytest.fixture
def buurt(personas: Personas):
    area = NeighbourhoodFactory(name="Oude Noorden")
    personas.team_a.areas.add(area)
    return area


def screen_referral(personas: Personas, buurt, bsns: list[str], house_number: int) -> dict[str, str]:
    data = {
        "team": str(personas.team_a.uuid),
        "street": "Lindelaan",
        "house_number": str(house_number),
        "house_number_suffix": "",
        "postcode": "1234 ab",
        "city": "Teststad",
        "neighbourhood": buurt.code,
        "referral_source": "school",
        "referral_reason": "Veel schoolverzuim.",
        "referred_on": "2025-03-01",
        "legal_basis": "jeugdwet",
        **management("members", len(bsns), min_num=1),
    }
    for index, bsn in enumerate(bsns):
        data |= {
            f"members-{index}-first_name": f"Lid{index}",
            f"members-{index}-surname_prefix": "",
            f"members-{index}-last_name": "Bakker",
            # Another birthday per referral: the same name and birthday twice would stop at the duplicate review.
            f"members-{index}-date_of_birth": f"{1900 + house_number % 100}-05-17",
            f"members-{index}-bsn": bsn,
            f"members-{index}-role": "parent" if index == 0 else "child",
        }
    return data


def api_referral(personas: Personas, buurt, bsns: list[str], house_number: int) -> dict[str, Any]:
    return {
        "team": str(personas.team_a.uuid),
        "street": "Kade",
        "house_number": house_number,
        "postcode": "1234AB",
        "city": "Teststad",
        "neighbourhood": buurt.code,
        "members": [
            {"first_name": f"Lid{index}", "last_name": "Smit", "role": "parent" if index == 0 else "child", "bsn": bsn}
            for index, bsn in enumerate(bsns)
        ],
        "referral_source": "self",
        "referral_reason": "Vraagt hulp bij schulden.",
        "legal_basis": "consent",
    }


def shape(value: Any) -> Any:
    """An answer with the parts that must differ anyway (new UUIDs, case references, typed values) blanked."""
    if isinstance(value, dict):
        return {key: shape(item) for key, item in value.items()}
    if isinstance(value, list):
        return [shape(item) for item in value]
    if isinstance(value, str):
        return REFERENCE.sub("WT-*", UUID.sub("*", value)).replace(KNOWN, "BSN").replace(UNKNOWN, "BSN")
    return value


def answer_of_screen(client: Client, url: str, data: dict[str, str]) -> tuple[Any, ...]:
    with CaptureQueriesContext(connection) as queries:
        response = client.post(url, data)
    body = response.content.decode()
    body = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", body)
    body = re.sub(r'nonce="[^"]*"|"X-CSRFToken": "[^"]*"', "", body)  # fresh for every response
    return response.status_code, shape(response.get("Location", "")), shape(body), len(queries)


def answer_of_api(client: Client, data: dict[str, Any]) -> tuple[Any, ...]:
    with CaptureQueriesContext(connection) as queries:
        response = client.post("/api/v1/cases/", data, content_type="application/json")
    return response.status_code, shape(response.json()), len(queries)


@pytest.mark.parametrize("position", [0, 1], ids=["first member", "second member"])
def test_the_referral_screen_answers_a_foreign_bsn_exactly_like_an_unknown_one(
    log_in, personas: Personas, buurt, team_b_client: Person, position: int
) -> None:
    client = log_in(personas.professional)
    url = reverse("cases:referral-create")

    def bsns(bsn: str) -> list[str]:
        return [bsn, ""] if position == 0 else ["", bsn]

    client.post(url, screen_referral(personas, buurt, bsns(OTHER), 901))  # warm up caches alike for both
    foreign = answer_of_screen(client, url, screen_referral(personas, buurt, bsns(KNOWN), 902))
    unknown = answer_of_screen(client, url, screen_referral(personas, buurt, bsns(UNKNOWN), 903))
    assert foreign == unknown
    assert foreign[0] == 302
    household = Household.objects.get(house_number=902)
    assert "Anna" not in client.get(reverse("cases:household", args=[household.uuid])).content.decode()
    # Recorded as a new person in the new household; Anna stays where she is, unlinked.
    new = Person.objects.get(bsn=KNOWN, memberships__household__house_number=902)
    assert new != team_b_client and new.first_name == f"Lid{position}"
    assert team_b_client.memberships.count() == 1
    assert set(Person.objects.sharing_a_bsn()) == {new, team_b_client}


@pytest.mark.parametrize("position", [0, 1], ids=["first member", "second member"])
def test_the_api_answers_a_foreign_bsn_exactly_like_an_unknown_one(
    log_in, personas: Personas, buurt, team_b_client: Person, position: int
) -> None:
    client = log_in(personas.professional)

    def bsns(bsn: str) -> list[str]:
        return [bsn, ""] if position == 0 else ["", bsn]

    client.post("/api/v1/cases/", api_referral(personas, buurt, bsns(OTHER), 901), content_type="application/json")
    foreign = answer_of_api(client, api_referral(personas, buurt, bsns(KNOWN), 902))
    unknown = answer_of_api(client, api_referral(personas, buurt, bsns(UNKNOWN), 903))
    assert foreign == unknown
    assert foreign[0] == 201
    assert Person.objects.filter(bsn=KNOWN).count() == 2
    assert (
        not HouseholdMembership.objects.filter(person=team_b_client)
        .exclude(household__cases__team=personas.team_b)
        .exists()
    )


def test_adding_a_member_answers_a_foreign_bsn_exactly_like_an_unknown_one(
    log_in, personas: Personas, team_b_client: Person
) -> None:
    ours = CaseFactory(team=personas.team_a, coordinator=personas.professional)
    client = log_in(personas.professional)
    url = reverse("cases:member-create", args=[ours.uuid])

    def member(bsn: str, name: str) -> dict[str, str]:
        return {"first_name": name, "last_name": "Jansen", "bsn": bsn, "role": "child", "start_date": "2025-03-01"}

    client.post(url, member(OTHER, "Warm"))
    foreign = answer_of_screen(client, url, member(KNOWN, "Noor"))
    unknown = answer_of_screen(client, url, member(UNKNOWN, "Noor"))
    assert foreign == unknown
    assert foreign[0] == 302
    page = client.get(reverse("cases:household", args=[ours.household.uuid])).content.decode()
    assert "Anna" not in page
    assert ours.household.memberships.filter(person__bsn=KNOWN).get().person != team_b_client


def test_a_bsn_the_caller_can_see_still_links_the_person_it_belongs_to(log_in, personas: Personas, buurt) -> None:
    # At another postcode: a household of one's own at the referral's address would stop at the duplicate review.
    ours = CaseFactory(team=personas.team_a, coordinator=personas.professional, household__postcode="9999ZZ")
    sem = MembershipFactory(household=ours.household, person__first_name="Sem", person__bsn=KNOWN).person
    client = log_in(personas.professional)
    response = client.post(reverse("cases:referral-create"), screen_referral(personas, buurt, ["", KNOWN], 7))
    assert response.status_code == 302
    api = client.post("/api/v1/cases/", api_referral(personas, buurt, [KNOWN], 8), content_type="application/json")
    assert api.status_code == 201
    assert Person.objects.filter(bsn=KNOWN).get() == sem  # linked (co-parenting, a move), not duplicated
    assert set(Household.objects.filter(memberships__person=sem).values_list("house_number", flat=True)) == {
        ours.household.house_number,
        7,
        8,
    }
    assert not Person.objects.sharing_a_bsn().exists()


@pytest.mark.parametrize("position", [0, 1], ids=["first member", "second member"])
def test_with_an_error_elsewhere_a_foreign_and_an_unknown_bsn_get_the_same_field_errors(
    log_in, personas: Personas, buurt, team_b_client: Person, position: int
) -> None:
    elsewhere = NeighbourhoodFactory()  # not in team A's area: the service refuses the referral
    client = log_in(personas.professional)

    def referral(bsn: str) -> dict[str, Any]:
        data = api_referral(personas, buurt, [bsn, ""] if position == 0 else ["", bsn], 904)
        return data | {"neighbourhood": elsewhere.code}

    foreign = answer_of_api(client, referral(KNOWN))
    unknown = answer_of_api(client, referral(UNKNOWN))
    assert foreign == unknown
    assert foreign[0] == 400 and list(foreign[1]) == ["neighbourhood"]
    screen = reverse("cases:referral-create")
    data = screen_referral(personas, buurt, [KNOWN, ""] if position == 0 else ["", KNOWN], 905)
    foreign_page = answer_of_screen(client, screen, data | {"neighbourhood": elsewhere.code})
    data = screen_referral(personas, buurt, [UNKNOWN, ""] if position == 0 else ["", UNKNOWN], 905)
    unknown_page = answer_of_screen(client, screen, data | {"neighbourhood": elsewhere.code})
    assert foreign_page == unknown_page
    assert foreign_page[0] == 200 and "utrecht-form-field-error-message" in foreign_page[2]

"""Finding a household: by name, by postcode and house number, by exact BSN; only what the user may see."""

import logging

import pytest
from django.urls import reverse

from tests.cases.factories import CaseFactory, MembershipFactory
from tests.cases.screens import field_error
from tests.conftest import Personas

pytestmark = pytest.mark.django_db

BSN = "111222333"  # passes the 11-proef
SEARCH = reverse("cases:search")


@pytest.fixture
def households(personas: Personas):
    """The Bakkers (team A, with a BSN), the Jansens (team A), the Bakkers of team B."""
    ours = CaseFactory(team=personas.team_a, household__postcode="1234AB", household__house_number=12)
    MembershipFactory(
        household=ours.household, person__first_name="Fatima", person__last_name="Bakker", person__bsn=BSN
    )
    MembershipFactory(household=ours.household, person__first_name="Sem", person__last_name="Bakker")
    jansen = CaseFactory(team=personas.team_a, household__postcode="1234AB", household__house_number=14)
    MembershipFactory(household=jansen.household, person__first_name="Piet", person__last_name="Jansen")
    theirs = CaseFactory(team=personas.team_b, household__postcode="1234AB", household__house_number=12)
    MembershipFactory(household=theirs.household, person__first_name="Anna", person__last_name="Bakker")
    return ours.household, jansen.household, theirs.household


def search(client, **criteria: str) -> str:
    data = {"name": "", "postcode": "", "house_number": "", "bsn": "", **criteria}
    response = client.post(SEARCH, data)
    assert response.status_code == 200
    return response.content.decode()


def found(page: str, *households) -> list[bool]:
    return [reverse("cases:household", args=[household.uuid]) in page for household in households]


def test_search_by_name_finds_only_visible_households(log_in, personas: Personas, households) -> None:
    ours, jansen, theirs = households
    page = search(log_in(personas.professional), name="bakker")
    assert found(page, ours, jansen, theirs) == [True, False, False]
    assert "Fatima Bakker" in page and "Sem Bakker" in page and "Gevonden huishoudens: 1" in page


def test_search_by_first_and_last_name_together(log_in, personas: Personas, households) -> None:
    ours, jansen, _theirs = households
    page = search(log_in(personas.professional), name="Sem Bakk")
    assert found(page, ours, jansen) == [True, False]
    assert found(search(log_in(personas.professional), name="Piet Bakker"), ours, jansen) == [False, False]


def test_search_by_postcode_and_house_number(log_in, personas: Personas, households) -> None:
    ours, jansen, theirs = households
    client = log_in(personas.professional)
    assert found(search(client, postcode="1234 ab", house_number="12"), ours, jansen, theirs) == [True, False, False]
    assert found(search(client, postcode="1234AB"), ours, jansen, theirs) == [True, True, False]
    page = search(client, house_number="12")
    assert field_error(page, "id_postcode") == "Geef de postcode bij het huisnummer."


def test_search_by_exact_bsn_finds_the_household(log_in, personas: Personas, households) -> None:
    ours, jansen, _theirs = households
    page = search(log_in(personas.professional), bsn=BSN)
    assert found(page, ours, jansen) == [True, False]
    assert BSN not in page.split('id="results-heading"', 1)[1]  # the results never print a BSN


def test_a_partial_bsn_finds_nothing_and_says_why(log_in, personas: Personas, households) -> None:
    page = search(log_in(personas.professional), bsn=BSN[:6])
    assert "geen geldig BSN" in field_error(page, "id_bsn")
    assert 'id="results-heading"' not in page and not any(found(page, *households))


def test_a_valid_bsn_of_a_household_of_another_team_finds_nothing(log_in, personas: Personas, households) -> None:
    page = search(log_in(personas.professional_b), bsn=BSN)
    assert "Gevonden huishoudens: 0" in page and not any(found(page, *households))


def test_the_bsn_is_sent_by_post_and_never_reaches_the_url_or_the_log(
    log_in, personas: Personas, households, caplog
) -> None:
    caplog.set_level(logging.DEBUG)
    client = log_in(personas.professional)
    page = client.get(SEARCH).content.decode()
    assert '<form method="post"' in page
    response = client.post(SEARCH, {"bsn": BSN})
    assert response.request["PATH_INFO"] == SEARCH and response.request["QUERY_STRING"] == ""
    assert "no-store" in response["Cache-Control"]
    client.post(SEARCH, {"bsn": "123456789"})  # invalid
    assert BSN not in caplog.text and "123456789" not in caplog.text


def test_criteria_in_the_query_string_are_ignored(log_in, personas: Personas, households) -> None:
    page = log_in(personas.professional).get(SEARCH, {"bsn": BSN, "name": "Bakker"}).content.decode()
    assert not any(found(page, *households)) and 'id="results-heading"' not in page


def test_an_empty_search_asks_for_a_criterion(log_in, personas: Personas, households) -> None:
    page = search(log_in(personas.professional))
    assert "Vul een naam, een postcode of een BSN in." in page


@pytest.mark.parametrize("count", [1, 30])
def test_the_results_page_uses_a_constant_number_of_queries(
    log_in, personas: Personas, django_assert_max_num_queries, count: int
) -> None:
    for number in range(count):
        case = CaseFactory(team=personas.team_a, household__postcode="9999ZZ", household__house_number=number + 1)
        for _ in range(3):
            MembershipFactory(household=case.household, person__last_name="Visser")
        CaseFactory(team=personas.team_a, household=case.household)  # a second case
    client = log_in(personas.professional)
    # Five of the page's own, plus the second-factor device django-otp loads on every request,
    # plus the access log: the actor's organisation and one INSERT for every household shown.
    with django_assert_max_num_queries(8):
        page = search(client, name="visser")
    assert page.count("Visser") >= 3 * count

"""Every API list filter works or answers 400: a filter is never ignored in silence."""

import pytest
from django.urls import reverse

from cases.models import Involvement
from tests.cases.factories import ActionFactory, CaseFactory, InvolvementFactory
from tests.conftest import Personas
from tests.funding.factories import AllocationFactory, StreamFactory

pytestmark = pytest.mark.django_db


def test_involvements_filtered_by_case_return_only_that_cases(log_in, personas: Personas) -> None:
    first = CaseFactory(team=personas.team_a)
    second = CaseFactory(team=personas.team_a)
    mine = InvolvementFactory(case=first)
    InvolvementFactory(case=second)
    response = log_in(personas.professional).get("/api/v1/involvements/", {"case": str(first.uuid)})
    assert response.status_code == 200
    listed = {row["uuid"] for row in response.json()["results"]}
    assert str(mine.uuid) in listed
    assert listed == {str(uuid) for uuid in Involvement.objects.filter(case=first).values_list("uuid", flat=True)}


def test_allocations_filtered_by_action_return_only_that_actions(log_in, personas: Personas) -> None:
    case = CaseFactory(team=personas.team_a)
    stream = StreamFactory(municipality=personas.team_a.municipality)
    paid = AllocationFactory(action=ActionFactory(case=case), stream=stream)
    AllocationFactory(action=ActionFactory(case=case), stream=stream)
    response = log_in(personas.professional).get("/api/v1/allocations/", {"action": str(paid.action.uuid)})
    assert response.status_code == 200
    assert [row["uuid"] for row in response.json()["results"]] == [str(paid.uuid)]


def test_allocations_filtered_by_case_return_only_that_cases(log_in, personas: Personas) -> None:
    stream = StreamFactory(municipality=personas.team_a.municipality)
    paid = AllocationFactory(action=ActionFactory(case=CaseFactory(team=personas.team_a)), stream=stream)
    AllocationFactory(action=ActionFactory(case=CaseFactory(team=personas.team_a)), stream=stream)
    response = log_in(personas.professional).get("/api/v1/allocations/", {"case": str(paid.action.case.uuid)})
    assert [row["uuid"] for row in response.json()["results"]] == [str(paid.uuid)]


def _list_urls() -> list[str]:
    from wijkteam.api.urls import router

    urls = []
    for prefix, viewset, basename in router.registry:
        if prefix.startswith("reports/"):
            continue  # a report is one object; its parameters are checked by its own strict serializer
        if hasattr(viewset, "list"):
            urls.append(reverse(f"api:{basename}-list"))
    return urls


@pytest.mark.parametrize("url", _list_urls())
def test_every_list_refuses_a_filter_it_does_not_know(log_in, personas: Personas, url: str) -> None:
    # The auditor reaches spend imports, the professional everything with personal data.
    user = personas.auditor if "spend-imports" in url else personas.professional
    response = log_in(user).get(url, {"no_such_filter": "1"})
    assert response.status_code == 400, response.content
    assert "no_such_filter" in response.json()


@pytest.mark.parametrize("url", ["/api/v1/involvements/", "/api/v1/allocations/"])
def test_a_malformed_filter_value_is_a_400(log_in, personas: Personas, url: str) -> None:
    response = log_in(personas.professional).get(url, {"case": "not-a-uuid"})
    assert response.status_code == 400


def test_paging_parameters_are_not_mistaken_for_filters(log_in, personas: Personas) -> None:
    response = log_in(personas.professional).get("/api/v1/cases/", {"page_size": "10"})
    assert response.status_code == 200


@pytest.mark.parametrize("url", ["/api/v1/reports/funding-flows/?year=2025", "/api/v1/reports/programme/"])
def test_a_report_refuses_a_parameter_it_does_not_know(log_in, personas: Personas, url: str) -> None:
    separator = "&" if "?" in url else "?"
    response = log_in(personas.bureau).get(f"{url}{separator}no_such_filter=1")
    assert response.status_code == 400 and "no_such_filter" in response.json()


def _filter_sets() -> list[type]:
    from wijkteam.api.urls import router

    return [
        viewset.filterset_class
        for _prefix, viewset, _basename in router.registry
        if getattr(viewset, "filterset_class", None) is not None
    ]


@pytest.mark.parametrize("filterset_class", _filter_sets())
def test_a_filter_set_given_none_of_its_parameters_leaves_the_list_as_it_is(filterset_class: type) -> None:
    """What lets the backend skip django-filter on a page without filters (common/api/filters.py)."""
    queryset = filterset_class._meta.model._default_manager.order_by("-id")
    filtered = filterset_class(data={"page_size": "50"}, queryset=queryset)
    assert filtered.is_valid()
    assert str(filtered.qs.query) == str(queryset.query)

"""The lists that write their rows themselves (``common/api/rows.py``) answer what DRF's serializer answers.

Each list is fetched as a client fetches it; the same rows are then loaded the way a single object is
(``base_queryset``, related rows as objects) and written by the plain serializer and DRF's JSON renderer.
The two must be equal to the value and the order of the fields, and the access log must name the same
households, persons, cases and objects as the rows the plain path loads (``access_log.subject_for``).
"""

from __future__ import annotations

import datetime
import json
from decimal import Decimal
from typing import Any

import pytest
from rest_framework.renderers import JSONRenderer

from cases.api import views as case_views
from cases.models import Case, HouseholdMembership
from funding.api import views as funding_views
from privacy import access_log
from privacy.models import AccessLogEntry
from tests.cases.factories import (
    ActionFactory,
    CaseFactory,
    ConferenceFactory,
    ContactFactory,
    InvolvementFactory,
    MembershipFactory,
    PersonFactory,
)
from tests.conftest import Personas
from tests.funding.factories import AllocationFactory, StreamFactory

pytestmark = pytest.mark.django_db

LISTS = [
    ("cases", case_views.CaseViewSet),
    ("households", case_views.HouseholdViewSet),
    ("persons", case_views.PersonViewSet),
    ("involvements", case_views.InvolvementViewSet),
    ("actions", case_views.ActionViewSet),
    ("contacts", case_views.ContactViewSet),
    ("allocations", funding_views.AllocationViewSet),
]


@pytest.fixture
def scene(personas: Personas) -> list[Case]:
    """Cases of the professional's team with the values a row can hold: empty, null, set, odd decimals."""
    stream = StreamFactory(municipality=personas.team_a.municipality)
    cases = [
        CaseFactory(team=personas.team_a, coordinator=personas.professional),
        CaseFactory(team=personas.team_a, closed=True),
        CaseFactory(team=personas.team_a, referred_on=datetime.date(2024, 12, 31)),
    ]
    first, second, third = cases
    MembershipFactory(household=first.household, person=PersonFactory(bsn="123456782", surname_prefix="van der"))
    MembershipFactory(
        household=first.household,
        person=PersonFactory(date_of_birth=None),
        role=HouseholdMembership.Role.CHILD,
        end_date=datetime.date(2025, 9, 30),
    )
    MembershipFactory(household=second.household)
    InvolvementFactory(case=first, end_date=datetime.date(2025, 12, 1), legal_basis="")
    conference = ConferenceFactory(case=first)
    beneficiary = first.household.memberships.first().person
    paid = ActionFactory(
        case=first,
        beneficiary=beneficiary,
        conference=conference,
        planned_cost=Decimal("1234.5"),
        start_date=datetime.date(2025, 3, 1),
        end_date=datetime.date(2025, 8, 31),
        product_code="54A01",
    )
    ActionFactory(case=second, planned_cost=Decimal("0"))
    ContactFactory(case=first, author=personas.professional, themes=["werk", "welzijn"], note="")
    ContactFactory(case=third, author=personas.professional, confidentiality="own_org")
    AllocationFactory(action=paid, stream=stream, amount=Decimal("99.9"))
    AllocationFactory(action=ActionFactory(case=third), stream=stream)
    return cases


def _plain(viewset_class: type, rows: list[dict[str, Any]]) -> tuple[list[Any], list[access_log.Subject]]:
    """The same rows as the plain serializer writes them from ``base_queryset``, and their log subjects."""
    queryset = viewset_class().base_queryset()
    objects = [queryset.get(uuid=row["uuid"]) for row in rows]
    written = JSONRenderer().render(viewset_class.serializer_class(objects, many=True).data)
    return json.loads(written), [access_log.subject_for(obj) for obj in objects]


@pytest.mark.parametrize(("name", "viewset_class"), LISTS)
def test_a_list_answers_what_the_plain_serializer_answers(
    log_in, personas: Personas, scene: list[Case], name: str, viewset_class: type
) -> None:
    assert viewset_class.list_rows is not None, f"{name} writes its rows with the serializer: drop it from LISTS"
    response = log_in(personas.professional).get(f"/api/v1/{name}/?page_size=50")
    assert response.status_code == 200
    rows = response.json()["results"]
    assert rows, f"the scene gives {name} no rows"
    expected, subjects = _plain(viewset_class, rows)
    assert rows == expected
    assert [list(row) for row in rows] == [list(row) for row in expected]  # the fields in the same order

    logged = AccessLogEntry.objects.filter(detail__startswith="list ").order_by("id")
    assert [
        (entry.household_id, entry.person_id, entry.case_id, entry.object_type, entry.object_uuid) for entry in logged
    ] == [
        (subject.household_id, subject.person_id, subject.case_id, subject.object_type, subject.object_uuid)
        for subject in subjects
    ]


@pytest.mark.parametrize(("name", "viewset_class"), LISTS)
def test_every_page_of_a_list_answers_what_the_plain_serializer_answers(
    log_in, personas: Personas, scene: list[Case], name: str, viewset_class: type
) -> None:
    client = log_in(personas.professional)
    url: str | None = f"/api/v1/{name}/?page_size=1"
    pages = 0
    while url:
        body = client.get(url).json()
        assert body["results"] == _plain(viewset_class, body["results"])[0]
        url = body["next"]
        pages += 1
    assert pages >= 2


@pytest.mark.parametrize(
    ("name", "viewset_class"), [(name, viewset) for name, viewset in LISTS if name not in {"persons", "households"}]
)
def test_a_filtered_list_answers_what_the_plain_serializer_answers(
    log_in, personas: Personas, scene: list[Case], name: str, viewset_class: type
) -> None:
    # A filter joins the case (and an allocation's action) to the list's own query: the references read from
    # those tables must still be the row's own.
    client = log_in(personas.professional)
    listed = 0
    for case in scene:
        parameter = {"household": str(case.household.uuid)} if name == "cases" else {"case": str(case.uuid)}
        body = client.get(f"/api/v1/{name}/", parameter).json()
        assert body["results"] == _plain(viewset_class, body["results"])[0]
        listed += len(body["results"])
    assert listed

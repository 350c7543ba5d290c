import datetime

import pytest
from django.db import IntegrityError, transaction

from organisations.models import Area, TeamMembership
from privacy import policy
from tests.organisations.factories import (
    DistrictFactory,
    MunicipalityFactory,
    NeighbourhoodFactory,
    TeamMembershipFactory,
)

pytestmark = pytest.mark.django_db


def test_a_neighbourhood_belongs_to_a_district_and_codes_keep_their_year() -> None:
    buurt = NeighbourhoodFactory()
    assert buurt.parent.kind == Area.Kind.DISTRICT
    assert buurt.code.startswith("BU") and buurt.code_year == 2026
    assert list(Area.objects.neighbourhoods()) == [buurt]
    assert list(Area.objects.districts()) == [buurt.parent]


def test_the_same_cbs_code_may_return_in_another_year() -> None:
    DistrictFactory(code="WK099901", code_year=2025)
    DistrictFactory(code="WK099901", code_year=2026)
    with pytest.raises(IntegrityError), transaction.atomic():
        DistrictFactory(code="WK099901", code_year=2026)


@pytest.mark.parametrize(
    "kind, code, with_parent",
    [
        ("wijk", "BU09990001", False),  # a district with a neighbourhood code
        ("buurt", "BU09990001", False),  # a neighbourhood without district
        ("wijk", "WK0999", False),  # too short
    ],
)
def test_it_rejects_area_codes_that_do_not_match_their_kind(kind: str, code: str, with_parent: bool) -> None:
    municipality = MunicipalityFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Area.objects.create(municipality=municipality, kind=kind, code=code, code_year=2026, name="x")


def test_it_rejects_a_malformed_municipality_code() -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        MunicipalityFactory(code="0363", code_year=2026)


def test_a_membership_counts_only_within_its_period() -> None:
    membership = TeamMembershipFactory(start_date=datetime.date(2024, 1, 1), end_date=datetime.date(2024, 12, 31))
    assert TeamMembership.objects.current(on=datetime.date(2024, 6, 1)).get() == membership
    assert not TeamMembership.objects.current(on=datetime.date(2025, 1, 1)).exists()
    assert not TeamMembership.objects.current(on=datetime.date(2023, 12, 31)).exists()


def test_a_user_in_an_ended_membership_has_no_current_team() -> None:
    membership = TeamMembershipFactory(end_date=datetime.date(2024, 6, 30))
    assert not policy.team_ids_of(membership.user).exists()
    TeamMembershipFactory(user=membership.user)
    assert policy.team_ids_of(membership.user).count() == 1


def test_it_rejects_a_membership_that_ends_before_it_starts() -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        TeamMembershipFactory(start_date=datetime.date(2024, 6, 1), end_date=datetime.date(2024, 5, 1))

import io

import pytest
from django.core.management import CommandError, call_command

from common.seeding import SCALES
from organisations.models import Area, Municipality, Organisation, OrganisationKind, Team, TeamMembership, User
from privacy import policy

# The seed drops and rebuilds indexes: it runs as the database owner, as `make seed` does.
pytestmark = [pytest.mark.django_db, pytest.mark.database_owner]


def run_seed(*args: str) -> str:
    out = io.StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def snapshot() -> list[tuple[str, str, str]]:
    return list(User.objects.order_by("username").values_list("username", "last_name", "organisation__name"))


def test_the_demo_seed_gives_every_role_its_account_and_multi_organisation_teams() -> None:
    output = run_seed("--scale", "demo")
    usernames = set(User.objects.filter(username__startswith="demo-").values_list("username", flat=True))
    assert usernames == {
        "demo-professional",
        "demo-professional-b",
        "demo-lead",
        "demo-bureau",
        "demo-auditor",
        "demo-privacy",
        "demo-admin",
    }
    professional_a = User.objects.get(username="demo-professional")
    professional_b = User.objects.get(username="demo-professional-b")
    assert set(policy.team_ids_of(professional_a)).isdisjoint(policy.team_ids_of(professional_b))
    for team in Team.objects.all():
        organisations = set(TeamMembership.objects.filter(team=team).values_list("user__organisation", flat=True))
        assert len(organisations) >= 3, team
    assert set(Organisation.objects.values_list("kind", flat=True)) == set(
        OrganisationKind.objects.values_list("pk", flat=True)
    )
    assert "Rows per table" in output and "organisations_area" in output
    assert " s" in output  # timings are printed


def test_the_same_seed_gives_the_same_data_and_another_seed_does_not() -> None:
    run_seed("--seed", "7")
    first = snapshot()
    run_seed("--seed", "7", "--reset")
    assert snapshot() == first
    run_seed("--seed", "8", "--reset")
    assert snapshot() != first


def test_it_refuses_to_seed_over_existing_data_unless_told() -> None:
    run_seed()
    with pytest.raises(CommandError):
        run_seed()
    assert "nothing seeded" in run_seed("--if-empty")


def test_every_neighbourhood_code_nests_in_its_district_code() -> None:
    run_seed()
    for buurt in Area.objects.neighbourhoods().select_related("parent"):
        assert buurt.code[2:8] == buurt.parent.code[2:]


def test_the_demo_administrator_may_configure_but_has_no_casework_permissions() -> None:
    run_seed()
    admin = User.objects.get(username="demo-admin")
    assert admin.is_staff and not admin.is_superuser
    assert admin.has_perm("organisations.change_team")
    assert not any(perm.startswith("cases.") for perm in admin.get_all_permissions())


def test_the_national_scale_asks_for_forty_plus_municipalities_a_million_households_and_250k_cases() -> None:
    national = SCALES["national"]
    assert national.municipalities >= 40
    assert national.households == 1_000_000
    # Every household with a case has one; a share of those with an open case had an earlier one too.
    expected_cases = national.households * national.case_share + national.open_cases * national.earlier_case_share
    assert 240_000 <= expected_cases <= 260_000


def test_a_proportional_scale_shrinks_the_totals_and_keeps_the_shares() -> None:
    national = SCALES["national"]
    small = national.proportional(0.01, municipalities=3)
    assert (small.households, small.open_cases, small.heavy_cases) == (10_000, 600, 1)
    assert small.municipalities == 3
    assert (small.case_share, small.contacts_median, small.teams_per_municipality) == (
        national.case_share,
        national.contacts_median,
        national.teams_per_municipality,
    )


def test_a_small_proportional_national_run_has_the_national_shape_and_funding_data() -> None:
    from cases.models import Case, Contact, Household
    from funding.models import Allocation, FundingStream

    national = SCALES["national"]
    output = run_seed("--scale", "national", "--fraction", "0.002")
    assert "Seeding scale 'national'" in output
    assert Municipality.objects.count() == national.municipalities
    for municipality in Municipality.objects.all():
        assert municipality.areas.filter(kind=Area.Kind.DISTRICT).count() == national.districts_per_municipality
        assert (
            municipality.areas.filter(kind=Area.Kind.NEIGHBOURHOOD).count() >= 4 * national.districts_per_municipality
        )
        assert Team.objects.filter(municipality=municipality).count() == national.teams_per_municipality
        assert Organisation.objects.filter(municipality=municipality).exists()
    assert Household.objects.count() == 2_000
    assert Case.objects.filter(closed_on__isnull=True).count() == 120
    # About 250,000 cases and 6,000,000 contacts at full size: 0.25 cases per household, 24 contacts per case.
    cases = Case.objects.count()
    assert 0.22 <= cases / 2_000 <= 0.28
    assert 18 <= Contact.objects.count() / cases <= 30
    assert FundingStream.objects.exists() and Allocation.objects.exists()


def test_it_refuses_a_fraction_outside_zero_to_one() -> None:
    with pytest.raises(CommandError):
        run_seed("--fraction", "0")
    with pytest.raises(CommandError):
        run_seed("--fraction", "1.5")

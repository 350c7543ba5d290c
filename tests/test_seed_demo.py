import io

import pytest
from django.core.management import CommandError, call_command

from organisations.models import Area, Organisation, OrganisationKind, Team, TeamMembership, User

pytestmark = pytest.mark.django_db


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
    assert set(professional_a.current_teams()).isdisjoint(professional_b.current_teams())
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

"""Demo data for organisations: a fictional municipality, its areas, organisations, teams and users."""

from __future__ import annotations

import datetime

from django.contrib.auth.hashers import make_password

from common.seeding import DEMO_PASSWORD, FIRST_NAMES, LAST_NAMES, PLACE_WORDS, SeedContext

from .models import Area, Municipality, Organisation, OrganisationKind, Role, Team, TeamMembership, User

CODE_YEAR = 2026

# Which silos each kind of organisation can bill, as is usual in Dutch municipalities.
SILOS_BY_KIND = {
    "municipality": ["wmo", "participatiewet", "wgs", "jeugdwet", "flexibel"],
    "youth_care": ["jeugdwet"],
    "ggd_jgz": ["wpg", "jeugdwet"],
    "social_work": ["wmo", "jeugdwet"],
    "debt_counselling": ["wgs"],
    "housing_corporation": ["woningwet", "vhf"],
    "school": ["ocw"],
    "police": ["jenv"],
    "uwv": ["participatiewet"],
    "health_care": ["zvw", "wlz"],
    "welfare": ["wmo"],
    "other": [],
}

ORGANISATION_NAMES = {
    "municipality": "Gemeente {city}",
    "youth_care": "Jeugdhulp {word}",
    "ggd_jgz": "GGD {word}",
    "social_work": "Maatschappelijk Werk {word}",
    "debt_counselling": "Schuldhulp {word}",
    "housing_corporation": "Woonstichting {word}",
    "school": "Basisschool De {word}",
    "police": "Politie basisteam {word}",
    "uwv": "UWV {word}",
    "health_care": "Huisartsenpraktijk {word}",
    "welfare": "Welzijn {word}",
    "other": "Buurtvereniging {word}",
}

# The demo accounts, one per role (README). The two professionals are in different teams.
DEMO_ACCOUNTS = [
    ("demo-professional", Role.PROFESSIONAL, "Sanne", "Visser", "social_work", 0),
    ("demo-professional-b", Role.PROFESSIONAL, "Youssef", "El Amrani", "youth_care", 1),
    ("demo-lead", Role.TEAM_LEAD, "Marieke", "de Boer", "municipality", 0),
    ("demo-bureau", Role.PROGRAMME_BUREAU, "Pieter", "Dekker", "municipality", None),
    ("demo-auditor", Role.AUDITOR, "Fenna", "Brouwer", "municipality", None),
    ("demo-privacy", Role.PRIVACY_OFFICER, "Ruben", "Kok", "municipality", None),
    ("demo-admin", Role.ADMINISTRATOR, "Ilse", "Smit", "municipality", None),
]


def seed(ctx: SeedContext) -> None:
    rng = ctx.rng
    scale = ctx.scale
    kinds = {kind.code: kind for kind in OrganisationKind.objects.all()}
    # The silos are funding's (it owns the relation to organisations): read through the relation, not imported.
    silo_ids = dict(Organisation.silos.rel.related_model._default_manager.values_list("code", "pk"))
    password_hash = make_password(DEMO_PASSWORD)  # hashed once: argon2 per user would dominate the load
    start = datetime.date(2023, 1, 1)

    with ctx.step("municipalities and areas"):
        municipalities = Municipality.objects.bulk_create(
            Municipality(code=f"GM{9900 + index:04d}", code_year=CODE_YEAR, name=_city_name(index))
            for index in range(scale.municipalities)
        )
        districts: list[Area] = []
        for municipality in municipalities:
            number = municipality.code[2:]
            for d in range(scale.districts_per_municipality):
                districts.append(
                    Area(
                        municipality=municipality,
                        kind=Area.Kind.DISTRICT,
                        code=f"WK{number}{d:02d}",
                        code_year=CODE_YEAR,
                        name=f"{PLACE_WORDS[d % len(PLACE_WORDS)]}{'' if d < len(PLACE_WORDS) else f' {d}'}",
                    )
                )
        Area.objects.bulk_create(districts)
        neighbourhoods: list[Area] = []
        for district in districts:
            for b in range(rng.randint(*scale.neighbourhoods_per_district)):
                neighbourhoods.append(
                    Area(
                        municipality=district.municipality,
                        kind=Area.Kind.NEIGHBOURHOOD,
                        code=f"BU{district.code[2:]}{b:02d}",
                        code_year=CODE_YEAR,
                        name=f"{district.name}-{rng.choice(PLACE_WORDS).lower()} {b + 1}",
                        parent=district,
                    )
                )
        Area.objects.bulk_create(neighbourhoods)

    with ctx.step("organisations"):
        organisations: list[Organisation] = []
        for municipality in municipalities:
            for code, kind in kinds.items():
                count = 1 if code == "municipality" else scale.organisations_per_kind
                words = rng.sample(PLACE_WORDS, count)
                for word in words:
                    name = ORGANISATION_NAMES[code].format(city=municipality.name.removeprefix("Gemeente "), word=word)
                    organisations.append(Organisation(name=name, kind=kind, municipality=municipality))
        Organisation.objects.bulk_create(organisations)
        Through = Organisation.silos.through
        Through.objects.bulk_create(
            Through(organisation_id=organisation.pk, silo_id=silo_ids[silo_code])
            for organisation in organisations
            for silo_code in SILOS_BY_KIND[organisation.kind.code]
        )

    with ctx.step("teams and professionals"):
        teams: list[Team] = []
        team_areas: list[tuple[Team, list[Area]]] = []
        for municipality in municipalities:
            own_neighbourhoods = [area for area in neighbourhoods if area.municipality_id == municipality.pk]
            count = min(scale.teams_per_municipality, len(own_neighbourhoods))
            for index in range(count):
                team = Team(municipality=municipality, name=f"Wijkteam {index + 1:02d}")
                teams.append(team)
                # Each team covers a contiguous slice of neighbourhoods.
                team_areas.append((team, own_neighbourhoods[index::count]))
        Team.objects.bulk_create(teams)
        for team, areas in team_areas:
            team.name = f"Wijkteam {areas[0].parent.name if areas[0].parent else areas[0].name} {team.name[-2:]}"
        Team.objects.bulk_update(teams, ["name"])
        AreaThrough = Team.areas.through
        AreaThrough.objects.bulk_create(
            AreaThrough(team_id=team.pk, area_id=area.pk) for team, areas in team_areas for area in areas
        )

        professional_orgs = [org for org in organisations if org.kind.code != "other"]
        users: list[User] = []
        memberships: list[TeamMembership] = []
        serial = 0
        for team in teams:
            candidates = [org for org in professional_orgs if org.municipality_id == team.municipality_id]
            for _ in range(rng.randint(*scale.members_per_team)):
                serial += 1
                first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
                user = User(
                    username=f"prof{serial:05d}",
                    first_name=first,
                    last_name=last,
                    email=f"prof{serial:05d}@example.org",
                    password=password_hash,
                    role=Role.PROFESSIONAL,
                    organisation=rng.choice(candidates),
                )
                users.append(user)
                joined = start + datetime.timedelta(days=rng.randint(0, 900))
                memberships.append(TeamMembership(team=team, user=user, start_date=joined))
        User.objects.bulk_create(users)
        TeamMembership.objects.bulk_create(memberships)

    with ctx.step("demo accounts"):
        first_municipality = municipalities[0]
        own_teams = [team for team in teams if team.municipality_id == first_municipality.pk]
        demo_users: list[User] = []
        demo_memberships: list[TeamMembership] = []
        for username, role, first, last, kind_code, team_index in DEMO_ACCOUNTS:
            organisation = next(
                org
                for org in organisations
                if org.kind.code == kind_code and org.municipality_id == first_municipality.pk
            )
            user = User(
                username=username,
                first_name=first,
                last_name=last,
                email=f"{username}@example.org",
                password=password_hash,
                role=role,
                organisation=organisation,
                # The functional administrator configures reference data in the admin.
                is_staff=role == Role.ADMINISTRATOR,
            )
            demo_users.append(user)
            if team_index is not None:
                demo_memberships.append(TeamMembership(team=own_teams[team_index], user=user, start_date=start))
        User.objects.bulk_create(demo_users)
        TeamMembership.objects.bulk_create(demo_memberships)
        _grant_administrator_permissions([user for user in demo_users if user.role == Role.ADMINISTRATOR])

    ctx.shared.update(
        municipalities=municipalities,
        districts=districts,
        neighbourhoods=neighbourhoods,
        organisations=organisations,
        teams=teams,
        team_areas=team_areas,
        memberships=memberships + demo_memberships,
        demo_users={user.username: user for user in demo_users},
    )


def _grant_administrator_permissions(users: list[User]) -> None:
    """Configuration apps only: the administrator configures but does not read case content."""
    from django.contrib.auth.models import Permission

    permissions = list(
        Permission.objects.filter(content_type__app_label__in=["organisations", "themes", "funding"])
        | Permission.objects.filter(content_type__app_label="privacy", content_type__model="retentionrule")
    )
    for user in users:
        user.user_permissions.set(permissions)


def _city_name(index: int) -> str:
    names = ["Rivierstad", "Dijkhoven", "Molenwaard", "Beekdal", "Havenmond", "Lindeveld", "Eikendonk", "Polderzijl"]
    base = names[index % len(names)]
    return f"Gemeente {base}" + ("" if index < len(names) else f" {index // len(names) + 1}")

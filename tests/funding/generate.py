"""Generated casework for tests and measurements: households, persons, cases and actions by COPY.

The casework seed is built in another branch; until it lands, this fills a
municipality made by the organisations seed (or by factories) with plausible
actions: themes with the kinds of organisation that usually deliver them (and
some that usually do not), beneficiaries of every age or the whole household,
every status, dates over the last years. Deterministic for a given seed.
"""

from __future__ import annotations

import datetime
import random
import uuid
from decimal import Decimal

from cases.models import Action, Case, Household, HouseholdMembership, Involvement, Person, Plan
from common.seeding import FIRST_NAMES, LAST_NAMES, SeedContext
from organisations.models import Area, Organisation, Team, TeamMembership
from tests.conftest import analyze_as_owner
from themes.models import Theme

DELIVERERS = {
    "welzijn": ["social_work", "youth_care", "health_care", "welfare", "ggd_jgz"],
    "onderwijs": ["school", "youth_care", "social_work", "ggd_jgz"],
    "veiligheid": ["police", "youth_care", "social_work", "municipality"],
    "wonen": ["housing_corporation", "social_work", "municipality", "welfare"],
    "werk": ["debt_counselling", "municipality", "uwv", "social_work"],
    "democratie": ["welfare", "municipality", "social_work", "housing_corporation"],
}
STATUSES = [("proposed", 15), ("approved", 20), ("in_progress", 35), ("done", 25), ("cancelled", 5)]


def generate_casework(ctx: SeedContext, *, cases: int, today: datetime.date | None = None) -> int:
    """Add ``cases`` cases with their households and actions to the first municipality; returns the actions."""
    rng = ctx.rng if isinstance(ctx.rng, random.Random) else random.Random(1)
    today = today or datetime.date.today()
    buurten = list(Area.objects.neighbourhoods().order_by("code"))
    teams = list(Team.objects.order_by("pk"))
    municipality_of_team = {team.pk: team.municipality_id for team in teams}
    team_of_buurt: dict[int, int] = {}
    for team in teams:
        for area_id in team.areas.values_list("pk", flat=True):
            team_of_buurt.setdefault(area_id, team.pk)
    members: dict[int, list[tuple[int, int]]] = {}
    for team_id, user_id, organisation_id in TeamMembership.objects.filter(
        user__organisation__isnull=False
    ).values_list("team_id", "user_id", "user__organisation_id"):
        members.setdefault(team_id, []).append((user_id, organisation_id))
    organisations: dict[str, list[int]] = {}
    for pk, kind in Organisation.objects.values_list("pk", "kind__code"):
        organisations.setdefault(kind, []).append(pk)
    themes = dict(Theme.objects.values_list("code", "pk"))

    household_ids = ctx.reserve_ids(Household, cases)
    person_count = cases * 3
    person_ids = iter(ctx.reserve_ids(Person, person_count))
    case_ids = ctx.reserve_ids(Case, cases)
    households, persons, memberships, case_rows, plans, involvements, actions = [], [], [], [], [], [], []
    used_persons = 0
    for index in range(cases):
        household_id, case_id = household_ids[index], case_ids[index]
        buurt = rng.choice(buurten)
        team_id = team_of_buurt.get(buurt.pk, teams[index % len(teams)].pk)
        coordinator, coordinator_org = rng.choice(members[team_id])
        households.append(
            (household_id, uuid.UUID(int=rng.getrandbits(128), version=4), rng.choice(LAST_NAMES) + "straat",
             rng.randint(1, 300), "", f"{rng.randint(1000, 9999)}{rng.choice('ABCDEFGHJK')}{rng.choice('LMNPRSTVWXZ')}",
             "Rivierstad", buurt.pk, buurt.municipality_id, _moment(today, rng))
        )  # fmt: skip
        household_members: list[int] = []
        last_name = rng.choice(LAST_NAMES)
        for role, born in _members(rng, today):
            if used_persons == person_count:
                break
            used_persons += 1
            person_id = next(person_ids)
            persons.append(
                (person_id, uuid.UUID(int=rng.getrandbits(128), version=4), rng.choice(FIRST_NAMES), "", last_name,
                 born, None, _moment(today, rng))
            )  # fmt: skip
            memberships.append((household_id, person_id, role, datetime.date(2015, 1, 1), None))
            household_members.append(person_id)
        referred = today - datetime.timedelta(days=rng.randint(30, 1000))
        closed = rng.random() < 0.1
        case_rows.append(
            (case_id, uuid.UUID(int=rng.getrandbits(128), version=4), f"WT-G{case_id:08d}", household_id, team_id,
             "afgesloten" if closed else "uitvoering", "school", "Gegenereerd.", referred,
             today if closed else None, coordinator, _moment(today, rng), municipality_of_team[team_id])
        )  # fmt: skip
        plans.append((case_id, 0))
        involvements.append(
            (uuid.UUID(int=rng.getrandbits(128), version=4), case_id, coordinator, coordinator_org, "practitioner",
             not closed, "wmo", referred, None)
        )  # fmt: skip
        for _ in range(rng.randint(1, 5)):
            theme = rng.choice(list(DELIVERERS))
            kind = rng.choice(DELIVERERS[theme])
            if not organisations.get(kind):
                continue
            start = referred + datetime.timedelta(days=rng.randint(0, 400))
            status = rng.choices([s for s, _ in STATUSES], weights=[w for _, w in STATUSES])[0]
            beneficiary = None if rng.random() < 0.3 or not household_members else rng.choice(household_members)
            actions.append(
                (uuid.UUID(int=rng.getrandbits(128), version=4), case_id, themes[theme], "Gegenereerde actie",
                 rng.choice(organisations[kind]), beneficiary, Decimal(rng.randint(4, 120) * 50), status,
                 min(start, today), min(start, today) + datetime.timedelta(days=rng.randint(30, 365)), "",
                 coordinator, _moment(today, rng))
            )  # fmt: skip
    ctx.copy_rows(
        Household,
        ["id", "uuid", "street", "house_number", "house_number_suffix", "postcode", "city", "neighbourhood_id",
         "municipality_id", "created_at"],
        households,
    )  # fmt: skip
    ctx.copy_rows(
        Person,
        ["id", "uuid", "first_name", "surname_prefix", "last_name", "date_of_birth", "bsn", "created_at"],
        persons,
    )
    ctx.copy_rows(HouseholdMembership, ["household_id", "person_id", "role", "start_date", "end_date"], memberships)
    ctx.copy_rows(
        Case,
        ["id", "uuid", "reference", "household_id", "team_id", "status", "referral_source", "referral_reason",
         "referred_on", "closed_on", "created_by_id", "created_at", "municipality_id"],
        case_rows,
    )  # fmt: skip
    ctx.copy_rows(Plan, ["case_id", "version"], plans)
    ctx.copy_rows(
        Involvement,
        ["uuid", "case_id", "professional_id", "organisation_id", "role", "is_coordinator", "legal_basis",
         "start_date", "end_date"],
        involvements,
    )  # fmt: skip
    ctx.copy_rows(
        Action,
        ["uuid", "case_id", "theme_id", "description", "delivering_organisation_id", "beneficiary_id",
         "planned_cost", "status", "start_date", "end_date", "product_code", "created_by_id", "created_at"],
        actions,
    )  # fmt: skip
    analyze_as_owner()
    return len(actions)


def _members(rng: random.Random, today: datetime.date) -> list[tuple[str, datetime.date]]:
    adults = [("parent", _born(rng, today, 22, 60))]
    if rng.random() < 0.5:
        adults.append(("partner", _born(rng, today, 22, 60)))
    children = [(HouseholdMembership.Role.CHILD.value, _born(rng, today, 0, 21)) for _ in range(rng.randint(0, 2))]
    return [(role, born) for role, born in adults + children][:3]


def _born(rng: random.Random, today: datetime.date, youngest: int, oldest: int) -> datetime.date:
    return today - datetime.timedelta(days=rng.randint(youngest * 365, oldest * 365 + 364))


def _moment(today: datetime.date, rng: random.Random) -> datetime.datetime:
    day = today - datetime.timedelta(days=rng.randint(0, 900))
    return datetime.datetime.combine(day, datetime.time(9), tzinfo=datetime.UTC)

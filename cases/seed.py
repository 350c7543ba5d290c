"""Demo and scale data for casework: households, persons, cases and everything on them.

The generator walks each municipality in batches of households. For every
household it draws the members, then its cases with their whole history (status
steps, involvements, plan versions, actions, conferences, contacts, ZRM
measurements, consent), and keeps the rows of one batch only: at the end of a
batch each table gets one COPY. Primary keys come from reserved blocks
(``ctx.id_pool``), so children point at parents without reading anything back,
and nothing grows with the size of the run but the database. A larger scale
(``national``) therefore needs only new numbers in ``common.seeding.SCALES``.

Everything comes from ``ctx.rng`` and fixed dates around ``SEED_TODAY``; the
same seed gives the same rows. Rules the rest of the code relies on hold by
construction and are pinned in ``tests/cases/test_seed.py``: exactly one active
coordinator per open case, a consistent status history, contacts between the
referral and the closure, ages that fit each role, valid and unique BSNs, and
cases owned by a team that covers the household's neighbourhood.
"""

from __future__ import annotations

import bisect
import datetime
import itertools
import math
import random
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import Model

from common.seeding import FIRST_NAMES, LAST_NAMES, PLACE_WORDS, SEED_TODAY, SeedContext
from organisations.models import Area, Role
from themes.models import Instrument, Theme

from . import seed_text as text
from .models import (
    Action,
    Case,
    CaseConference,
    CaseStatus,
    CaseStatusChange,
    Consent,
    Contact,
    Goal,
    Household,
    HouseholdMembership,
    Involvement,
    KeyFigure,
    LegalBasis,
    Measurement,
    MeasurementScore,
    Person,
    Plan,
    PlanVersion,
)

BATCH_HOUSEHOLDS = 2_000
TODAY = SEED_TODAY.toordinal()
# No professional is a team member before this date (organisations/seed.py).
EARLIEST_REFERRAL = datetime.date(2023, 1, 9).toordinal()
YEAR = 365.25
OFFICE_MINUTES = [f"{8 + minute // 60:02d}:{minute % 60:02d}+00" for minute in range(600)]

S = CaseStatus
STAGES: list[str] = [S.REFERRAL, S.INTAKE, S.PLAN, S.EXECUTION, S.AFTERCARE]
# Days spent in a stage (a second stay in plan is a revision, shorter).
STAGE_DAYS: dict[str, tuple[int, int]] = {
    S.REFERRAL: (3, 28),
    S.INTAKE: (14, 60),
    S.PLAN: (7, 45),
    S.EXECUTION: (60, 320),
    S.AFTERCARE: (30, 180),
}
REVISION_DAYS = (7, 30)
HEAVY_EXECUTION_DAYS = (300, 520)
OPEN_STATUS_WEIGHTS = {S.REFERRAL: 8, S.INTAKE: 12, S.PLAN: 15, S.EXECUTION: 45, S.AFTERCARE: 20}
# The stage in which a closed case was closed: some referrals are never taken on.
CLOSED_AT_WEIGHTS = {S.REFERRAL: 10, S.INTAKE: 15, S.PLAN: 5, S.EXECUTION: 20, S.AFTERCARE: 50}
# Contacts relative to a case in full swing.
CONTACT_FACTOR: dict[str, float] = {S.REFERRAL: 0.06, S.INTAKE: 0.2, S.PLAN: 0.45, S.EXECUTION: 1.0, S.AFTERCARE: 1.25}
MAX_ORGANISATIONS_PER_CASE = 8
SHOWCASE_CONTACTS = 1_500

COMPOSITIONS_WITH_CASE = {"single": 28, "couple": 10, "single_parent": 27, "family": 27, "three_generations": 5,
                          "shared": 3}  # fmt: skip
COMPOSITIONS_WITHOUT_CASE = {"single": 37, "couple": 25, "single_parent": 10, "family": 24, "three_generations": 2,
                             "shared": 2}  # fmt: skip
KIDS_SINGLE_PARENT = [35, 30, 18, 10, 7]  # 1..5 children
KIDS_FAMILY = [30, 32, 18, 9, 5, 4, 2]  # 1..7 children
BSN_SHARE = 0.55
COPARENTING_SHARE = 0.25  # of single-parent households: the other parent has the children too
NEW_PARTNER_SHARE = 0.12
PARTNER_LEAVES_SHARE = 0.08
CHILD_MOVES_OUT_SHARE = 0.4  # of children who are adults by now

INVOLVEMENT_WEIGHTS = [18, 22, 18, 13, 9, 7, 5, 3, 2, 1.5, 1, 0.5]  # 1..12 professionals
INVOLVEMENT_ROLE_WEIGHTS = {
    Involvement.Role.PRACTITIONER: 55,
    Involvement.Role.SPECIALIST: 25,
    Involvement.Role.ADVISER: 12,
    Involvement.Role.SIGNALLER: 8,
}
OTHER_TEAM_SHARE = 0.15  # involved professionals from another team (specialists working city-wide)
COORDINATOR_CHANGE_SHARE = 0.12
LEGAL_BASES_BY_KIND = {
    "municipality": [LegalBasis.WMO, LegalBasis.PARTICIPATIEWET, LegalBasis.JEUGDWET],
    "youth_care": [LegalBasis.JEUGDWET],
    "ggd_jgz": [LegalBasis.WPG],
    "social_work": [LegalBasis.WMO, LegalBasis.JEUGDWET],
    "debt_counselling": [LegalBasis.WGS],
    "housing_corporation": [LegalBasis.HOUSING, LegalBasis.CONSENT],
    "school": [LegalBasis.EDUCATION],
    "police": [LegalBasis.POLICE],
    "uwv": [LegalBasis.PARTICIPATIEWET],
    "health_care": [LegalBasis.CONSENT],
    "welfare": [LegalBasis.WMO, LegalBasis.CONSENT],
    "other": [LegalBasis.CONSENT],
}
CONSENT_INSTEAD_SHARE = 0.08  # consent where a legal task would also do: the household asked for it
CONSENT_REVOKED_SHARE = 0.08
REFERRAL_SOURCES_BY_THEME = {
    "welzijn": {"gp": 30, "self": 25, "network": 15, "municipality": 10, "other": 10, "housing": 5, "jgz": 5},
    "werk": {"self": 35, "municipality": 25, "housing": 15, "network": 10, "other": 10, "gp": 5},
    "wonen": {"housing": 45, "self": 15, "municipality": 15, "police": 10, "network": 10, "other": 5},
    "onderwijs": {"school": 50, "jgz": 20, "self": 15, "gp": 5, "other": 10},
    "veiligheid": {"police": 35, "veilig_thuis": 35, "school": 10, "self": 10, "network": 10},
    "democratie": {"self": 50, "network": 30, "municipality": 20},
}
CONTACT_KIND_WEIGHTS = {
    Contact.Kind.HOME_VISIT: 25,
    Contact.Kind.PHONE: 30,
    Contact.Kind.OFFICE: 8,
    Contact.Kind.DIGITAL: 12,
    Contact.Kind.CASE_CONFERENCE: 4,
    Contact.Kind.COORDINATION: 14,
    Contact.Kind.OUTREACH: 7,
}
CONTACT_MINUTES = {
    Contact.Kind.HOME_VISIT: (30, 120),
    Contact.Kind.PHONE: (5, 30),
    Contact.Kind.OFFICE: (30, 90),
    Contact.Kind.DIGITAL: (5, 30),
    Contact.Kind.CASE_CONFERENCE: (45, 120),
    Contact.Kind.COORDINATION: (10, 45),
    Contact.Kind.OUTREACH: (10, 60),
}
CONTACT_MINUTES_CHOICES = {kind: list(range(low, high + 1, 5)) for kind, (low, high) in CONTACT_MINUTES.items()}
KIND_CUMULATIVE = list(itertools.accumulate(CONTACT_KIND_WEIGHTS[kind] for kind in CONTACT_MINUTES_CHOICES))
KIND_TOTAL = KIND_CUMULATIVE[-1]
OWN_ORGANISATION_SHARE = 0.1
ZRM_SHARE = 0.75  # of cases that reached intake
PG_SHARE = 0.05

# Column lists per table, in COPY order; the batch buffers hold tuples in this shape.
COLUMNS: dict[type[Model], tuple[str, ...]] = {
    Household: ("id", "uuid", "street", "house_number", "house_number_suffix", "postcode", "city",
                "neighbourhood_id", "created_at"),
    Person: ("id", "uuid", "first_name", "surname_prefix", "last_name", "date_of_birth", "bsn", "created_at"),
    HouseholdMembership: ("id", "household_id", "person_id", "role", "start_date", "end_date"),
    Case: ("id", "uuid", "reference", "household_id", "team_id", "status", "referral_source", "referral_reason",
           "referred_on", "closed_on", "created_by_id", "created_at"),
    CaseStatusChange: ("id", "case_id", "from_status", "to_status", "changed_by_id", "changed_at", "reason"),
    Plan: ("id", "case_id", "version"),
    PlanVersion: ("id", "plan_id", "number", "author", "summary", "agreed_on", "evaluate_on", "created_by_id",
                  "created_at"),
    Goal: ("id", "plan_version_id", "theme_id", "text", "in_own_words", "status", "order"),
    Involvement: ("id", "uuid", "case_id", "professional_id", "organisation_id", "role", "is_coordinator",
                  "legal_basis", "start_date", "end_date"),
    CaseConference: ("id", "uuid", "case_id", "held_on", "other_participants", "household_present", "decisions",
                     "created_by_id", "created_at"),
    CaseConference.participants.through: ("id", "caseconference_id", "user_id"),
    Action: ("id", "uuid", "case_id", "theme_id", "description", "delivering_organisation_id", "beneficiary_id",
             "planned_cost", "status", "start_date", "end_date", "product_code", "conference_id", "created_by_id",
             "created_at"),
    Contact: ("id", "uuid", "case_id", "occurred_on", "kind", "themes", "minutes", "note", "confidentiality",
              "author_id", "author_organisation_id", "created_at"),
    Measurement: ("id", "uuid", "case_id", "person_id", "instrument_id", "measured_on", "measured_by_id",
                  "created_at"),
    MeasurementScore: ("id", "measurement_id", "domain_id", "score", "reason"),
    Consent: ("id", "uuid", "person_id", "case_id", "purpose", "given_on", "expires_on", "revoked_on",
              "recorded_by_id"),
    Consent.organisations.through: ("id", "consent_id", "organisation_id"),
}  # fmt: skip
STEP_OF_TABLE = {
    Household: "households and persons",
    Person: "households and persons",
    HouseholdMembership: "households and persons",
    Contact: "contacts",
    Measurement: "measurements",
    MeasurementScore: "measurements",
}
CASES_STEP = "cases, involvements, plans, actions and consent"


# --- What the generator keeps while it works on one household ---------------------------


@dataclass(slots=True, frozen=True)
class Professional:
    user_id: int
    organisation_id: int
    kind: str  # organisation kind code
    joined: int  # team membership start (ordinal)


@dataclass(slots=True)
class Member:
    person_id: int
    first_name: str
    born: int
    role: str
    start: int
    end: int | None = None

    def present(self, start: int, end: int) -> bool:
        """A member at some point between start and end."""
        return self.start <= end and (self.end is None or self.end >= start)


@dataclass(slots=True)
class HouseholdInfo:
    id: int
    neighbourhood_id: int
    surname: str
    formed: int
    members: list[Member] = field(default_factory=list)

    def adults(self, start: int, end: int) -> list[Member]:
        return [m for m in self.members if m.role != HouseholdMembership.Role.CHILD and m.present(start, end)]

    def children(self, start: int, end: int) -> list[Member]:
        return [m for m in self.members if m.role == HouseholdMembership.Role.CHILD and m.present(start, end)]


@dataclass(slots=True)
class Involved:
    professional: Professional
    role: str
    legal_basis: str
    start: int
    end: int | None
    is_coordinator: bool = False


@dataclass(slots=True)
class CaseInfo:
    id: int
    household: HouseholdInfo
    team_id: int
    status: str
    referred: int
    end: int  # closed_on, or today for an open case
    path: list[tuple[str, int]]  # (to_status, day)
    themes: list[str]
    involved: list[Involved]
    coordinators: list[tuple[int, Professional]]  # (from day, coordinator)
    adults: list[Member]
    children: list[Member]
    heavy_contacts: int | None

    @property
    def closed(self) -> bool:
        return self.status == S.CLOSED

    def coordinator_on(self, day: int) -> Professional:
        current = self.coordinators[0][1]
        for since, professional in self.coordinators:
            if since <= day:
                current = professional
        return current

    def reached(self, status: str) -> int | None:
        """The first day the case entered ``status``, if it did."""
        return next((day for to_status, day in self.path if to_status == status), None)


@dataclass
class DemoCaseload:
    """A demo account's share of its team's cases, handed out as the team's cases are generated."""

    professional: Professional
    team_id: int
    coordinate_open: int
    coordinate_closed: int
    involved_open: int


class AddressBook:
    """Addresses in one neighbourhood: its own postcode area, streets numbered upwards, some flats."""

    def __init__(self, rng: random.Random, pc4: int, street_names: Iterator[str]) -> None:
        self._rng = rng
        self._pc4 = pc4
        self._streets = street_names
        self._letters = iter(_POSTCODE_LETTERS)
        self._street = ""
        self._street_left = 0
        self._number = 0
        self._postcode = ""
        self._postcode_left = 0
        self._units: list[tuple[str, int, str, str]] = []

    def next(self) -> tuple[str, int, str, str]:
        """(street, house number, addition, postcode), never the same twice."""
        if self._units:
            return self._units.pop()
        rng = self._rng
        if self._street_left <= 0:
            self._street = next(self._streets)
            self._street_left = rng.randint(30, 140)
            self._number = 0
            self._postcode_left = 0
        if self._postcode_left <= 0:
            self._postcode = f"{self._pc4}{next(self._letters)}"
            self._postcode_left = rng.randint(12, 30)
        self._number += rng.choice((1, 1, 1, 2))
        self._street_left -= 1
        self._postcode_left -= 1
        if rng.random() < 0.12:  # a small block of flats behind one number
            suffixes = rng.choice((("A", "B", "C", "D"), ("-1", "-2", "-3"), ("A", "B"), ("hs", "-1", "-2")))
            self._units = [(self._street, self._number, suffix, self._postcode) for suffix in reversed(suffixes)]
            return self._units.pop()
        return (self._street, self._number, "", self._postcode)


_POSTCODE_LETTERS = [
    first + second
    for first in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    for second in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    if first + second not in text.UNUSED_POSTCODE_LETTERS
]


# --- The generator -------------------------------------------------------------------------


def seed(ctx: SeedContext) -> None:
    generator = CaseworkGenerator(ctx)
    # The one-coordinator trigger looks up each case's coordinator through this index.
    with ctx.bulk_load(list(COLUMNS), keep=["involvement_one_active_coordinator"]):
        generator.run()
        with ctx.step("coordinator checks"), connection.cursor() as cursor:
            # The deferred trigger of cases/migrations/0002 would run at commit; run it
            # now so that its cost shows as a step of its own.
            cursor.execute(
                "SET CONSTRAINTS case_exactly_one_coordinator, involvement_exactly_one_coordinator IMMEDIATE"
            )
            cursor.execute("SET CONSTRAINTS case_exactly_one_coordinator, involvement_exactly_one_coordinator DEFERRED")


class CaseworkGenerator:
    def __init__(self, ctx: SeedContext) -> None:
        self.ctx = ctx
        self.rng = ctx.rng
        self.scale = ctx.scale
        self.clock = ctx.clock()
        self.ids = {model: ctx.id_pool(model) for model in COLUMNS}
        self.rows: dict[type[Model], list[tuple[Any, ...]]] = defaultdict(list)
        self._days: dict[int, str] = {}
        self._load_references()
        # BSNs and case references are unique by construction: a counter through a
        # fixed permutation, so no set of every number issued has to be kept.
        self._bsn_counter = itertools.count()
        self._bsn_multiplier = self.rng.randrange(1, 10**7, 2) | 1
        while self._bsn_multiplier % 5 == 0:
            self._bsn_multiplier += 2
        self._bsn_offset = self.rng.randrange(10**7)
        self._reference_counter = itertools.count()
        self._reference_multiplier = self.rng.randrange(1, 32**8, 2)
        self._reference_offset = self.rng.randrange(32**8)
        # Each neighbourhood gets a four-digit postcode area of its own (1011, 1012, …).
        self._next_postcode_area = 1011

    # -- reference data and what the organisations step left in ctx.shared --

    def _load_references(self) -> None:
        shared = self.ctx.shared
        self.theme_ids = {theme.code: theme.pk for theme in Theme.objects.all()}
        zrm = Instrument.objects.get(code="zrm")
        self.zrm_id = zrm.pk
        self.zrm_domains = {domain.code: domain.pk for domain in zrm.domains.all()}
        pg = Instrument.objects.get(code="positieve-gezondheid")
        self.pg_id = pg.pk
        self.pg_domains = [domain.pk for domain in pg.domains.order_by("order")]

        self.municipalities = shared["municipalities"]
        self.organisation_name: dict[int, str] = {}
        self.organisations_by_kind: dict[tuple[int, str], list[int]] = defaultdict(list)
        for organisation in shared["organisations"]:
            self.organisation_name[organisation.pk] = organisation.name
            self.organisations_by_kind[(organisation.municipality_id, organisation.kind.code)].append(organisation.pk)

        self.teams_of_area: dict[int, list[int]] = defaultdict(list)
        self.team_municipality: dict[int, int] = {}
        self.team_areas: dict[int, list[Area]] = {}
        for team, areas in shared["team_areas"]:
            self.team_municipality[team.pk] = team.municipality_id
            self.team_areas[team.pk] = areas
            for area in areas:
                self.teams_of_area[area.pk].append(team.pk)

        demo_users = shared["demo_users"]
        demo_ids = {user.pk for user in demo_users.values()}
        self.team_members: dict[int, list[Professional]] = defaultdict(list)
        self.team_leads: dict[int, list[int]] = defaultdict(list)
        demo_professionals: dict[str, tuple[int, Professional]] = {}
        for membership in shared["memberships"]:
            user = membership.user
            if user.role == Role.TEAM_LEAD:
                self.team_leads[membership.team_id].append(user.pk)
                continue
            professional = Professional(
                user.pk, user.organisation_id, user.organisation.kind.code, membership.start_date.toordinal()
            )
            if user.pk in demo_ids:
                demo_professionals[user.username] = (membership.team_id, professional)
            else:
                self.team_members[membership.team_id].append(professional)
        for members in self.team_members.values():
            members.sort(key=lambda p: (p.joined, p.user_id))
        self.municipality_members: dict[int, list[tuple[int, Professional]]] = defaultdict(list)
        for team_id, members in self.team_members.items():
            for professional in members:
                self.municipality_members[self.team_municipality[team_id]].append((team_id, professional))
        # A team can take a case once one of its professionals has joined.
        self.team_ready = {team_id: members[0].joined for team_id, members in self.team_members.items()}

        self.demo_caseloads: list[DemoCaseload] = []
        for username, coordinate_open, coordinate_closed, involved_open in (
            ("demo-professional", 10, 4, 5),
            ("demo-professional-b", 6, 2, 3),
        ):
            if username in demo_professionals:
                team_id, professional = demo_professionals[username]
                self.demo_caseloads.append(
                    DemoCaseload(professional, team_id, coordinate_open, coordinate_closed, involved_open)
                )
        showcase = demo_professionals.get("demo-professional")
        self.showcase_team = showcase[0] if showcase else 0
        self.showcase_professional: Professional | None = showcase[1] if showcase else None

    # -- the run --

    def run(self) -> None:
        scale = self.scale
        weights = [1.0] if len(self.municipalities) == 1 else [
            self.rng.uniform(0.4, 1.6) for _ in self.municipalities
        ]  # fmt: skip
        households = _apportion(scale.households, weights)
        with_case = _apportion(round(scale.households * scale.case_share), households)
        open_cases = _apportion(scale.open_cases, households)
        heavy = _apportion(scale.heavy_cases, households)
        key_figures: list[KeyFigure] = []
        try:
            for index, municipality in enumerate(self.municipalities):
                self._municipality(
                    municipality, households[index], with_case[index], open_cases[index], heavy[index], index == 0
                )
                with self.clock("key figures"):
                    key_figures.extend(self._key_figures(municipality))
            with self.clock("waiting for COPY"):
                self.ctx.wait_for_copies()
        finally:
            # On failure, let a running COPY end before the rollback; the first error is the one to see.
            self.ctx.wait_for_copies(raise_error=False)
        with self.clock("key figures"):
            KeyFigure.objects.bulk_create(key_figures, batch_size=2_000)
        self.clock.report()

    def _municipality(
        self, municipality: Any, households: int, with_case: int, open_cases: int, heavy: int, first: bool
    ) -> None:
        rng = self.rng
        city = municipality.name.removeprefix("Gemeente ")
        neighbourhoods = [area for area in self.ctx.shared["neighbourhoods"] if area.municipality_id == municipality.pk]
        street_names = iter(self._street_names())
        if self._next_postcode_area + len(neighbourhoods) > 10_000:
            raise ValueError("More neighbourhoods than four-digit postcode areas: give them a postcode range each.")
        books = {area.pk: AddressBook(rng, self._postcode_area(), street_names) for area in neighbourhoods}
        area_weights = list(itertools.accumulate(rng.uniform(0.5, 1.5) for _ in neighbourhoods))
        state = _MunicipalityState(municipality.pk, city, neighbourhoods, area_weights, books)

        remaining = households
        if first and self.showcase_professional is not None and with_case and open_cases:
            self._showcase(state)
            remaining, with_case, open_cases = remaining - 1, with_case - 1, open_cases - 1
            heavy = max(0, heavy - 1)
        pending_coparent: tuple[HouseholdInfo, list[Member]] | None = None
        while remaining > 0:
            for _ in range(min(BATCH_HOUSEHOLDS, remaining)):
                # Selection sampling: exact totals, decided one household at a time.
                has_case = rng.random() * remaining < with_case
                is_open = has_case and rng.random() * with_case < open_cases
                is_heavy = is_open and rng.random() * open_cases < heavy
                remaining -= 1
                with_case -= has_case
                open_cases -= is_open
                heavy -= is_heavy
                with self.clock("households and persons"):
                    if pending_coparent is not None:
                        household = self._coparent_household(state, *pending_coparent)
                        pending_coparent = None
                    else:
                        household, children = self._household(state, has_case)
                        if children and rng.random() < COPARENTING_SHARE:
                            pending_coparent = (household, children)
                self._cases_of(state, household, has_case, is_open, is_heavy)
            self._flush()

    def _showcase(self, state: _MunicipalityState) -> None:
        """A large household of team 1 with years of contacts, which demo-professional works on."""
        assert self.showcase_professional is not None
        team_id = self.showcase_team
        area = next(area for area in self.team_areas[team_id] if area.municipality_id == state.municipality_id)
        with self.clock("households and persons"):
            household, _ = self._household(state, True, composition="showcase", area=area)
        case = self._case(
            state,
            household,
            team_id,
            final=S.EXECUTION,
            closed=False,
            heavy_contacts=SHOWCASE_CONTACTS,
            latest_end=TODAY,
            extra_involved=[self.showcase_professional],
            minimum_involved=9,
        )
        assert case is not None
        self._case_content(state, case)
        self._write_household(state, household, [case])
        self._flush()

    # -- households and persons --

    def _household(
        self, state: _MunicipalityState, has_case: bool, composition: str | None = None, area: Area | None = None
    ) -> tuple[HouseholdInfo, list[Member]]:
        rng = self.rng
        if composition is None:
            weights = COMPOSITIONS_WITH_CASE if has_case else COMPOSITIONS_WITHOUT_CASE
            composition = rng.choices(list(weights), weights=list(weights.values()))[0]
        if area is None:
            area = state.neighbourhoods[bisect.bisect(state.area_weights, rng.random() * state.area_weights[-1])]
        surname = rng.choice(LAST_NAMES)
        R = HouseholdMembership.Role

        kid_born: list[int] = []
        if composition == "single_parent":
            kid_born = self._kid_births(rng.choices(range(1, 6), weights=KIDS_SINGLE_PARENT)[0])
        elif composition in ("family", "three_generations"):
            kid_born = self._kid_births(rng.choices(range(1, 8), weights=KIDS_FAMILY)[0])
        elif composition == "showcase":
            kid_born = self._kid_births(6)

        adults: list[tuple[int, str, str]] = []  # (born, role, surname)
        if composition == "single":
            adults = [(self._born(rng.randint(19, 90)), R.OTHER_ADULT, surname)]
        elif composition == "couple":
            age = rng.randint(20, 88)
            adults = [
                (self._born(age), R.PARTNER, surname),
                (self._born(_clamp(age + rng.randint(-8, 8), 19, 95)), R.PARTNER, self._surname()),
            ]
        elif composition == "shared":
            adults = [
                (self._born(rng.randint(19, 35)), R.OTHER_ADULT, self._surname()) for _ in range(rng.randint(2, 4))
            ]
        else:
            # A parent was 18 or older at the first child's birth and at most about 45 at the last.
            latest, earliest = _birthday(min(kid_born), -19), _birthday(max(kid_born), -44)
            born = rng.randint(min(earliest, latest), latest)
            adults = [(born, R.PARENT, surname)]
            if composition != "single_parent":
                other = _clamp(born + rng.randint(-6 * 365, 6 * 365), _birthday(max(kid_born), -50), latest)
                adults.append((other, R.PARENT, surname if rng.random() < 0.5 else self._surname()))
            if composition in ("three_generations", "showcase"):
                grandparent = max(_birthday(min(a for a, _, _ in adults), -rng.randint(20, 32)), TODAY - 95 * 366)
                adults.append((grandparent, R.OTHER_ADULT, self._surname()))
        if len(adults) + len(kid_born) > 9:
            kid_born = kid_born[: 9 - len(adults)]

        adult_born = [born for born, _, _ in adults]
        # The household began when its youngest adult was of age: before the first child, or some
        # time in the last thirty years when there are no children.
        of_age = _birthday(max(adult_born), 18)
        if kid_born:
            formed = max(of_age, min(kid_born) - rng.randint(0, 3 * 365))
        else:
            formed = rng.randint(min(max(of_age, TODAY - 30 * 365), TODAY - 60), TODAY - 60)

        household = HouseholdInfo(next(self.ids[Household]), area.pk, surname, formed)
        created = self._moment(formed)
        for born, role, last_name in adults:
            household.members.append(self._member(household, role, born, formed, last_name, created))
        children: list[Member] = []
        for born in kid_born:
            child = self._member(household, R.CHILD, born, max(born, formed), surname, created)
            household.members.append(child)
            children.append(child)

        # Membership changes over time.
        if composition == "family" and rng.random() < PARTNER_LEAVES_SHARE:
            leaving = household.members[1]
            if formed + 365 < TODAY - 30:
                leaving.end = rng.randint(formed + 365, TODAY - 30)
        if composition == "single_parent" and rng.random() < NEW_PARTNER_SHARE:
            born = self._born(_clamp((TODAY - adult_born[0]) // 365 + rng.randint(-8, 8), 20, 70))
            earliest = max(formed + 365, _birthday(born, 18))
            if earliest < TODAY - 30:
                joined = rng.randint(earliest, TODAY - 30)
                household.members.append(self._member(household, R.PARTNER, born, joined, self._surname(), created))
        for child in children:
            moved_out_from = _birthday(child.born, 18)
            if moved_out_from < TODAY - 400 and rng.random() < CHILD_MOVES_OUT_SHARE:
                end = rng.randint(moved_out_from, min(_birthday(child.born, 23), TODAY - 30))
                if end >= child.start:
                    child.end = end

        self._address(state, household, area.pk, created)
        self._write_memberships(household)
        at_home = [child for child in children if child.end is None]
        return household, at_home if composition == "single_parent" else []

    def _coparent_household(
        self, state: _MunicipalityState, first: HouseholdInfo, children: list[Member]
    ) -> HouseholdInfo:
        """The other parent's household: the children live in both (co-parenting)."""
        rng = self.rng
        R = HouseholdMembership.Role
        area = state.neighbourhoods[bisect.bisect(state.area_weights, rng.random() * state.area_weights[-1])]
        youngest = max(child.born for child in children)
        oldest = min(child.born for child in children)
        latest = _birthday(oldest, -19)
        parent_born = rng.randint(min(_birthday(youngest, -48), latest), latest)
        separated = rng.randint(youngest + 180, TODAY - 60) if youngest + 180 < TODAY - 60 else TODAY - 60
        surname = self._surname()
        household = HouseholdInfo(next(self.ids[Household]), area.pk, surname, separated)
        created = self._moment(separated)
        household.members.append(self._member(household, R.PARENT, parent_born, separated, surname, created))
        for child in children:
            household.members.append(Member(child.person_id, child.first_name, child.born, R.CHILD, separated))
        self._address(state, household, area.pk, created)
        self._write_memberships(household)
        return household

    def _address(self, state: _MunicipalityState, household: HouseholdInfo, area_id: int, created: Any) -> None:
        """The household's row waits until its cases are known: it is registered with its first referral."""
        street, number, suffix, postcode = state.books[area_id].next()
        row = [household.id, self._uuid(), street, number, suffix, postcode, state.city, area_id, created]
        state.pending_household_rows[household.id] = row

    def _write_household(self, state: _MunicipalityState, household: HouseholdInfo, cases: list[CaseInfo]) -> None:
        row = state.pending_household_rows.pop(household.id)
        if cases:
            row[-1] = self._moment(min(case.referred for case in cases))
        self.rows[Household].append(tuple(row))

    def _kid_births(self, count: int) -> list[int]:
        """Birth days of ``count`` siblings: one to five years apart (now and then twins), the eldest at most 23."""
        rng = self.rng
        gaps = [0 if rng.random() < 0.03 else rng.randint(330, 5 * 365) for _ in range(count - 1)]
        while sum(gaps) > 20 * 365:
            gaps = [gap // 2 for gap in gaps]
        youngest = TODAY - rng.randint(0, 23 * 365 - sum(gaps))
        births = [youngest]
        for gap in gaps:
            births.append(births[-1] - gap)
        return births

    def _born(self, age: int) -> int:
        return TODAY - round(age * YEAR) - self.rng.randrange(365)

    def _surname(self) -> str:
        return self.rng.choice(LAST_NAMES)

    def _member(self, household: HouseholdInfo, role: str, born: int, start: int, surname: str, created: Any) -> Member:
        person_id = next(self.ids[Person])
        taken = {member.first_name for member in household.members}
        first_name = self.rng.choice(FIRST_NAMES)
        while first_name in taken:
            first_name = self.rng.choice(FIRST_NAMES)
        prefix, last_name = _split_surname(surname)
        bsn = self._bsn() if self.rng.random() < BSN_SHARE else None
        self.rows[Person].append(
            (person_id, self._uuid(), first_name, prefix, last_name, datetime.date.fromordinal(born), bsn, created)
        )
        return Member(person_id, first_name, born, role, max(start, born))

    def _write_memberships(self, household: HouseholdInfo) -> None:
        rows = self.rows[HouseholdMembership]
        for member in household.members:
            rows.append(
                (
                    next(self.ids[HouseholdMembership]),
                    household.id,
                    member.person_id,
                    member.role,
                    datetime.date.fromordinal(member.start),
                    None if member.end is None else datetime.date.fromordinal(member.end),
                )
            )

    def _bsn(self) -> str:
        """A nine-digit number that passes the 11-proef; '9' first marks it as made up."""
        while True:
            n = next(self._bsn_counter)
            body = f"9{(n * self._bsn_multiplier + self._bsn_offset) % 10**7:07d}"
            total = sum(int(digit) * weight for digit, weight in zip(body, range(9, 1, -1), strict=True))
            check = total % 11
            if check < 10:
                return f"{body}{check}"

    # -- cases --

    def _cases_of(
        self, state: _MunicipalityState, household: HouseholdInfo, has_case: bool, is_open: bool, is_heavy: bool
    ) -> None:
        rng = self.rng
        cases: list[CaseInfo] = []
        if has_case:
            teams = self.teams_of_area[household.neighbourhood_id]
            team_id = rng.choice(teams)
            if is_open:
                final = S.EXECUTION if is_heavy else _weighted(rng, OPEN_STATUS_WEIGHTS)
                heavy_contacts = rng.randint(*self.scale.heavy_contacts) if is_heavy else None
                latest = self._case(
                    state,
                    household,
                    team_id,
                    final=final,
                    closed=False,
                    heavy_contacts=heavy_contacts,
                    latest_end=TODAY,
                )
                if latest is not None:
                    cases.append(latest)
                    if rng.random() < self.scale.earlier_case_share:
                        earlier = self._case(
                            state,
                            household,
                            team_id,
                            final=_weighted(rng, CLOSED_AT_WEIGHTS),
                            closed=True,
                            latest_end=latest.referred - 30,
                        )
                        if earlier is not None:
                            cases.append(earlier)
            else:
                closed = self._case(
                    state, household, team_id, final=_weighted(rng, CLOSED_AT_WEIGHTS), closed=True, latest_end=TODAY
                )
                if closed is not None:
                    cases.append(closed)
            for case in cases:
                self._case_content(state, case)
        self._write_household(state, household, cases)

    def _case(
        self,
        state: _MunicipalityState,
        household: HouseholdInfo,
        team_id: int,
        *,
        final: str,
        closed: bool,
        latest_end: int,
        heavy_contacts: int | None = None,
        extra_involved: Sequence[Professional] = (),
        minimum_involved: int = 1,
    ) -> CaseInfo | None:
        rng = self.rng
        lower = max(EARLIEST_REFERRAL, self.team_ready[team_id], household.formed + 30)
        if latest_end - lower < 30:
            return None
        path, length = self._status_path(final, closed, heavy=heavy_contacts is not None)
        room = latest_end - lower
        if length > room:  # squeeze the history into the time there was
            factor = room / length
            path = [(status, int(day * factor)) for status, day in path]
            length = room
        referred = latest_end - length if not closed else rng.randint(lower, latest_end - length)
        path = [(status, referred + day) for status, day in path]
        end = path[-1][1] if closed else TODAY
        status = path[-1][0]

        adults = household.adults(referred, end)
        if not adults:
            return None
        children = household.children(referred, end)
        theme_pool = [t for t in text.THEMES if t != "onderwijs" or children]
        count = rng.choices((1, 2, 3, 4), weights=(30, 35, 25, 10))[0] if heavy_contacts is None else rng.randint(3, 5)
        themes = _weighted_sample(rng, theme_pool, [text.THEME_WEIGHTS[t] for t in theme_pool], count)

        # The coordinator: a team member who had joined by the referral; a demo account when it is its turn.
        demo = next(
            (
                d
                for d in self.demo_caseloads
                if d.team_id == team_id and (d.coordinate_closed if closed else d.coordinate_open)
            ),
            None,
        )
        if demo is not None and heavy_contacts is None:
            if closed:
                demo.coordinate_closed -= 1
            else:
                demo.coordinate_open -= 1
            coordinator = demo.professional
        else:
            demo = None
            picked = self._pick_member(team_id, referred, exclude=())
            assert picked is not None, "referrals start once the team has a member (team_ready)"
            coordinator = picked
        coordinators = [(referred, coordinator)]
        involved = [
            Involved(coordinator, Involvement.Role.PRACTITIONER, self._legal_basis(coordinator), referred, None, True)
        ]
        execution_start = next((day for s, day in path if s == S.EXECUTION), None)
        if (
            demo is None
            and execution_start is not None
            and end - execution_start > 60
            and rng.random() < COORDINATOR_CHANGE_SHARE
        ):
            change = rng.randint(execution_start + 30, end - 15)
            successor = self._pick_member(team_id, change, exclude=(coordinator.user_id,))
            if successor is not None:
                involved[0].is_coordinator = False
                involved[0].end = change if (closed or rng.random() < 0.65) else None
                coordinators.append((change, successor))
                involved.append(
                    Involved(successor, Involvement.Role.PRACTITIONER, self._legal_basis(successor), change, None, True)
                )

        if heavy_contacts is not None:
            wanted = max(minimum_involved, rng.randint(8, 12))
        elif status == S.REFERRAL or final == S.REFERRAL:
            wanted = rng.randint(1, 2)
        elif final == S.INTAKE:
            wanted = rng.randint(1, 4)
        else:
            wanted = max(minimum_involved, rng.choices(range(1, 13), weights=INVOLVEMENT_WEIGHTS)[0])
        taken = {inv.professional.user_id for inv in involved}
        organisations = {inv.professional.organisation_id for inv in involved}
        extra = list(extra_involved)
        if not closed and not extra:
            for caseload in self.demo_caseloads:
                if (
                    caseload.team_id == team_id
                    and caseload.involved_open
                    and caseload.professional.user_id not in taken
                    and demo is None
                ):
                    caseload.involved_open -= 1
                    extra.append(caseload.professional)
                    break
        for professional in extra:
            start = min(referred + rng.randint(0, 60), end)
            involved.append(
                Involved(professional, Involvement.Role.PRACTITIONER, self._legal_basis(professional), start, None)
            )
            taken.add(professional.user_id)
            organisations.add(professional.organisation_id)
        target = max(wanted, len(involved))  # professionals over the case's life, coordinators included
        attempts = 0
        while len(involved) < target and attempts < 40:
            attempts += 1
            if rng.random() < OTHER_TEAM_SHARE:
                _team, professional = rng.choice(self.municipality_members[state.municipality_id])
            else:
                professional = rng.choice(self.team_members[team_id])
            if professional.user_id in taken:
                continue
            if professional.organisation_id not in organisations and len(organisations) >= MAX_ORGANISATIONS_PER_CASE:
                continue
            start = max(referred + int(rng.random() ** 2 * (end - referred)), professional.joined)
            if start > end:
                continue
            role = _weighted(rng, INVOLVEMENT_ROLE_WEIGHTS)
            if role == Involvement.Role.SIGNALLER:
                start = max(referred, professional.joined)
                if start > end:
                    continue
            finish: int | None = None
            if closed:
                finish = rng.randint(start, end)
            elif role == Involvement.Role.SIGNALLER or rng.random() < 0.2:
                finish = rng.randint(start, min(end, start + 120))
            involved.append(Involved(professional, role, self._legal_basis(professional), start, finish))
            taken.add(professional.user_id)
            organisations.add(professional.organisation_id)

        case = CaseInfo(
            id=next(self.ids[Case]),
            household=household,
            team_id=team_id,
            status=status,
            referred=referred,
            end=end,
            path=path,
            themes=themes,
            involved=involved,
            coordinators=coordinators,
            adults=adults,
            children=children,
            heavy_contacts=heavy_contacts,
        )
        return case

    def _status_path(self, final: str, closed: bool, heavy: bool) -> tuple[list[tuple[str, int]], int]:
        """The statuses a case passed through, as (status, day since referral), and its length in days."""
        rng = self.rng
        visits = STAGES[: STAGES.index(final) + 1]
        if S.EXECUTION in visits:
            loops = rng.choices((0, 1, 2), weights=(65, 25, 10))[0]
            at = visits.index(S.EXECUTION)
            visits = visits[: at + 1] + [S.PLAN, S.EXECUTION] * loops + visits[at + 1 :]
        elif final == S.PLAN and not closed and rng.random() < 0.25:
            visits = [*visits, S.EXECUTION, S.PLAN]  # the plan is being revised
        path: list[tuple[str, int]] = []
        day = 0
        seen: set[str] = set()
        for index, status in enumerate(visits):
            path.append((status, day))
            if status == S.EXECUTION and heavy:
                low, high = HEAVY_EXECUTION_DAYS
            elif status == S.PLAN and status in seen:
                low, high = REVISION_DAYS
            else:
                low, high = STAGE_DAYS[status]
            seen.add(status)
            stay = rng.randint(low, high)
            if index == len(visits) - 1 and not closed:
                stay = max(1, int(stay * rng.uniform(0.05, 1.0)))
            day += stay
        if closed:
            path.append((S.CLOSED, day))
        return path, day

    def _pick_member(self, team_id: int, day: int, exclude: Sequence[int]) -> Professional | None:
        """A professional of the team who had joined it by ``day``."""
        eligible = [p for p in self.team_members[team_id] if p.joined <= day and p.user_id not in exclude]
        return self.rng.choice(eligible) if eligible else None

    def _legal_basis(self, professional: Professional) -> str:
        if self.rng.random() < CONSENT_INSTEAD_SHARE:
            return LegalBasis.CONSENT
        return self.rng.choice(LEGAL_BASES_BY_KIND[professional.kind])

    # -- everything on a case --

    def _case_content(self, state: _MunicipalityState, case: CaseInfo) -> None:
        with self.clock(CASES_STEP):
            self._consents(state, case)
            self._case_rows(case)
            self._plan(case)
            self._conferences_and_actions(state, case)
        with self.clock("contacts"):
            self._contacts(case)
        with self.clock("measurements"):
            self._measurements(case)

    def _case_rows(self, case: CaseInfo) -> None:
        rng = self.rng
        names = self._names(case)
        main = case.themes[0]
        source = _weighted(rng, REFERRAL_SOURCES_BY_THEME[main])
        reason = self._sentence(text.REFERRAL_REASONS[main], case, names)
        if len(case.themes) > 1 and rng.random() < 0.4:
            reason += " " + self._sentence(text.REFERRAL_REASONS[case.themes[1]], case, names)
        referrer = case.coordinators[0][1]
        self.rows[Case].append(
            (
                case.id,
                self._uuid(),
                self._reference(),
                case.household.id,
                case.team_id,
                case.status,
                source,
                reason,
                datetime.date.fromordinal(case.referred),
                datetime.date.fromordinal(case.end) if case.closed else None,
                referrer.user_id,
                self._moment(case.referred),
            )
        )
        previous = ""
        changes = self.rows[CaseStatusChange]
        leads = self.team_leads.get(case.team_id, [])
        last_day, minute = -1, 0
        for to_status, day in case.path:
            # Steps on one day keep their order in time.
            minute = min(599, minute + rng.randint(1, 30)) if day == last_day else int(rng.random() * 500)
            last_day = day
            by = case.coordinator_on(day).user_id
            reason = ""
            if to_status == S.CLOSED:
                late = previous in (S.EXECUTION, S.AFTERCARE)
                reason = rng.choice(text.CLOSURE_REASONS_LATE if late else text.CLOSURE_REASONS_EARLY)
                if leads and rng.random() < 0.3:
                    by = rng.choice(leads)
            elif previous == S.EXECUTION and to_status == S.PLAN:
                reason = text.PLAN_REVISION_REASON
            changes.append(
                (
                    next(self.ids[CaseStatusChange]),
                    case.id,
                    previous,
                    to_status,
                    by,
                    f"{self._day_text(day)} {OFFICE_MINUTES[minute]}",
                    reason,
                )
            )
            previous = to_status
        involvements = self.rows[Involvement]
        for inv in case.involved:
            involvements.append(
                (
                    next(self.ids[Involvement]),
                    self._uuid(),
                    case.id,
                    inv.professional.user_id,
                    inv.professional.organisation_id,
                    inv.role,
                    inv.is_coordinator,
                    inv.legal_basis,
                    datetime.date.fromordinal(inv.start),
                    None if inv.end is None else datetime.date.fromordinal(inv.end),
                )
            )

    def _plan(self, case: CaseInfo) -> None:
        """One plan per case; a version each time the plan was agreed, goals per theme in the household's words."""
        rng = self.rng
        plan_id = next(self.ids[Plan])
        # Work starts on an agreed plan: each step into uitvoering follows a new version.
        agreed_days = [day for status, day in case.path if status == S.EXECUTION]
        versions: list[tuple[int, int | None]] = [(day, day - rng.randint(0, 5)) for day in agreed_days[:3]]
        in_plan_now = case.path[-1][0] == S.PLAN or (case.closed and case.path[-2][0] == S.PLAN)
        if in_plan_now and len(versions) < 3 and rng.random() < 0.6:
            draft_day = rng.randint(case.path[-1][1] if not case.closed else case.path[-2][1], case.end)
            versions.append((draft_day, None))  # saved, not yet agreed with the household
        names = self._names(case)
        goals: list[tuple[str, str, bool]] = []
        for number, (created, agreed) in enumerate(versions, start=1):
            version_id = next(self.ids[PlanVersion])
            author = (
                PlanVersion.Author.HOUSEHOLD
                if number == 1 and case.children and rng.random() < 0.2
                else PlanVersion.Author.TEAM
            )
            agreed = max(agreed, case.referred) if agreed is not None else None
            summary = self._plan_summary(case, author)
            self.rows[PlanVersion].append(
                (
                    version_id,
                    plan_id,
                    number,
                    author,
                    summary,
                    None if agreed is None else datetime.date.fromordinal(agreed),
                    None if agreed is None else datetime.date.fromordinal(agreed + rng.randint(90, 180)),
                    case.coordinator_on(created).user_id,
                    self._moment(created),
                )
            )
            if not goals:
                for theme in case.themes:
                    for _ in range(2 if rng.random() < 0.2 else 1):
                        goals.append(self._goal(theme, case, names))
            else:
                goals = [goal for goal in goals if rng.random() < 0.85]
                if rng.random() < 0.4 or not goals:
                    goals.append(self._goal(rng.choice(case.themes), case, names))
            last = number == len(versions)
            for order, (theme, goal_text, own_words) in enumerate(goals):
                self.rows[Goal].append(
                    (
                        next(self.ids[Goal]),
                        version_id,
                        self.theme_ids[theme],
                        goal_text,
                        own_words,
                        self._goal_status(case, last),
                        order,
                    )
                )
        self.rows[Plan].append((plan_id, case.id, len(versions)))

    def _goal(self, theme: str, case: CaseInfo, names: dict[str, str]) -> tuple[str, str, bool]:
        rng = self.rng
        if rng.random() < 0.85:
            sentence = self._sentence(text.OWN_WORDS_GOALS[theme], case, names)
            return theme, sentence + rng.choice(text.GOAL_TAILS), True
        return theme, rng.choice(text.PROFESSIONAL_GOALS[theme]), False

    def _goal_status(self, case: CaseInfo, latest: bool) -> str:
        G = Goal.Status
        if not latest:
            return _weighted(self.rng, {G.PARTLY: 50, G.OPEN: 35, G.ACHIEVED: 15})
        if case.closed and case.reached(S.EXECUTION) is not None:
            return _weighted(self.rng, {G.ACHIEVED: 55, G.PARTLY: 30, G.NOT_ACHIEVED: 15})
        if case.closed:
            return _weighted(self.rng, {G.NOT_ACHIEVED: 60, G.OPEN: 40})
        return _weighted(self.rng, {G.OPEN: 70, G.PARTLY: 25, G.ACHIEVED: 5})

    def _plan_summary(self, case: CaseInfo, author: str) -> str:
        phrases = [text.PLAN_PHRASES[theme] for theme in case.themes]
        body = f"Eerst {phrases[0]}, daarna {phrases[1]}." if len(phrases) > 1 else f"Samen werken aan {phrases[0]}."
        if author == PlanVersion.Author.HOUSEHOLD:
            return f"Familiegroepsplan van de familie {case.household.surname}. {body}"
        return body

    def _conferences_and_actions(self, state: _MunicipalityState, case: CaseInfo) -> None:
        rng = self.rng
        plan_day = case.reached(S.PLAN)
        if plan_day is None:
            return
        intake_day = case.reached(S.INTAKE) or case.referred
        conferences: list[tuple[int, int]] = []  # (id, day)
        if case.heavy_contacts is not None:
            count = rng.randint(6, 20)
        elif len(case.involved) >= 3:
            count = rng.choices((0, 1, 2, 3), weights=(35, 35, 20, 10))[0]
        else:
            count = 0
        participants_rows = self.rows[CaseConference.participants.through]
        for _ in range(count):
            day = rng.randint(intake_day, case.end)
            present = [inv for inv in case.involved if inv.start <= day and (inv.end is None or inv.end >= day)]
            if not present:
                continue
            conference_id = next(self.ids[CaseConference])
            coordinator = case.coordinator_on(day)
            organisation = self._other_organisation(case, coordinator)
            chosen = rng.sample(present, min(len(present), rng.randint(2, 6)))
            if all(inv.professional.user_id != coordinator.user_id for inv in chosen):
                chosen.append(
                    next((inv for inv in present if inv.professional.user_id == coordinator.user_id), chosen[0])
                )
            seen: set[int] = set()
            for inv in chosen:
                if inv.professional.user_id in seen:
                    continue
                seen.add(inv.professional.user_id)
                participants_rows.append(
                    (next(self.ids[CaseConference.participants.through]), conference_id, inv.professional.user_id)
                )
            self.rows[CaseConference].append(
                (
                    conference_id,
                    self._uuid(),
                    case.id,
                    datetime.date.fromordinal(day),
                    rng.choice(text.OTHER_PARTICIPANTS),
                    rng.random() < 0.7,
                    rng.choice(text.CONFERENCE_DECISIONS).format(org=organisation),
                    coordinator.user_id,
                    self._moment(day),
                )
            )
            conferences.append((conference_id, day))

        count = sum(1 + (rng.random() < 0.3) for _ in case.themes)
        if case.heavy_contacts is not None:
            count = rng.randint(8, 15)
        for index in range(count):
            theme = case.themes[index % len(case.themes)]
            conference = rng.choice(conferences) if conferences and rng.random() < 0.3 else None
            start_from = conference[1] if conference else plan_day
            self._action(state, case, theme, start_from, None if conference is None else conference[0])

    def _action(
        self, state: _MunicipalityState, case: CaseInfo, theme: str, from_day: int, conference_id: int | None
    ) -> None:
        rng = self.rng
        description, kinds, (low, high), product, target = rng.choice(text.ACTIONS[theme])
        involved_fitting = [inv.professional.organisation_id for inv in case.involved if inv.professional.kind in kinds]
        if involved_fitting:
            organisation = rng.choice(involved_fitting)
        else:
            options = [org for kind in kinds for org in self.organisations_by_kind[(state.municipality_id, kind)]]
            organisation = rng.choice(options)
        beneficiary: int | None = None
        if target == "adult":
            beneficiary = rng.choice(case.adults).person_id
        elif target == "child" and case.children:
            beneficiary = rng.choice(case.children).person_id
        if beneficiary is not None and rng.random() < 0.15:
            beneficiary = None  # recorded for the household as a whole after all
        cost = Decimal(rng.randint(low // 10, high // 10) * 10) if high else Decimal(0)
        A = Action.Status
        status_now = case.path[-1][0]
        if case.closed and case.reached(S.EXECUTION) is None:
            status = _weighted(rng, {A.CANCELLED: 60, A.PROPOSED: 40})
        elif case.closed:
            status = _weighted(rng, {A.DONE: 70, A.CANCELLED: 25, A.PROPOSED: 5})
        elif status_now == S.PLAN:
            status = _weighted(rng, {A.PROPOSED: 60, A.APPROVED: 40})
        elif status_now == S.AFTERCARE:
            status = _weighted(rng, {A.DONE: 75, A.IN_PROGRESS: 20, A.CANCELLED: 5})
        else:
            status = _weighted(rng, {A.IN_PROGRESS: 50, A.DONE: 20, A.APPROVED: 20, A.CANCELLED: 10})
        from_day = min(from_day, case.end)
        start = None if status == A.PROPOSED else rng.randint(from_day, case.end)
        finish = rng.randint(start, case.end) if start is not None and status in (A.DONE, A.CANCELLED) else None
        created = start if start is not None else from_day
        self.rows[Action].append(
            (
                next(self.ids[Action]),
                self._uuid(),
                case.id,
                self.theme_ids[theme],
                description,
                organisation,
                beneficiary,
                cost,
                status,
                None if start is None else datetime.date.fromordinal(start),
                None if finish is None else datetime.date.fromordinal(finish),
                product,
                conference_id,
                case.coordinator_on(created).user_id,
                self._moment(created),
            )
        )

    def _consents(self, state: _MunicipalityState, case: CaseInfo) -> None:
        """Consent where it is the legal basis (some revoked, ending the involvement), and for sharing with school."""
        rng = self.rng
        for inv in case.involved:
            if inv.legal_basis != LegalBasis.CONSENT:
                continue
            given = inv.start
            expires = given + 365 if rng.random() < 0.6 else None
            revoked = None
            if not inv.is_coordinator and rng.random() < CONSENT_REVOKED_SHARE:
                last = min(inv.end if inv.end is not None else case.end, case.end)
                revoked = rng.randint(given, last)
                inv.end = revoked
            organisation = self.organisation_name[inv.professional.organisation_id]
            purpose = rng.choice(text.CONSENT_PURPOSES).format(org=organisation)
            person = rng.choice(case.adults).person_id
            self._consent(case, person, purpose, [inv.professional.organisation_id], given, expires, revoked)
        if case.children and rng.random() < 0.12:
            schools = self.organisations_by_kind[(state.municipality_id, "school")]
            if schools:
                child = rng.choice(case.children)
                given = rng.randint(case.referred, case.end)
                self._consent(
                    case,
                    rng.choice(case.adults).person_id,
                    text.SCHOOL_CONSENT_PURPOSE.format(child=child.first_name),
                    [rng.choice(schools)],
                    given,
                    given + 365,
                    None,
                )

    def _consent(
        self,
        case: CaseInfo,
        person: int,
        purpose: str,
        organisations: list[int],
        given: int,
        expires: int | None,
        revoked: int | None,
    ) -> None:
        consent_id = next(self.ids[Consent])
        self.rows[Consent].append(
            (
                consent_id,
                self._uuid(),
                person,
                case.id,
                purpose,
                datetime.date.fromordinal(given),
                None if expires is None else datetime.date.fromordinal(expires),
                None if revoked is None else datetime.date.fromordinal(revoked),
                case.coordinator_on(given).user_id,
            )
        )
        for organisation in organisations:
            self.rows[Consent.organisations.through].append(
                (next(self.ids[Consent.organisations.through]), consent_id, organisation)
            )

    def _contacts(self, case: CaseInfo) -> None:
        """Long-tailed: most cases tens of contacts, a few heavy ones thousands."""
        rng = self.rng
        random = rng.random
        if case.heavy_contacts is not None:
            count = case.heavy_contacts
        else:
            factor = CONTACT_FACTOR[case.path[-2][0] if case.closed else case.path[-1][0]]
            count = round(rng.lognormvariate(math.log(self.scale.contacts_median), self.scale.contacts_sigma) * factor)
            count = _clamp(count, 1, max(1, 2 * (case.end - case.referred + 1)))
        authors: list[tuple[int, int, int, int]] = []  # (user, organisation, first day, last day)
        weights: list[float] = []
        for inv in case.involved:
            first = max(inv.start, case.referred)
            last = min(inv.end if inv.end is not None else case.end, case.end)
            if first <= last:
                authors.append((inv.professional.user_id, inv.professional.organisation_id, first, last))
                weights.append(3.0 if inv.is_coordinator else 1.0)
        cumulative = list(itertools.accumulate(weights))
        total_weight = cumulative[-1]
        theme_sets = _theme_sets(case.themes)
        names = self._names(case)
        # "{org}" in a note is another organisation on the case than the author's, when there is one.
        on_case = list(dict.fromkeys(inv.professional.organisation_id for inv in case.involved))
        others = {
            org: [self.organisation_name[o] for o in on_case if o != org] or [self.organisation_name[org]]
            for org in on_case
        }
        # Per kind: its openers with this household's names, and the minutes it may take.
        kinds = [
            (kind, [o.format(org="{org}", **names) for o in text.CONTACT_OPENERS[kind]], minutes)
            for kind, minutes in CONTACT_MINUTES_CHOICES.items()
        ]
        contents = {
            theme: [c.format(**names) if ("{child}" not in c or case.children) else text.CONTACT_CONTENT_WITHOUT_CHILD
                    for c in text.CONTACT_CONTENT[theme]]
            for theme in case.themes
        }  # fmt: skip
        next_steps = [n.format(org="{org}", **names) for n in text.CONTACT_NEXT_STEPS]
        rows = self.rows[Contact]
        contact_ids = self.ids[Contact]
        day_text = self._day_text
        getrandbits = rng.getrandbits
        for _ in range(count):
            user, organisation, first, last = authors[bisect.bisect(cumulative, random() * total_weight)]
            day = day_text(first + int(random() * (last - first + 1)))
            kind, openers, minutes = kinds[bisect.bisect(KIND_CUMULATIVE, random() * KIND_TOTAL)]
            theme_codes, array = theme_sets[int(random() * len(theme_sets))]
            options = contents[theme_codes[0]]
            note = f"{openers[int(random() * len(openers))]} {options[int(random() * len(options))]}"
            step = next_steps[int(random() * len(next_steps))]
            if step:
                note = f"{note} {step}"
            if "{org}" in note:
                names_ = others[organisation]
                note = note.replace("{org}", names_[int(random() * len(names_))])
            rows.append(
                (
                    next(contact_ids),
                    _uuid_text(getrandbits(128)),
                    case.id,
                    day,
                    kind,
                    array,
                    minutes[int(random() * len(minutes))],
                    note,
                    "own_org" if random() < OWN_ORGANISATION_SHARE else "all",
                    user,
                    organisation,
                    f"{day} {OFFICE_MINUTES[int(random() * 600)]}",
                )
            )

    def _measurements(self, case: CaseInfo) -> None:
        """Partial ZRM scoring: a few relevant domains, each with a reason, repeated so that trends exist."""
        rng = self.rng
        intake_day = case.reached(S.INTAKE)
        if intake_day is None:
            return
        if rng.random() < ZRM_SHARE:
            relevant = list(dict.fromkeys(d for theme in case.themes for d in text.ZRM_DOMAINS_BY_THEME[theme]))
            people = [case.adults[0]] + ([case.adults[1]] if len(case.adults) > 1 and rng.random() < 0.3 else [])
            for person in people:
                domains = rng.sample(relevant, min(len(relevant), rng.randint(2, 5)))
                scores = {domain: rng.choices((1, 2, 3, 4), weights=(15, 40, 35, 10))[0] for domain in domains}
                reasons = {domain: rng.choice(text.ZRM_REASONS[domain]) for domain in domains}
                improving = rng.random() < 0.75
                day = min(intake_day + rng.randint(0, 14), case.end)
                for _ in range(8):
                    self._measurement(
                        case, person, self.zrm_id, day, [(self.zrm_domains[d], scores[d], reasons[d]) for d in domains]
                    )
                    day += rng.randint(60, 180)
                    if day > case.end:
                        break
                    for domain in domains:
                        step = rng.random()
                        if improving:
                            scores[domain] = _clamp(
                                scores[domain] + (1 if step < 0.4 else -1 if step > 0.92 else 0), 1, 5
                            )
                        else:
                            scores[domain] = _clamp(
                                scores[domain] + (-1 if step < 0.25 else 1 if step > 0.85 else 0), 1, 5
                            )
        if rng.random() < PG_SHARE:
            person = case.adults[0]
            names = {"adult": person.first_name}
            day = rng.randint(intake_day, case.end)
            dimensions = rng.sample(self.pg_domains, rng.randint(2, 4))
            self._measurement(
                case,
                person,
                self.pg_id,
                day,
                [(d, rng.randint(3, 8), rng.choice(text.PG_REASONS).format(**names)) for d in dimensions],
            )

    def _measurement(
        self, case: CaseInfo, person: Member, instrument: int, day: int, scores: list[tuple[int, int, str]]
    ) -> None:
        measurement_id = next(self.ids[Measurement])
        self.rows[Measurement].append(
            (
                measurement_id,
                self._uuid(),
                case.id,
                person.person_id,
                instrument,
                datetime.date.fromordinal(day),
                case.coordinator_on(day).user_id,
                self._moment(day),
            )
        )
        rows = self.rows[MeasurementScore]
        for domain, score, reason in scores:
            rows.append((next(self.ids[MeasurementScore]), measurement_id, domain, score, reason))

    def _key_figures(self, municipality: Any) -> list[KeyFigure]:
        rng = self.rng
        figures = []
        for team_id, areas in self.team_areas.items():
            if self.team_municipality[team_id] != municipality.pk:
                continue
            for area in areas:
                for name, description, details in rng.sample(text.KEY_FIGURES, rng.randint(2, 6)):
                    person = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
                    figures.append(
                        KeyFigure(
                            area_id=area.pk,
                            team_id=team_id,
                            name=name.format(word=rng.choice(PLACE_WORDS), person=person),
                            description=description,
                            contact_details=details,
                            # One in ten no longer works with the team: ended some months ago.
                            ended_on=None
                            if rng.random() < 0.9
                            else datetime.date.fromordinal(TODAY - rng.randint(30, 400)),
                        )
                    )
        return figures

    # -- helpers --

    def _flush(self) -> None:
        """Hand this batch's rows to COPY, which runs while the next batch is generated."""
        batch = [(model, columns, self.rows.pop(model)) for model, columns in COLUMNS.items() if self.rows.get(model)]
        self.rows.clear()
        with self.clock("waiting for COPY"):
            self.ctx.copy_in_background(batch)

    def _postcode_area(self) -> int:
        area, self._next_postcode_area = self._next_postcode_area, self._next_postcode_area + 1
        return area

    def _uuid(self) -> str:
        return _uuid_text(self.rng.getrandbits(128))

    def _reference(self) -> str:
        n = (next(self._reference_counter) * self._reference_multiplier + self._reference_offset) % 32**8
        letters = []
        for _ in range(8):
            n, digit = divmod(n, 32)
            letters.append(REFERENCE_ALPHABET[digit])
        return "WT-" + "".join(letters)

    def _moment(self, day: int) -> str:
        """A time during office hours on ``day``, as COPY reads a timestamptz (text is cheapest to send)."""
        return f"{self._day_text(day)} {OFFICE_MINUTES[int(self.rng.random() * 600)]}"

    def _day_text(self, day: int) -> str:
        text_ = self._days.get(day)
        if text_ is None:
            text_ = self._days[day] = datetime.date.fromordinal(day).isoformat()
        return text_

    def _names(self, case: CaseInfo) -> dict[str, str]:
        names = {"adult": case.adults[0].first_name, "surname": case.household.surname}
        if case.children:
            names["child"] = case.children[0].first_name
        return names

    def _sentence(self, templates: list[str], case: CaseInfo, names: dict[str, str]) -> str:
        usable = [t for t in templates if "{child}" not in t or case.children]
        return self.rng.choice(usable or templates).format(**{"child": "het kind", **names})

    def _other_organisation(self, case: CaseInfo, coordinator: Professional) -> str:
        others = [
            inv.professional.organisation_id
            for inv in case.involved
            if inv.professional.organisation_id != coordinator.organisation_id
        ]
        return self.organisation_name[self.rng.choice(others) if others else coordinator.organisation_id]

    def _street_names(self) -> list[str]:
        plain = [
            f"{word}{suffix}"
            for word in text.STREET_WORDS
            for suffix in text.STREET_SUFFIXES
            if not word.lower().endswith(suffix)
        ]
        self.rng.shuffle(plain)
        return plain + [f"{prefix}{name}" for prefix in text.STREET_PREFIXES for name in plain]


REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # the alphabet of cases.services.new_case_reference


@dataclass
class _MunicipalityState:
    municipality_id: int
    city: str
    neighbourhoods: list[Area]
    area_weights: list[float]
    books: dict[int, AddressBook]
    pending_household_rows: dict[int, list[Any]] = field(default_factory=dict)


def _apportion(total: int, weights: Sequence[float]) -> list[int]:
    """Split ``total`` over ``weights`` in whole numbers that add up (largest remainder)."""
    whole = sum(weights)
    shares = [total * weight / whole for weight in weights]
    result = [math.floor(share) for share in shares]
    by_remainder = sorted(range(len(shares)), key=lambda i: shares[i] - result[i], reverse=True)
    for index in by_remainder[: total - sum(result)]:
        result[index] += 1
    return result


def _weighted(rng: random.Random, weights: Mapping[Any, float]) -> Any:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _weighted_sample(rng: Any, items: list[str], weights: list[float], count: int) -> list[str]:
    items, weights = list(items), list(weights)
    chosen: list[str] = []
    while items and len(chosen) < count:
        index = rng.choices(range(len(items)), weights=weights)[0]
        chosen.append(items.pop(index))
        weights.pop(index)
    return chosen


def _theme_sets(themes: list[str]) -> list[tuple[list[str], str]]:
    """1 to 3 themes per contact, the case's main theme most often; with the array literal COPY needs."""
    sets: list[list[str]] = [[themes[0]]] * 3 + [[theme] for theme in themes[1:]]
    if len(themes) > 1:
        sets += [[themes[0], theme] for theme in themes[1:]] * 2
    if len(themes) > 2:
        sets += [themes[:3]]
    return [(codes, "{" + ",".join(sorted(codes)) + "}") for codes in sets]


_UUID_CLEAR = ~((0xF000 << 64) | (0xC000 << 48))
_UUID_SET = (0x4000 << 64) | (0x8000 << 48)  # version 4, RFC 4122 variant


def _uuid_text(bits: int) -> str:
    """The hex form of ``uuid.UUID(int=bits, version=4)``, without building the object (millions of rows)."""
    return f"{bits & _UUID_CLEAR | _UUID_SET:032x}"


def _split_surname(surname: str) -> tuple[str, str]:
    for prefix in text.SURNAME_PREFIXES:
        if surname.startswith(prefix + " "):
            return prefix, surname[len(prefix) + 1 :]
    return "", surname


def _birthday(born: int, age: int) -> int:
    """The day someone born on ``born`` turns ``age`` (29 February: 1 March in other years)."""
    day = datetime.date.fromordinal(born)
    try:
        return day.replace(year=day.year + age).toordinal()
    except ValueError:
        return datetime.date(day.year + age, 3, 1).toordinal()


def _clamp(value: int, low: int, high: int) -> int:
    return max(low, min(high, value))

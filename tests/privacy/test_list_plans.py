"""The lists of personal data cost what the caller can see, not what the database holds.

Issue 17, item 1.

A crowd of cases in other teams (each with a household, a member, an involvement,
a contact, an action and an allocation) is loaded beside the few cases the
caller may see, the tables are analysed, and each list is fetched the way a
client fetches it. Its main query is then run again under ``EXPLAIN (ANALYZE,
FORMAT JSON)``, and the rows its plan read from the large tables are counted
(rows returned plus rows a filter threw away, times loops). Filtering a walk
over every case by the two ways in (team, involvement) reads the whole crowd;
a plan that starts from the caller's teams and involvements reads a few rows
per visible case.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases.models import Action, Case, Contact, Household, HouseholdMembership, Involvement, Person, Plan
from funding.models import Allocation
from organisations.models import User
from tests.cases.factories import ActionFactory, CaseFactory, ContactFactory, MembershipFactory
from tests.conftest import Personas, analyze_as_owner
from tests.funding.factories import AllocationFactory
from tests.organisations.factories import TeamFactory, TeamMembershipFactory
from wijkteam import embedded_db

pytestmark = pytest.mark.django_db

CROWD = 3000  # cases in other teams
OWN_TEAM = 20  # cases of the caller's team
INVOLVED = 4  # cases of other teams the caller is involved in

# The tables whose size grows with the municipality; the small reference tables (teams, memberships,
# themes, organisations) may be read whole.
LARGE_TABLES = frozenset(
    {
        "cases_case",
        "cases_household",
        "cases_person",
        "cases_householdmembership",
        "cases_involvement",
        "cases_contact",
        "cases_action",
        "cases_plan",
        "funding_allocation",
    }
)
# What a plan may read per visible case (the case, its household, its member, a child row, index
# rechecks) plus the page it returns: far below the crowd.
ROWS_PER_VISIBLE_CASE = 12


def _clones(template: Any, count: int, **per_index: Any) -> list[Any]:
    """``count`` unsaved copies of a saved row, with fresh UUIDs and the fields ``per_index`` computes."""
    model = type(template)
    values = {
        field.attname: getattr(template, field.attname)
        for field in model._meta.concrete_fields
        if not field.primary_key
    }
    rows = []
    for index in range(count):
        row = model(**values)
        if hasattr(row, "uuid"):
            row.uuid = uuid.uuid4()
        for name, make in per_index.items():
            setattr(row, name, make(index))
        rows.append(row)
    return rows


def _load(personas: Personas, *, team_id: int, count: int, prefix: str, involve: User | None = None) -> list[Case]:
    """``count`` cases of a team, each with a household, a member, a coordinator, a contact, an action and an
    allocation, bulk-loaded from one of each made by the factories."""
    case = CaseFactory(team_id=team_id)
    membership = MembershipFactory(household=case.household)
    contact = ContactFactory(case=case)
    action = ActionFactory(case=case)
    allocation = AllocationFactory(action=action)
    coordinator = case.involvements.get()

    households = Household.objects.bulk_create(_clones(case.household, count, house_number=lambda i: 10_000 + i))
    persons = Person.objects.bulk_create(_clones(membership.person, count))
    HouseholdMembership.objects.bulk_create(
        _clones(membership, count, household_id=lambda i: households[i].pk, person_id=lambda i: persons[i].pk)
    )
    cases = Case.objects.bulk_create(
        _clones(case, count, reference=lambda i: f"WT-{prefix}{i:06d}", household_id=lambda i: households[i].pk)
    )
    Plan.objects.bulk_create([Plan(case=row) for row in cases])
    Involvement.objects.bulk_create(_clones(coordinator, count, case_id=lambda i: cases[i].pk))
    if involve is not None:
        Involvement.objects.bulk_create(
            _clones(
                coordinator,
                count,
                case_id=lambda i: cases[i].pk,
                professional_id=lambda i: involve.pk,
                organisation_id=lambda i: involve.organisation_id,
                is_coordinator=lambda i: False,
            )
        )
    # Statistics first: the contacts' statement trigger (monitoring/0013) joins the new rows to cases and
    # households, and planned as if those were empty it looped over them for minutes in a fresh CI database.
    analyze_as_owner()
    Contact.objects.bulk_create(_clones(contact, count, case_id=lambda i: cases[i].pk))
    actions = Action.objects.bulk_create(_clones(action, count, case_id=lambda i: cases[i].pk))
    Allocation.objects.bulk_create(
        _clones(
            allocation,
            count,
            reference=lambda i: f"AL-{prefix}{i:06d}",
            action_id=lambda i: actions[i].pk,
            household_id=lambda i: households[i].pk,
            amount=lambda i: Decimal("10.00"),
        )
    )
    return cases


@dataclass
class Crowd:
    caller: User
    lead: User
    visible: int  # cases the professional sees


@pytest.fixture
def crowd(personas: Personas) -> Iterator[Crowd]:
    others = [TeamFactory(municipality=personas.team_a.municipality) for _ in range(3)]
    for team in others:
        TeamMembershipFactory(team=team)
    for index, team in enumerate(others):
        _load(personas, team_id=team.pk, count=CROWD // len(others), prefix=f"X{index}")
    _load(personas, team_id=personas.team_a.pk, count=OWN_TEAM, prefix="OWN")
    _load(personas, team_id=personas.team_b.pk, count=INVOLVED, prefix="INV", involve=personas.professional)
    with connection.cursor() as cursor:
        # ANALYZE is the owner's; the test goes on as the application role.
        cursor.execute("SET LOCAL ROLE NONE")
        cursor.execute("ANALYZE")
        cursor.execute("SELECT set_config('role', %s, true)", [settings.WIJKTEAM_DATABASE_APP_ROLE])
        # The planner's cost of a random read on the servers the project runs (SSD): the embedded server and
        # docker compose set it, a test database made on another server may not have it.
        cursor.execute(
            "SELECT set_config('random_page_cost', %s, true)", [embedded_db.SERVER_SETTINGS["random_page_cost"]]
        )
    visible = Case.objects.visible_to(personas.professional).count()
    assert visible == OWN_TEAM + 1 + INVOLVED  # the factories' own case of team A counts too
    yield Crowd(caller=personas.professional, lead=personas.team_lead, visible=visible)


def _rows_read(plan: dict[str, Any]) -> dict[str, int]:
    """Rows each large table's scans produced or filtered away, over all loops."""
    read: dict[str, int] = {}
    relation = plan.get("Relation Name")
    if relation in LARGE_TABLES:
        rows = (
            plan.get("Actual Rows", 0)
            + plan.get("Rows Removed by Filter", 0)
            + plan.get("Rows Removed by Index Recheck", 0)
        )
        read[relation] = read.get(relation, 0) + int(rows * plan.get("Actual Loops", 1))
    # A join that compares every row of one side with every row of the other reads as much as a scan that
    # filters them: a parallel page of contacts compared 26 million pairs at the municipality seed. Pairs with
    # a small reference table (a visible case against each of the test's ten areas) grow with what the
    # caller sees, not with the crowd, and are not counted.
    compared = plan.get("Rows Removed by Join Filter", 0)
    children = plan.get("Plans", [])
    if compared and len(children) >= 2 and all(_large_tables(child) for child in children[:2]):
        read["(join filter)"] = read.get("(join filter)", 0) + int(compared * plan.get("Actual Loops", 1))
    for child in plan.get("Plans", []):
        for name, count in _rows_read(child).items():
            read[name] = read.get(name, 0) + count
    return read


def _large_tables(plan: dict[str, Any]) -> set[str]:
    """The large tables a plan node or its children read."""
    found = {plan["Relation Name"]} & LARGE_TABLES if "Relation Name" in plan else set()
    for child in plan.get("Plans", []):
        found |= _large_tables(child)
    return found


def _explain(sql: str, params: Sequence[Any] = ()) -> dict[str, Any]:
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}", params or None)
        (plan,) = cursor.fetchone()
    if isinstance(plan, str):
        plan = json.loads(plan)
    return plan[0]["Plan"]


def _list_queries(client: Client, url: str, table: str) -> list[str]:
    """The SELECTs from ``table`` that fetching ``url`` ran."""
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return [
        query["sql"]
        for query in captured.captured_queries
        if query["sql"].startswith("SELECT") and f'FROM "{table}"' in query["sql"]
    ]


# Every list of the API that holds personal data: cases, the households and persons of cases, and what
# hangs under a case (contacts, actions, involvements, allocations), which start from the visible cases
# too (privacy.policy.case_condition) and reach their rows by the (case, id) indexes.
API_LISTS = [
    ("/api/v1/cases/?page_size=50", "cases_case"),
    ("/api/v1/households/?page_size=50", "cases_household"),
    ("/api/v1/persons/?page_size=50", "cases_person"),
    ("/api/v1/contacts/?page_size=50", "cases_contact"),
    ("/api/v1/actions/?page_size=50", "cases_action"),
    ("/api/v1/involvements/?page_size=50", "cases_involvement"),
    ("/api/v1/allocations/?page_size=50", "funding_allocation"),
]


def test_every_list_reads_rows_in_proportion_to_what_the_caller_sees(log_in, crowd: Crowd) -> None:
    # One crowd for every list: loading it is most of the test's time.
    bound = ROWS_PER_VISIBLE_CASE * crowd.visible
    lists = [(crowd.caller, url, table) for url, table in API_LISTS] + [
        (crowd.caller, reverse("cases:caseload"), "cases_case"),
        (crowd.lead, reverse("cases:caseload"), "cases_case"),
    ]
    too_many = []
    for user, url, table in lists:
        queries = _list_queries(log_in(user), url, table)
        assert queries, f"{url} ran no SELECT from {table}"
        for sql in queries:
            read = _rows_read(_explain(sql))
            if sum(read.values()) > bound:
                too_many.append((user.username, url, read))
    assert not too_many, f"more than {bound} rows read: {too_many}"

    # The measure itself: a list that filters every case on a condition no index serves reads the crowd.
    sql, params = Case.objects.filter(referral_reason__contains="nergens").order_by("-id")[:51].query.sql_with_params()
    assert _rows_read(_explain(sql, params))["cases_case"] >= CROWD


def test_the_application_plans_its_pages_without_parallel_workers(db) -> None:
    """Parallel workers read ahead of what a page needs; the application's connections do without them."""
    with connection.cursor() as cursor:
        cursor.execute("SHOW max_parallel_workers_per_gather")
        assert cursor.fetchone() == ("0",)


def _nested_loop(outer: str, inner: str, removed: int) -> dict[str, Any]:
    scan = {"Node Type": "Seq Scan", "Actual Rows": 10, "Actual Loops": 1}
    return {
        "Node Type": "Nested Loop",
        "Actual Rows": 10,
        "Actual Loops": 1,
        "Rows Removed by Join Filter": removed,
        "Plans": [
            {**scan, "Relation Name": outer},
            {"Node Type": "Materialize", "Plans": [{**scan, "Relation Name": inner}]},
        ],
    }


def test_the_measure_counts_pairs_compared_between_large_tables_not_with_reference_tables() -> None:
    # Twenty visible cases compared with each of ten areas: what the lead's caseload was planned as in CI.
    assert "(join filter)" not in _rows_read(_nested_loop("organisations_area", "cases_case", 189))
    # Every contact compared with every case: the crowd, however few rows the join returns.
    assert _rows_read(_nested_loop("cases_contact", "cases_case", 26_000_000))["(join filter)"] == 26_000_000


SMALL_PAGE = 5


def _wide_sorts(plan: dict[str, Any], page: int) -> list[tuple[float, list[str]]]:
    """Sorts of more than ``page`` rows that carry more than keys (ids, and ids of other rows): (rows sorted,
    columns carried)."""
    found = []
    if plan.get("Node Type") == "Sort":
        sorted_rows = sum(child.get("Actual Rows", 0) * child.get("Actual Loops", 1) for child in plan["Plans"])
        carried = [column for column in plan.get("Output", []) if not column.endswith((".id", "_id"))]  # keys
        if sorted_rows > page and carried:
            found.append((sorted_rows, carried))
    for child in plan.get("Plans", []):
        found += _wide_sorts(child, page)
    return found


def test_a_page_sorts_keys_and_reads_the_list_columns_only_for_the_page(log_in, crowd: Crowd) -> None:
    """The page's keys are found and sorted first (``common.api.pagination.KeysFirst``); only the page, and the
    one row after it, is read with its columns and references.

    Sliced at once, a list read every row the caller may see with its columns and joins, and sorted them all
    to keep a page: at the national seed a page of cases read and sorted 1,064 cases, each joined to its
    household and team. The caller here sees 25 cases, each with one row of every kind, and asks for pages of 5.
    """
    client = log_in(crowd.caller)
    wide = []
    for url, table in API_LISTS:
        for sql in _list_queries(client, url.replace("page_size=50", f"page_size={SMALL_PAGE}"), table):
            with connection.cursor() as cursor:
                cursor.execute(f"EXPLAIN (ANALYZE, VERBOSE, FORMAT JSON) {sql}")
                (plan,) = cursor.fetchone()
            plan = (json.loads(plan) if isinstance(plan, str) else plan)[0]["Plan"]
            assert plan["Actual Rows"] <= SMALL_PAGE + 1, url
            wide += [(url, found) for found in _wide_sorts(plan, SMALL_PAGE + 1)]
    assert not wide, f"rows sorted with their columns: {wide}"

"""The reading screens of casework: the caseload, the household page and its contact timeline.

Every page starts from ``visible_to(request.user)``; an object the user may
not see answers 404, like one that does not exist. What hangs under a visible
case is reached through its relations (the policy decides per case), except
contacts, which have a confidentiality rule of their own. Each page runs a
fixed number of queries whatever the size of the household or the caseload
(pinned in tests/cases/test_views.py).
"""

from __future__ import annotations

import datetime
import functools
import uuid
import uuid as uuid_module
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import (
    F,
    FilteredRelation,
    JSONField,
    ManyToManyField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.expressions import RawSQL
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from agenda.services import recent_household_record
from agenda.templatetags.agenda import with_agenda_rows
from common.http import AuthenticatedHttpRequest
from common.json_rows import from_json, json_object_sql
from common.paging import OpenEndedPage, page_number
from funding.models import ProductCategory
from funding.selectors import household_funding, with_funding, with_open_blockages
from organisations.models import Area, Organisation, Team, User
from privacy import access_log, policy, purpose
from privacy.access import get_visible_or_404, record_refused
from themes.cache import all_themes
from themes.models import Instrument, InstrumentDomain, Theme

from ..diagram import build_diagram
from ..forms import CaseloadFilterForm, ContactForm
from ..models import (
    Action,
    Case,
    CaseConference,
    Consent,
    Contact,
    Goal,
    Household,
    HouseholdMembership,
    Involvement,
    Measurement,
    MeasurementScore,
    NetworkPerson,
    Person,
    Plan,
    PlanVersion,
)
from ..querysets import CONTACT_OVERDUE_DAYS, CaseQuerySet
from ..trends import scores_overview
from ..viewers import viewers_panel, viewers_read

CASELOAD_PAGE_SIZE = 25
TIMELINE_PAGE_SIZE = 20

CASELOAD_SORTS: dict[str, tuple[Any, ...]] = {
    # No contact at all is the longest ago of all.
    "contact": (F("last_contact_on").asc(nulls_first=True), "referred_on", "id"),
    "-contact": (F("last_contact_on").desc(nulls_last=True), "-referred_on", "-id"),
    "aanmelding": ("referred_on", "id"),
    "-aanmelding": ("-referred_on", "-id"),
}
DEFAULT_SORT = "contact"


def require_casework(request: AuthenticatedHttpRequest, *, detail: str) -> None:
    """The casework screens are for professionals and team leads only; a refused attempt is logged."""
    if not policy.may_see_casework(request.user):
        record_refused(request, detail=detail)
        raise PermissionDenied


# --- Mijn caseload --------------------------------------------------------------------


@dataclass
class CaseloadRow:
    case: Case
    members: list[Person]
    coordinator: User | None
    themes: list[Theme]


@functools.cache
def _caseload_people_sql() -> tuple[str, str]:
    """The current members of the case's household (the rule of ``HouseholdMembership.objects.current``, on
    the day given twice), and the name of its active coordinator, as JSON."""
    membership, person = HouseholdMembership._meta.db_table, Person._meta.db_table
    case, involvement, user = Case._meta.db_table, Involvement._meta.db_table, User._meta.db_table
    members = f"""
        SELECT jsonb_agg({json_object_sql(Person, "p")} ORDER BY m.start_date, m.id)
          FROM {membership} m JOIN {person} p ON p.id = m.person_id
         WHERE m.household_id = {case}.household_id AND m.start_date <= %s AND (m.end_date IS NULL OR m.end_date >= %s)
    """  # noqa: S608 - table and column names from the models; the day a parameter
    coordinator = f"""
        SELECT jsonb_build_object('id', u.id, 'username', u.username, 'first_name', u.first_name,
                                  'last_name', u.last_name)
          FROM {involvement} i JOIN {user} u ON u.id = i.professional_id
         WHERE i.case_id = {case}.id AND i.is_coordinator AND i.end_date IS NULL
         LIMIT 1
    """  # noqa: S608 - table and column names from the models, no values
    return members, coordinator


def with_caseload_people(cases: CaseQuerySet, day: datetime.date) -> CaseQuerySet:
    """The cases with their household's current members and their coordinator's name read in the same
    query (``caseload_people``): two queries fewer than prefetching them. Computed for the rows of the
    page only: PostgreSQL evaluates them after the sort and the limit."""
    members, coordinator = _caseload_people_sql()
    return cases.annotate(
        member_rows=RawSQL(f"({members})", (day, day), output_field=JSONField()),  # noqa: S611
        coordinator_row=RawSQL(f"({coordinator})", (), output_field=JSONField()),  # noqa: S611
    )


def caseload_people(case: Case) -> tuple[list[Person], User | None]:
    """The members and the coordinator read with the case (``with_caseload_people``). The coordinator has
    only the fields its name needs (id, username, first and last name) loaded."""
    db = case._state.db or "default"
    members = [from_json(Person, row, db) for row in case.member_rows or []]  # type: ignore[attr-defined]
    row = case.coordinator_row  # type: ignore[attr-defined]
    if not row:
        return members, None
    # In the model's field order, as ``from_db`` takes the values of the fields it is given.
    names = [field.attname for field in User._meta.concrete_fields if field.attname in row]
    return members, User.from_db(db, names, [row[name] for name in names])


def sorted_caseload(cases: CaseQuerySet, sort: str) -> CaseQuerySet:
    if sort == "status":
        return cases.order_by_status()
    return cases.order_by(*CASELOAD_SORTS.get(sort, CASELOAD_SORTS[DEFAULT_SORT]))


@login_required
@require_GET
def caseload(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Mijn caseload: one's open cases (a team lead: the team's), with who, what and when."""
    user = request.user
    require_casework(request, detail="caseload")
    my_teams = policy.team_ids_of(user)
    themes = all_themes()
    areas = list(
        Area.objects.filter(Q(teams__in=my_teams) | Q(children__teams__in=my_teams)).distinct().order_by("code")
    )
    form = CaseloadFilterForm(request.GET, themes=themes, areas=areas)
    form.is_valid()  # invalid choices are reported next to their field and ignored
    filters = getattr(form, "cleaned_data", {})

    cases = Case.objects.caseload_for(user)
    if filters.get("status"):
        cases = cases.filter(status=filters["status"])
    if filters.get("thema"):
        cases = cases.on_theme(filters["thema"])
    if filters.get("gebied"):
        cases = cases.in_area(filters["gebied"])
    sort = filters.get("sorteer") or DEFAULT_SORT
    # Only a team lead's list names each case's team: a professional's query leaves that join out, whose
    # misestimated nested loop over every team made its plan slower to find and to run.
    is_team_view = policy.oversees_team_cases(user)
    related = ["household__neighbourhood__parent", *(["team"] if is_team_view else [])]
    cases = sorted_caseload(
        with_caseload_people(cases.with_caseload_summary(user).select_related(*related), timezone.localdate()),
        sort,
    )
    page = Paginator(cases, CASELOAD_PAGE_SIZE).get_page(request.GET.get("pagina"))
    themes_by_code = {theme.code: theme for theme in themes}
    rows = []
    for case in page.object_list:
        members, coordinator = caseload_people(case)
        rows.append(
            CaseloadRow(
                case=case,
                members=members,
                coordinator=coordinator,
                themes=[themes_by_code[code] for code in case.theme_codes if code in themes_by_code],  # type: ignore[attr-defined]
            )
        )
    access_log.record_many(
        user=user,
        action=access_log.Action.READ,
        subjects=[access_log.subject_for(row.case) for row in rows],
        request=request,
        detail="caseload",
    )
    return render(
        request,
        "cases/caseload.html",
        {
            "form": form,
            "page": page,
            "rows": rows,
            "sort": sort,
            "teams": Team.objects.filter(pk__in=my_teams).order_by("name"),
            "is_team_view": is_team_view,
            "overdue_days": CONTACT_OVERDUE_DAYS,
        },
    )


# --- The household page ---------------------------------------------------------------


@dataclass
class TimelineEntry:
    contact: Contact
    themes: list[Theme]
    # The reader wrote it and the case is open: the entry links to the correction form.
    correctable: bool


def timeline_page(
    *, user: User, case: Case, number: int, themes: Sequence[Theme]
) -> tuple[list[TimelineEntry], int | None]:
    """One page of the case's contacts the user may read, newest first, and the next page's number if any.

    ``case`` must come through ``Case.objects.visible_to(user)`` (both callers fetch it so): then only
    the confidentiality rule is left to apply per contact. One query: the page is fetched with one
    row extra to know whether more follow.
    """
    start = (number - 1) * TIMELINE_PAGE_SIZE
    contacts = list(
        Contact.objects.readable_on_visible_case(user)
        .filter(case=case)
        .timeline()
        .select_related("author", "author_organisation")[start : start + TIMELINE_PAGE_SIZE + 1]
    )
    by_code = {theme.code: theme for theme in themes}
    entries = [
        TimelineEntry(
            contact=contact,
            themes=[by_code[code] for code in contact.themes if code in by_code],
            correctable=case.is_open and contact.author_id == user.pk,
        )
        for contact in contacts[:TIMELINE_PAGE_SIZE]
    ]
    return entries, (number + 1 if len(contacts) > TIMELINE_PAGE_SIZE else None)


def chosen_case(cases: Sequence[Case], wanted: str | None) -> Case:
    """The case asked for in ``?casus=``, else the open one, else the latest (``cases`` come in that order)."""
    if wanted:
        for case in cases:
            if str(case.uuid) == wanted:
                return case
    return cases[0]


# ``ActionQuerySet.open()`` leaves these out.
CLOSED_ACTION_STATUSES = frozenset({Action.Status.DONE, Action.Status.CANCELLED})


def in_period(row: HouseholdMembership, day: datetime.date) -> bool:
    """The rule of ``HouseholdMembership.objects.current``, on a loaded row."""
    return row.start_date <= day and (row.end_date is None or row.end_date >= day)


def is_running(row: Involvement, day: datetime.date) -> bool:
    """The rule of ``Involvement.objects.active``, on a loaded row: the end date gives no access."""
    return row.start_date <= day and (row.end_date is None or row.end_date > day)


def consent_state(consent: Consent, today: datetime.date) -> str:
    if consent.revoked_on and consent.revoked_on <= today:
        return "revoked"
    if consent.expires_on and consent.expires_on < today:
        return "expired"
    return "given" if consent.is_valid_on(today) else "pending"


def household_context(*, user: User, household: Household, case: Case, cases: Sequence[Case]) -> dict[str, Any]:
    """Everything the household page shows, in a fixed number of queries.

    ``household`` and ``case`` come from ``visible_to``; what hangs under them
    is prefetched through their relations, which the access policy covers (it
    decides per case). Contacts are the exception: their confidentiality is a
    rule of its own, so the timeline goes through ``Contact.objects.visible_to``.
    Prefetching also keeps the policy's subqueries out of twenty queries, whose
    compilation was most of the page's time.
    """
    today = timezone.localdate()
    themes = all_themes()
    # The involvements of every case shown, not only of the chosen one: the funding panel counts the
    # fragmentation over the open ones from them (``household_funding``), one query fewer.
    all_involvements = {shown.pk: involvements_of(shown) for shown in cases}
    # Likewise the actions of every case shown, with what the funding panel shows of each (spent,
    # blocked, the silos paying, the open blockages) and the name of their product category: the plan's
    # actions and the funding panel's are one query.
    all_actions = list(
        with_open_blockages(with_funding(Action.objects.filter(case__in=[shown.pk for shown in cases])))
        .select_related("theme", "delivering_organisation", "beneficiary")
        .annotate(
            product_category_name=Subquery(
                ProductCategory.objects.filter(code=OuterRef("product_code")).values("name")[:1]
            )
        )
        .order_by("theme__order", F("start_date").asc(nulls_last=True), "id")
    )
    plan = _current_plan_version(case)
    goals = goals_of(case, themes) if plan is not None else []
    conferences = conferences_of(case)
    consents = consents_of(case)
    # The current members, active involvements and open actions are picked from the full lists in
    # Python, with the same rules as their querysets (``current``, ``active``, ``open``): three
    # queries fewer, and their compilation was a good part of the page's time.
    memberships = memberships_of(household)
    current_members = [membership for membership in memberships if in_period(membership, today)]
    involvements = all_involvements[case.pk]
    active_involvements = [involvement for involvement in involvements if is_running(involvement, today)]
    actions = [action for action in all_actions if action.case_id == case.pk]
    # A conference's agreed actions are actions of its case (services.conference_record): picked from
    # those already loaded, one query fewer.
    for conference in conferences:
        conference.agreed_actions = sorted(  # type: ignore[attr-defined]
            (action for action in actions if action.conference_id == conference.pk), key=lambda action: action.pk
        )
    open_actions = [action for action in actions if action.status not in CLOSED_ACTION_STATUSES]
    network = network_of(household, memberships)
    current_network = [entry for entry in network if entry.end_date is None or entry.end_date > today]
    current_ids = {membership.pk for membership in current_members}
    timeline, next_page = timeline_page(user=user, case=case, number=1, themes=themes)
    funding = household_funding(
        household,
        user,
        visible_cases=cases,
        actions=all_actions,
        involvements=[row for rows in all_involvements.values() for row in rows],
    )
    diagram = build_diagram(
        household=household,
        user=user,
        visible_cases=cases,
        paying=funding.paying,
        fragmentation=funding.fragmentation,
        themes=themes,
        active_involvements=active_involvements,
        open_actions=open_actions,
        members=current_members,
        network=current_network,
    )
    return {
        "household": household,
        "case": case,
        "cases": cases,
        "other_cases": [other for other in cases if other.pk != case.pk],
        "current_members": current_members,
        "earlier_memberships": [membership for membership in memberships if membership.pk not in current_ids],
        "memberships": memberships,
        "current_network": current_network,
        "earlier_network": [entry for entry in network if entry not in current_network],
        "may_open_new_case": not any(shown.is_open for shown in cases),
        "involvements": involvements,
        "active_involvements": active_involvements,
        "coordinator": next((involvement for involvement in active_involvements if involvement.is_coordinator), None),
        "diagram": diagram,
        "funding": funding,
        "plan": plan,
        "goals": goals,
        "actions": actions,
        "timeline": timeline,
        "next_page": next_page,
        # The scores with their measurements, read with the case (the overview shows nothing of a measurement
        # without scores).
        "measurements": scores_overview(scores_of(case)),
        "conferences": conferences,
        "consents": [(consent, consent_state(consent, today)) for consent in consents],
        "contact_form": ContactForm(themes=themes) if case.is_open else None,
        "may_use_meldcode": policy.may_use_meldcode(user, case.pk, running_involvements=active_involvements),
        "may_request_transfer": policy.may_request_transfer(user, case.pk, case.team_id, involvements=involvements),
        "today": today,
    }


@functools.cache
def _membership_rows_sql() -> str:
    membership, person = HouseholdMembership._meta.db_table, Person._meta.db_table
    return f"""
        SELECT jsonb_agg({json_object_sql(HouseholdMembership, "m")} || jsonb_build_object(
                   'person', {json_object_sql(Person, "p")}) ORDER BY m.start_date, m.id)
          FROM {membership} m JOIN {person} p ON p.id = m.person_id
         WHERE m.household_id = {Household._meta.db_table}.id
    """  # noqa: S608 - table and column names from the models, no values


def with_membership_rows(households: QuerySet[Household]) -> QuerySet[Household]:
    """The households with every membership (past ones too) and its person read in the same query, as JSON
    rows by start date; ``memberships_of`` turns them back into objects: one query fewer than a prefetch.

    The members are visible with their household, as the network is (``with_network_rows``).
    """
    return households.annotate(membership_rows=RawSQL(f"({_membership_rows_sql()})", (), output_field=JSONField()))  # noqa: S611


def memberships_of(household: Household) -> list[HouseholdMembership]:
    """The memberships read with the household (``with_membership_rows``), by start date, each with its person."""
    if not hasattr(household, "membership_rows"):  # not read with the household: one query of its own
        return list(household.memberships.select_related("person").order_by("start_date", "id"))
    db = household._state.db or "default"
    memberships = []
    for row in household.membership_rows or []:  # NULL: no members
        membership = from_json(HouseholdMembership, row, db)
        membership.person = from_json(Person, row["person"], db)
        memberships.append(membership)
    return memberships


@functools.cache
def _network_rows_sql() -> str:
    network, person = NetworkPerson._meta.db_table, Person._meta.db_table
    return f"""
        SELECT jsonb_agg({json_object_sql(NetworkPerson, "n")} || jsonb_build_object(
                   'related_to', {json_object_sql(Person, "p")}) ORDER BY n.name, n.id)
          FROM {network} n LEFT JOIN {person} p ON p.id = n.related_to_id
         WHERE n.household_id = {Household._meta.db_table}.id
    """  # noqa: S608 - table and column names from the models, no values


def with_network_rows(households: QuerySet[Household]) -> QuerySet[Household]:
    """The households with the network around each (ecogram) read in the same query, as JSON rows.

    The network is visible with its household, as its members are; ``network_of`` turns the rows back
    into ``NetworkPerson`` objects with their ``related_to`` person: one query fewer than a prefetch.
    """
    return households.annotate(network_rows=RawSQL(f"({_network_rows_sql()})", (), output_field=JSONField()))  # noqa: S611


def network_of(household: Household, memberships: Sequence[HouseholdMembership]) -> list[NetworkPerson]:
    """The network read with the household (``with_network_rows``), by name; each related to the member's
    person already loaded with the memberships, or to the person read with the row."""
    if not hasattr(household, "network_rows"):  # not read with the household: one query of its own
        return list(household.network.select_related("related_to").order_by("name", "id"))
    rows = household.network_rows or []  # NULL: nobody in the network
    db = household._state.db or "default"
    persons = {membership.person_id: membership.person for membership in memberships}
    entries = []
    for row in rows:
        entry = from_json(NetworkPerson, row, db)
        related = row["related_to"]
        entry.related_to = persons.get(entry.related_to_id) or from_json(Person, related, db)
        entries.append(entry)
    return entries


def _current_plan_version(case: Case) -> PlanVersion | None:
    """The plan's current version, read with the case (``with_current_plan_version``)."""
    # Django leaves the attribute unset when the join found no version.
    version: PlanVersion | None = getattr(case, "current_plan_version", None)
    return version if version is not None and version.pk is not None else None


@functools.cache
def _goal_rows_sql() -> str:
    goal, version, plan = Goal._meta.db_table, PlanVersion._meta.db_table, Plan._meta.db_table
    # The current version's goals: the rule of ``GoalQuerySet.current`` (its number is the plan's version).
    return f"""
        SELECT jsonb_agg({json_object_sql(Goal, "g")} ORDER BY g."order", g.id)
          FROM {goal} g JOIN {version} v ON v.id = g.plan_version_id JOIN {plan} p ON p.id = v.plan_id
         WHERE p.case_id = {Case._meta.db_table}.id AND v.number = p.version
    """  # noqa: S608 - table and column names from the models, no values


def with_current_plan_version(cases: QuerySet[Case]) -> QuerySet[Case]:
    """The cases with their plan's current version (its number is the plan's version) and its author, in
    the same query: ``case.current_plan_version``, None without a plan or version; and that version's
    goals as JSON rows in their order (``goals_of``), one query fewer than a prefetch."""
    return cases.annotate(
        current_plan_version=FilteredRelation("plan__versions", condition=Q(plan__versions__number=F("plan__version"))),
        goal_rows=RawSQL(f"({_goal_rows_sql()})", (), output_field=JSONField()),  # noqa: S611
    ).select_related("plan", "current_plan_version__created_by")  # type: ignore[misc]  # the stubs know no alias


@functools.cache
def _conference_and_consent_rows_sql() -> tuple[str, str]:
    """The case's conferences and consents (newest first, as their models order them), each with the names
    the page shows: the participants' (their full name, else their username) and the organisations'."""
    case, user, person = Case._meta.db_table, User._meta.db_table, Person._meta.db_table
    participants = CaseConference._meta.get_field("participants")
    organisations = Consent._meta.get_field("organisations")
    assert isinstance(participants, ManyToManyField) and isinstance(organisations, ManyToManyField)
    conferences = f"""
        SELECT jsonb_agg({json_object_sql(CaseConference, "c")} || jsonb_build_object('participant_names', (
                   SELECT coalesce(jsonb_agg(coalesce(nullif(trim(u.first_name || ' ' || u.last_name), ''), u.username)
                                             ORDER BY u.last_name, u.first_name), '[]'::jsonb)
                     FROM {participants.m2m_db_table()} t JOIN {user} u ON u.id = t.{participants.m2m_reverse_name()}
                    WHERE t.{participants.m2m_column_name()} = c.id)) ORDER BY c.held_on DESC, c.id DESC)
          FROM {CaseConference._meta.db_table} c
         WHERE c.case_id = {case}.id
    """  # noqa: S608 - table and column names from the models, no values
    consents = f"""
        SELECT jsonb_agg({json_object_sql(Consent, "k")} || jsonb_build_object(
                   'person', {json_object_sql(Person, "p")},
                   'organisation_names', (
                   SELECT coalesce(jsonb_agg(o.name ORDER BY o.name), '[]'::jsonb)
                     FROM {organisations.m2m_db_table()} t
                          JOIN {Organisation._meta.db_table} o ON o.id = t.{organisations.m2m_reverse_name()}
                    WHERE t.{organisations.m2m_column_name()} = k.id)) ORDER BY k.given_on DESC, k.id DESC)
          FROM {Consent._meta.db_table} k JOIN {person} p ON p.id = k.person_id
         WHERE k.case_id = {case}.id
    """  # noqa: S608 - table and column names from the models, no values
    return conferences, consents


# A professional's password hash stays in the database: the page needs their name and how to reach them.
WITHOUT_PASSWORD = ("password",)


@functools.cache
def _involvement_rows_sql() -> str:
    """The case's involvements, coordinator first, each with its professional and organisation."""
    involvement, user, organisation = Involvement._meta.db_table, User._meta.db_table, Organisation._meta.db_table
    return f"""
        SELECT jsonb_agg({json_object_sql(Involvement, "i")} || jsonb_build_object(
                   'professional', {json_object_sql(User, "u", WITHOUT_PASSWORD)},
                   'organisation', {json_object_sql(Organisation, "o")})
                   ORDER BY i.is_coordinator DESC, i.start_date, i.id)
          FROM {involvement} i JOIN {user} u ON u.id = i.professional_id
               JOIN {organisation} o ON o.id = i.organisation_id
         WHERE i.case_id = {Case._meta.db_table}.id
    """  # noqa: S608 - table and column names from the models, no values


def with_involvement_rows(cases: QuerySet[Case]) -> QuerySet[Case]:
    """The cases with their involvements read in the same query, as JSON rows (``involvements_of``): one query
    fewer than prefetching them. They hang under a case that passed the policy."""
    return cases.annotate(involvement_rows=RawSQL(f"({_involvement_rows_sql()})", (), output_field=JSONField()))  # noqa: S611


def involvements_of(case: Case) -> list[Involvement]:
    """The involvements read with the case (``with_involvement_rows``), coordinator first, then by start, each
    with its professional (without the password hash, left deferred) and organisation."""
    if not hasattr(case, "involvement_rows"):  # not read with the case: one query of its own
        return list(
            case.involvements.select_related("professional", "organisation").order_by(
                "-is_coordinator", "start_date", "id"
            )
        )
    db = case._state.db or "default"
    involvements = []
    for row in case.involvement_rows or []:  # NULL: nobody involved
        involvement = from_json(Involvement, row, db)
        involvement.professional = from_json(User, row["professional"], db, WITHOUT_PASSWORD)
        involvement.organisation = from_json(Organisation, row["organisation"], db)
        involvements.append(involvement)
    return involvements


@functools.cache
def _score_rows_sql() -> str:
    """The case's measurement scores in the measurements' date order, each with its measurement (with the
    person measured and the instrument) and its domain: what ``scores_overview`` needs."""
    score, measurement = MeasurementScore._meta.db_table, Measurement._meta.db_table
    instrument, domain = Instrument._meta.db_table, InstrumentDomain._meta.db_table
    return f"""
        SELECT jsonb_agg({json_object_sql(MeasurementScore, "s")} || jsonb_build_object(
                   'measurement', {json_object_sql(Measurement, "m")} || jsonb_build_object(
                       'person', {json_object_sql(Person, "p")}, 'instrument', {json_object_sql(Instrument, "i")}),
                   'domain', {json_object_sql(InstrumentDomain, "d")}) ORDER BY m.measured_on, m.id, d."order")
          FROM {score} s JOIN {measurement} m ON m.id = s.measurement_id
               JOIN {Person._meta.db_table} p ON p.id = m.person_id
               JOIN {instrument} i ON i.id = m.instrument_id JOIN {domain} d ON d.id = s.domain_id
         WHERE m.case_id = {Case._meta.db_table}.id
    """  # noqa: S608 - table and column names from the models, no values


def with_score_rows(cases: QuerySet[Case]) -> QuerySet[Case]:
    """The cases with their measurement scores read in the same query, as JSON rows (``scores_of``): one query
    fewer than reading them on their own. They hang under a case that passed the policy."""
    return cases.annotate(score_rows=RawSQL(f"({_score_rows_sql()})", (), output_field=JSONField()))  # noqa: S611


def scores_of(case: Case) -> list[MeasurementScore]:
    """The scores read with the case (``with_score_rows``), in the measurements' date order, each with its
    measurement (one object per measurement, with its person and instrument) and its domain."""
    if not hasattr(case, "score_rows"):  # not read with the case: one query of its own
        return list(
            MeasurementScore.objects.filter(measurement__case=case)
            .select_related("measurement__person", "measurement__instrument", "domain")
            .order_by("measurement__measured_on", "measurement_id", "domain__order")
        )
    db = case._state.db or "default"
    measurements: dict[int, Measurement] = {}
    scores = []
    for row in case.score_rows or []:  # NULL: no scores
        score = from_json(MeasurementScore, row, db)
        measurement = measurements.get(score.measurement_id)
        if measurement is None:
            measured = row["measurement"]
            measurement = measurements[score.measurement_id] = from_json(Measurement, measured, db)
            measurement.person = from_json(Person, measured["person"], db)
            measurement.instrument = from_json(Instrument, measured["instrument"], db)
        score.measurement = measurement
        score.domain = from_json(InstrumentDomain, row["domain"], db)
        scores.append(score)
    return scores


def with_conference_and_consent_rows(cases: QuerySet[Case]) -> QuerySet[Case]:
    """The cases with their conferences and consents read in the same query, as JSON rows (``conferences_of``,
    ``consents_of``): two queries fewer than prefetching them. They hang under a case that passed the policy."""
    conferences, consents = _conference_and_consent_rows_sql()
    return cases.annotate(
        conference_rows=RawSQL(f"({conferences})", (), output_field=JSONField()),  # noqa: S611
        consent_rows=RawSQL(f"({consents})", (), output_field=JSONField()),  # noqa: S611
    )


def conferences_of(case: Case) -> list[CaseConference]:
    """The conferences read with the case (``with_conference_and_consent_rows``), newest first, each with
    ``participant_names``."""
    db = case._state.db or "default"
    conferences = []
    for row in getattr(case, "conference_rows", None) or []:  # NULL: none
        conference = from_json(CaseConference, row, db)
        conference.participant_names = row["participant_names"]  # type: ignore[attr-defined]
        conferences.append(conference)
    return conferences


def consents_of(case: Case) -> list[Consent]:
    """The consents read with the case (``with_conference_and_consent_rows``), newest first, each with its
    person and ``organisation_names``."""
    db = case._state.db or "default"
    consents = []
    for row in getattr(case, "consent_rows", None) or []:  # NULL: none
        consent = from_json(Consent, row, db)
        consent.person = from_json(Person, row["person"], db)
        consent.organisation_names = row["organisation_names"]  # type: ignore[attr-defined]
        consents.append(consent)
    return consents


def goals_of(case: Case, themes: Sequence[Theme]) -> list[Goal]:
    """The goals of the case's current plan version read with the case (``with_current_plan_version``), each
    with its theme from ``themes`` (``all_themes``)."""
    db = case._state.db or "default"
    by_id = {theme.pk: theme for theme in themes}
    goals = []
    for row in getattr(case, "goal_rows", None) or []:  # NULL: no goals
        goal = from_json(Goal, row, db)
        if goal.theme_id in by_id:  # else a theme newer than the process's copy, read when shown
            goal.theme = by_id[goal.theme_id]
        goals.append(goal)
    return goals


@login_required
@require_GET
def household_detail(request: AuthenticatedHttpRequest, uuid: uuid.UUID) -> HttpResponse:
    """Het gezin centraal: the members in the middle, everyone involved around them, the plan and the timeline."""
    user = request.user
    household = get_visible_or_404(
        with_membership_rows(with_network_rows(Household.objects.select_related("neighbourhood__parent"))),
        request,
        log_read=False,
        uuid=uuid,
    )
    # Open cases first, then the latest; a household the user sees has at least one case they see.
    cases = list(
        with_agenda_rows(
            with_involvement_rows(
                with_score_rows(
                    with_conference_and_consent_rows(
                        with_current_plan_version(Case.objects.visible_to(user).filter(household=household))
                    )
                )
            )
        )
        .select_related("team")
        .order_by(F("closed_on").desc(nulls_first=True), "-referred_on", "-id")
    )
    read_purpose, ask = purpose.screen_purpose(request, household, case_ids=[shown.pk for shown in cases])
    if ask is not None:
        return ask
    case = chosen_case(cases, request.GET.get("casus"))
    context = household_context(user=user, household=household, case=case, cases=cases)
    if read_purpose is None:
        # The reader's own involvements in the case shown (already loaded) say what they read it for.
        read_purpose = purpose.household_purpose(
            role=user.role,
            user_id=user.pk,
            involvements=[row for row in context["involvements"] if in_period(row, context["today"])],
        )
    coordinator = context["coordinator"]
    # The "who viewed" panel reads the log before this page adds its own rows to it.
    context["viewers"] = viewers_panel(
        request, household, coordinates=coordinator is not None and coordinator.professional_id == user.pk
    )
    # The household, every case named on the page and the "who viewed" panel, in one INSERT.
    access_log.record_many(
        user=user,
        action=access_log.Action.READ,
        subjects=[
            access_log.subject_for(household),
            *(access_log.subject_for(shown) for shown in cases),
            *([viewers_read(household)] if context["viewers"] is not None else []),
        ],
        request=request,
        detail="household page",
        **read_purpose.as_log(),
    )
    recent_household_record(user=user, household_id=household.pk)
    return render(request, "cases/household.html", context)


@login_required
def household_purpose(request: AuthenticatedHttpRequest, uuid: uuid.UUID) -> HttpResponse:
    """Why a reader opens a household outside their usual purpose: asked once per household and session.

    The page shows nothing of the household; the policy decides first (a refused attempt is logged).
    """
    household = get_visible_or_404(
        Household.objects.all(), request, log_read=False, detail="household purpose", uuid=uuid
    )
    form = purpose.PurposeForm(request.POST or None)
    case_param = request.POST.get("casus") or request.GET.get("casus") or ""
    # The screen that asked (the funding page, a case form): a path of this site only.
    back = purpose.safe_next(request, request.POST.get(purpose.NEXT_PARAM) or request.GET.get(purpose.NEXT_PARAM))
    if request.method == "POST" and form.is_valid():
        purpose.remember_reason(request.session, household.pk, form.logged_reason())
        return redirect(back or with_case(reverse("cases:household", args=[household.uuid]), case_param))
    context = {"form": form, "household": household, "casus": valid_uuid(case_param), "next": back}
    return render(request, "cases/household_purpose.html", context)


def valid_uuid(value: str | None) -> str:
    try:
        return str(uuid_module.UUID(value)) if value else ""
    except ValueError:
        return ""


def with_case(url: str, case_param: str | None) -> str:
    """The household URL with the chosen case: only a case uuid travels along, never a free URL."""
    case_uuid = valid_uuid(case_param)
    return f"{url}?casus={case_uuid}" if case_uuid else url


@login_required
@require_GET
def contact_list(request: AuthenticatedHttpRequest, uuid: uuid.UUID) -> HttpResponse:
    """A page of the contact timeline: htmx appends it under the household page, without JS it is a page."""
    user = request.user
    case = get_visible_or_404(
        Case.objects.select_related("household"), request, detail="contacts", log_read=False, uuid=uuid
    )
    read_purpose, ask = purpose.screen_purpose(request, case.household)
    if ask is not None:
        return ask
    number = page_number(request)
    timeline, next_page = timeline_page(user=user, case=case, number=number, themes=all_themes())
    access_log.record(
        user=user,
        action=access_log.Action.READ,
        subject=access_log.subject_for(case),
        request=request,
        detail="contacts",
        **(read_purpose.as_log() if read_purpose else {}),
    )
    context = {
        "case": case,
        "household": case.household,
        "timeline": timeline,
        "number": number,
        "next_page": next_page,
        "page": OpenEndedPage(number=number, has_next=next_page is not None),
    }
    if request.htmx:
        return render(request, "cases/household/_timeline_more.html", context)
    return render(request, "cases/contact_list.html", context)

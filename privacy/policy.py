"""The access policy: the one place that decides which personal data a user may see.

Every queryset that reaches personal data starts from ``visible_to(user)`` on
its model's QuerySet, and those methods ask this module. Nobody filters by hand
in a view or a template.

Need-to-know, as the domain brief sets it:
- a professional or team lead sees the cases of the teams they currently belong
  to, and the cases they are currently involved in, with the households and
  persons of those cases;
- a contact marked "own organisation only" is visible only inside the
  organisation of the professional who logged it;
- the programme bureau, auditors, the privacy officer and the administrator
  see no personal data through these querysets at all.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from organisations.models import Role, Team, TeamMembership, User

CASEWORK_ROLES = frozenset({Role.PROFESSIONAL, Role.TEAM_LEAD})


def may_see_casework(user: User | AnonymousUser | None) -> bool:
    return bool(
        user is not None and user.is_authenticated and user.is_active and getattr(user, "role", None) in CASEWORK_ROLES
    )


def case_condition(user: User | AnonymousUser | None, prefix: str = "") -> Q:
    """A filter on Case (or, with ``prefix``, on a model reaching Case through ``prefix``).

    On Case itself: the case's id among :func:`visible_case_ids`, which the
    planner starts from (the user's teams and involvements), so a list of cases,
    households or persons costs what the user may see, not what the database
    holds. An OR of two correlated EXISTS cannot use an index: every case list
    walked all cases and filtered them (issue 17).

    Under ``prefix`` (contacts, actions, involvements, allocations…) the check
    stays per row: is the row's case in one of my teams, or am I involved in it.
    The set form made PostgreSQL compare every row with the whole set, or fetch
    every child row of every visible case before sorting (a team's contacts:
    77,000 rows for a page of 50, 0.4 s at the ``municipality`` seed, against
    a few milliseconds for the per-row check). The per-row check walks the
    child table in the list's order until the page is full.
    """
    if not may_see_casework(user):
        return Q(pk__in=[])
    assert isinstance(user, User)
    if not prefix:
        return Q(pk__in=visible_case_ids(user))
    from cases.models import Involvement

    today = timezone.localdate()
    in_my_team = Exists(
        TeamMembership.objects.current(on=today).filter(user_id=user.pk, team_id=OuterRef(f"{prefix}team"))
    )
    involved = Exists(
        Involvement.objects.active(on=today).filter(professional_id=user.pk, case_id=OuterRef(f"{prefix}pk"))
    )
    return Q(in_my_team) | Q(involved)


def visible_case_ids(user: User, column: str = "id") -> QuerySet[Any]:
    """The ids of the cases a casework user sees: the two ways in, each served by an index on its own key.

    The cases of the teams they belong to now (``case_team_id_idx``: team, id,
    covering the household) and the cases they are involved in now
    (``involvement_professional_idx``: professional, case), as one UNION ALL; a
    case reached both ways counts once in ``IN``. ``column`` picks another
    column of those cases instead of the id (``household_id`` for the household
    lists, read from the index alone). The caller has checked ``may_see_casework``.
    """
    from cases.models import Case, Involvement

    today = timezone.localdate()
    my_teams = TeamMembership.objects.current(on=today).filter(user_id=user.pk).values("team_id")
    in_my_team = Case.objects.filter(team_id__in=my_teams).order_by().values(column)
    involved = (
        Involvement.objects.active(on=today)
        .filter(professional_id=user.pk)
        .order_by()
        .values("case_id" if column == "id" else f"case__{column}")
    )
    return in_my_team.union(involved, all=True)


def household_condition(user: User | AnonymousUser | None) -> Q:
    """A filter on Household: the households of the cases the user sees (:func:`case_condition`)."""
    if not may_see_casework(user):
        return Q(pk__in=[])
    assert isinstance(user, User)
    return Q(pk__in=visible_case_ids(user, "household_id"))


def contact_condition(user: User | AnonymousUser | None) -> Q:
    """Contacts of visible cases, minus other organisations' confidential notes."""
    if not may_see_casework(user):
        return Q(pk__in=[])
    return case_condition(user, prefix="case__") & confidentiality_condition(user)


def confidentiality_condition(user: User | AnonymousUser | None) -> Q:
    """The confidentiality rule alone: for contacts of a case the user already reached through ``visible_to``."""
    if not may_see_casework(user):
        return Q(pk__in=[])
    organisation_id = getattr(user, "organisation_id", None)
    return Q(confidentiality="all") | Q(confidentiality="own_org", author_organisation_id=organisation_id)


def may_see_who_viewed(user: User | AnonymousUser | None, household_id: int) -> bool:
    """ "Who viewed this household" is for its coordinator and the team lead of the team that owns its case.

    The active coordinator of one of the household's cases, or a team lead who
    currently belongs to the team owning one of them (NEN 7513: the one
    responsible for the care relation may check who looked). One query.
    """
    if not may_see_casework(user):
        return False
    assert isinstance(user, User)
    from cases.models import Case, Involvement

    coordinates = Exists(
        Involvement.objects.active().filter(case_id=OuterRef("pk"), professional_id=user.pk, is_coordinator=True)
    )
    condition = Q(coordinates)
    if user.role == Role.TEAM_LEAD:
        condition |= Q(team_id__in=TeamMembership.objects.current().filter(user_id=user.pk).values("team_id"))
    return Case.objects.filter(condition, household_id=household_id).exists()


def may_see_membership_changes(user: User | AnonymousUser | None) -> bool:
    """A team lead reads who joined or left their teams, and who made the change (issue #12)."""
    return bool(
        user is not None and user.is_authenticated and user.is_active and getattr(user, "role", None) == Role.TEAM_LEAD
    )


def may_handle_privacy(user: User | AnonymousUser | None) -> bool:
    """The privacy officer reads the access log and handles data-subject requests."""
    return bool(
        user is not None
        and user.is_authenticated
        and user.is_active
        and getattr(user, "role", None) == Role.PRIVACY_OFFICER
    )


def data_subject_condition(user: User | AnonymousUser | None) -> Q:
    """Persons a user may look up for a data-subject request: all for the privacy officer, none for others.

    This is the one door to persons that is not need-to-know casework: it
    exists for articles 15 and 17, is narrow (exact BSN or case reference) and
    every use is logged.
    """
    return Q() if may_handle_privacy(user) else Q(pk__in=[])


# --- Funding: aggregates, the blockage register and spend imports ------------------
#
# The programme bureau and the municipal funding auditor see funding data without
# personal data: pseudonymous case references, areas, silos, themes, amounts and
# dates. Their view is bounded to the municipality of their own organisation.

FUNDING_AGGREGATE_ROLES = frozenset({Role.PROGRAMME_BUREAU, Role.AUDITOR})


def _has_role(user: User | AnonymousUser, roles: frozenset[str]) -> bool:
    return bool(user.is_authenticated and user.is_active and getattr(user, "role", None) in roles)


def may_see_funding_aggregates(user: User | AnonymousUser) -> bool:
    """The funding-flow audit: budget, allocated and spent per silo, area and period."""
    return _has_role(user, FUNDING_AGGREGATE_ROLES) and funding_municipality_id(user) is not None


def may_see_case_references(user: User | AnonymousUser) -> bool:
    """The case references behind a cell of the funding audit, and its counts as they are.

    Only the auditor: tracing money to cases is their audit, and they see exact, pseudonymous
    counts labelled as not for publication. The programme bureau sees aggregates only, so no
    drill-down at all, beneath a suppressed cell or any other.
    """
    return _has_role(user, frozenset({Role.AUDITOR})) and funding_municipality_id(user) is not None


def may_see_blockage_register(user: User | AnonymousUser) -> bool:
    """The register of blockages by pseudonymous case reference (no names, no notes)."""
    return may_see_funding_aggregates(user)


def may_escalate_beyond_team(user: User | AnonymousUser) -> bool:
    """Only the programme bureau takes a blockage to the municipality and the Rijk, and records the outcome."""
    return _has_role(user, frozenset({Role.PROGRAMME_BUREAU})) and funding_municipality_id(user) is not None


def may_import_spend(user: User | AnonymousUser) -> bool:
    return _has_role(user, frozenset({Role.AUDITOR})) and funding_municipality_id(user) is not None


def spend_import_condition(user: User | AnonymousUser) -> Q:
    """A filter on SpendImport: an auditor sees the files of their own municipality only."""
    if not may_import_spend(user):
        return Q(pk__in=[])
    return Q(municipality_id=funding_municipality_id(user))


def funding_municipality_id(user: User | AnonymousUser) -> int | None:
    """The municipality whose funding a bureau member or auditor oversees: that of their organisation."""
    organisation = getattr(user, "organisation", None)
    return organisation.municipality_id if organisation is not None else None


def funding_register_condition(user: User | AnonymousUser, prefix: str = "") -> Q:
    """A filter on Case (or through ``prefix``) for the pseudonymous funding views."""
    if not may_see_blockage_register(user):
        return Q(pk__in=[])
    return Q(**{f"{prefix}team__municipality_id": funding_municipality_id(user)})


def export_job_condition(user: User | AnonymousUser | None) -> Q:
    """Background exports: each user sees only the jobs they asked for, whatever their role.

    What a job's file may contain is decided again when it is built and when it
    is downloaded (``exports.kinds``), so a user who lost a role cannot collect it.
    """
    if user is None or not user.is_authenticated or not user.is_active:
        return Q(pk__in=[])
    return Q(requested_by_id=user.pk)


# --- Accounts: whose credentials still open anything ------------------------------
#
# A session of a disabled account is dropped by Django's backend; data reached
# through casework ends with the membership (``case_condition``). An API token
# is a standing credential, so it is refused outright once its owner's account
# is disabled or, for a role that works in a team, the last membership ended.

TEAM_ROLES = CASEWORK_ROLES


def account_in_force_condition(prefix: str = "") -> Q:
    """A filter on User (or through ``prefix``): active, and in a team today where the role works in one."""
    today = timezone.localdate()
    user_ref = f"{prefix}pk" if prefix else "pk"
    in_a_team = Exists(TeamMembership.objects.current(on=today).filter(user_id=OuterRef(user_ref)))
    return Q(**{f"{prefix}is_active": True}) & (~Q(**{f"{prefix}role__in": TEAM_ROLES}) | Q(in_a_team))


def may_pay_from_stream(user: User | AnonymousUser | None, team: Team) -> bool:
    """Who picks the stream that pays a case's action: any professional of the case, or, where the team's
    setting says so, only a team lead of the case's team (issue 14). The case itself must be visible to them."""
    if not may_see_casework(user):
        return False
    assert isinstance(user, User)
    if team.allocated_by == Team.AllocatedBy.TEAM_LEAD:
        return (
            user.role == Role.TEAM_LEAD
            and TeamMembership.objects.current().filter(user_id=user.pk, team_id=team.pk).exists()
        )
    return True

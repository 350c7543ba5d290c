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

Every other role rule lives here too, as a predicate named for the question
(``may_see_monitoring``, ``leads_team``…): screens, services, template tags and
the main navigation ask these, never a role literal of their own.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import Any, Protocol, TypeVar, runtime_checkable

from django.contrib.auth.models import AnonymousUser
from django.db.models import Exists, Model, OuterRef, Q, QuerySet
from django.utils import timezone

from organisations.models import Area, Role, Team, TeamMembership, User

M = TypeVar("M", bound=Model)

CASEWORK_ROLES = frozenset({Role.PROFESSIONAL, Role.TEAM_LEAD})
TEAM_LEAD = frozenset({Role.TEAM_LEAD})
BUREAU = frozenset({Role.PROGRAMME_BUREAU})


@runtime_checkable
class PolicyDoor(Protocol):
    """A QuerySet with the policy's door: ``visible_to(user)`` keeps the rows the user may see, asking this module."""

    def visible_to(self, user: User | AnonymousUser) -> QuerySet[Any]: ...


def visible(queryset: QuerySet[M], user: User | AnonymousUser) -> QuerySet[M]:
    """``queryset.visible_to(user)``, for code that holds a queryset of any model (the door, the API, the admin).

    A model without the door is a programming error, said at once and by name.
    """
    if not isinstance(queryset, PolicyDoor):
        raise TypeError(f"{queryset.model.__name__} has no visible_to(user): it is no door to personal data")
    return queryset.visible_to(user)


def nothing() -> Q:
    """The condition no row meets: what every ``*_condition`` gives a user who may see none of it."""
    return Q(pk__in=[])


def _active(user: User | AnonymousUser | None) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def _has_role(user: User | AnonymousUser | None, roles: frozenset[str]) -> bool:
    return _active(user) and getattr(user, "role", None) in roles


# --- Teams: who belongs to which team, and who leads it --------------------------------
#
# A membership is current from its start date up to (not including) its end date
# (``TeamMembershipQuerySet.current``). Every "my teams" of the project is
# ``team_ids_of``; every "does this user lead that team" is ``led_team_ids``.


def team_ids_of(user: User | AnonymousUser | None, *, on: datetime.date | None = None) -> QuerySet[TeamMembership, int]:
    """The ids of the teams the user belongs to on ``on`` (today), as a lazy query.

    Lazy, so ``team__in=team_ids_of(user)`` stays one subquery of the caller's query;
    iterate it (``set(...)``) for one query of its own. A fact about the user, not a
    permission: what they may do with their teams is asked of the predicates below.
    """
    if user is None or not user.is_authenticated:
        return TeamMembership.objects.none().values_list("team_id", flat=True)
    return TeamMembership.objects.current(on=on).filter(user_id=user.pk).values_list("team_id", flat=True)


def belongs_to_team(user: User | AnonymousUser | None, team_id: int) -> bool:
    """Whether the user is a member of the team today. One query."""
    return team_ids_of(user).filter(team_id=team_id).exists()


def led_team_ids(user: User | AnonymousUser | None) -> QuerySet[TeamMembership, int]:
    """The ids of the teams the user leads today: the teams of an active team lead, none for anyone else.

    The one team-lead rule: the team lead assigns a case's coordinator, moves its status, takes
    its blockages from the team, and, where the team says so, pays its actions from a stream.
    """
    if not _has_role(user, TEAM_LEAD):
        # Empty before the teams' query is built: the household page's toolbar asks this on every render.
        return TeamMembership.objects.none().values_list("team_id", flat=True)
    return team_ids_of(user)


def leads_team(user: User | AnonymousUser | None, team_id: int) -> bool:
    """Whether the user leads the team today (``led_team_ids``). One query, none for other roles: for them
    the answer is known before a query is even built (``led_team_ids`` is empty), which the household page
    asks on every render (``may_request_transfer``)."""
    if not _has_role(user, TEAM_LEAD):
        return False
    return led_team_ids(user).filter(team_id=team_id).exists()


def team_leads_condition(team_id: int) -> Q:
    """A filter on User: the team's leads today, the same rule as ``led_team_ids`` asked the other way round."""
    members = TeamMembership.objects.current().filter(team_id=team_id).values("user_id")
    return Q(is_active=True, role__in=TEAM_LEAD, pk__in=members)


# --- Casework: households, persons, cases and what hangs on them -------------------------


def may_see_casework(user: User | AnonymousUser | None) -> bool:
    """The casework screens: caseload, reminders, search, referral, household pages, team blockages."""
    return _has_role(user, CASEWORK_ROLES)


def oversees_team_cases(user: User | AnonymousUser | None) -> bool:
    """A team lead oversees every case of their teams, not only those they work on.

    So "Mijn caseload" lists the teams' open cases (a professional's: their own), and reading
    a household one does not work on asks for a purpose first (``privacy.purpose.screen_purpose``).
    """
    return _has_role(user, TEAM_LEAD)


def case_condition(user: User | AnonymousUser | None, prefix: str = "") -> Q:
    """A filter on Case (or, with ``prefix``, on a model reaching Case through ``prefix``).

    The case's id among :func:`visible_case_ids`, on Case itself or, with
    ``prefix`` (contacts, actions, involvements, allocations…), on the case the
    row hangs under. The planner starts from the user's teams and involvements
    (each way in served by an index on its own key), then reaches the rows of
    those cases by an index leading with the case (``contact_case_id_idx``,
    ``action_case_id_idx``, ``involvement_case_id_idx``: case, id), so a list
    costs what the user may see, not what the database holds. Where the user's
    rows are a large share of a table the planner may instead walk the list's
    order and probe each row in the hashed set: one hash lookup per row, never
    the two correlated subplans per row of an OR, which made a national page of
    contacts walk the whole table (issue 17).
    """
    if not may_see_casework(user):
        return Q(pk__in=[])
    assert isinstance(user, User)
    return Q(**{f"{prefix}pk__in": visible_case_ids(user)})


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
    in_my_team = Case.objects.filter(team_id__in=team_ids_of(user, on=today)).order_by().values(column)
    involved = (
        Involvement.objects.active(on=today)
        .filter(professional_id=user.pk)
        .order_by()
        .values("case_id" if column == "id" else f"case__{column}")
    )
    return in_my_team.union(involved, all=True)


def household_condition(user: User | AnonymousUser | None, key: str = "pk") -> Q:
    """A filter on Household: the households of the cases the user sees (:func:`case_condition`).

    With ``key`` (``household_id``), the same set as a filter on a model that names the household
    (memberships): the ids come from the cases alone, without reading each household's row again.
    """
    if not may_see_casework(user):
        return nothing()
    assert isinstance(user, User)
    return Q(**{f"{key}__in": visible_case_ids(user, "household_id")})


def transfer_condition(user: User | AnonymousUser | None) -> Q:
    """A filter on CaseTransfer: with its case, and for the leads of the receiving team while it waits for them.

    A lead of the receiving team reads the handover note and the case reference of a pending transfer before
    the case is theirs (``case_condition`` opens the household only once they accept).
    """
    if not may_see_casework(user):
        return nothing()
    return case_condition(user, prefix="case__") | Q(status="pending", to_team_id__in=led_team_ids(user))


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


def may_correct_contact(user: User | AnonymousUser | None, author_id: int) -> bool:
    """A contact note is corrected by its author only: it is their professional record of what happened.

    Others who read it and think it wrong log a contact of their own; the coordinator does not rewrite a
    colleague's note. The case must still be one the author may work on (``services.contact_correct``).
    """
    return may_see_casework(user) and user is not None and user.pk == author_id


def may_use_meldcode(
    user: User | AnonymousUser | None, case_id: int, *, running_involvements: Sequence[Any] | None = None
) -> bool:
    """The meldcode page of a case: a professional involved in the case now (its coordinator included).

    They record the steps of their own organisation's meldcode and read what ``meldcode_condition`` lets
    through; anyone else, a team lead who oversees the case included, is not told that a meldcode exists.
    One query; none when the caller already loaded the case's running involvements (the household page).
    """
    if not may_see_casework(user) or getattr(user, "organisation_id", None) is None:
        return False
    assert isinstance(user, User)
    if running_involvements is not None:
        return any(row.case_id == case_id and row.professional_id == user.pk for row in running_involvements)
    from cases.models import Involvement

    return Involvement.objects.active().filter(case_id=case_id, professional_id=user.pk).exists()


def may_request_transfer(
    user: User | AnonymousUser | None, case_id: int, team_id: int, *, involvements: Sequence[Any] | None = None
) -> bool:
    """Who asks another team to take an open case over: a lead of the case's team, or its coordinator
    (a coordinator involvement not ended).

    No query for a professional when the caller already loaded the case's involvements (the household page);
    a team lead's is one (``leads_team``).
    """
    if not may_see_casework(user):
        return False
    assert isinstance(user, User)
    if leads_team(user, team_id):
        return True
    if involvements is not None:
        return any(
            row.case_id == case_id and row.professional_id == user.pk and row.is_coordinator and row.end_date is None
            for row in involvements
        )
    from cases.models import Involvement

    return Involvement.objects.filter(
        case_id=case_id, professional_id=user.pk, is_coordinator=True, end_date__isnull=True
    ).exists()


def meldcode_condition(user: User | AnonymousUser | None, prefix: str = "") -> Q:
    """A filter on MeldcodeStep (or its history): the meldcode huiselijk geweld en kindermishandeling.

    Confidential beyond the case: an involved professional of the organisation that records it, and the
    case's coordinator, read it; other professionals of the case and of the team, and the team lead, do
    not. Each step is checked per row against the reader's running involvements of its case.
    """
    if not may_see_casework(user):
        return nothing()
    assert isinstance(user, User)
    from cases.models import Involvement

    mine = Involvement.objects.active().filter(professional_id=user.pk, case_id=OuterRef(f"{prefix}case"))
    coordinates = Q(Exists(mine.filter(is_coordinator=True)))
    if user.organisation_id is None:
        return coordinates
    return coordinates | (Q(**{f"{prefix}organisation_id": user.organisation_id}) & Q(Exists(mine)))


def document_condition(user: User | AnonymousUser | None) -> Q:
    """A filter on Document: the rule of contact notes, reused as it stands.

    The case must be visible (:func:`case_condition`), and a document marked "own
    organisation only" stays inside the organisation of the professional who added it
    (:func:`confidentiality_condition`, on the document's own fields).
    """
    return contact_condition(user)


# --- Key figures (sleutelfiguren): people and places a team works with in its buurten ----
#
# Not clients: a name, a role and how to reach them, nothing about residents. The team
# keeps them: every member of a team (professional or team lead) sees the team's key
# figures, and adds, edits and ends them in a buurt the team covers (directly, or through
# its wijk). The functional administrator does not: they configure areas and teams, not
# the people a team knows by name; their 403 on the key figures stands (``/beheer/``
# included), as it does for every other role outside the team.


def key_figure_condition(user: User | AnonymousUser | None) -> Q:
    """A filter on KeyFigure: those of the teams the user belongs to today, for casework roles only."""
    if not may_see_casework(user):
        return nothing()
    return Q(team__in=team_ids_of(user))


def may_keep_key_figure(user: User | AnonymousUser | None, *, team_id: int, area_id: int) -> bool:
    """Adding, editing or ending a team's key figure in a buurt: a member of that team, whose team covers
    the buurt (directly or through its wijk). One query."""
    if not may_see_casework(user):
        return False
    assert isinstance(user, User)
    member = Exists(TeamMembership.objects.current().filter(user_id=user.pk, team_id=team_id))
    covered = Q(teams=team_id) | Q(parent__teams=team_id)
    return Area.objects.filter(covered, member, pk=area_id, kind=Area.Kind.NEIGHBOURHOOD).exists()


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
    condition = Q(coordinates) | Q(team_id__in=led_team_ids(user))
    return Case.objects.filter(condition, household_id=household_id).exists()


def may_see_membership_changes(user: User | AnonymousUser | None) -> bool:
    """A team lead reads who joined or left their teams, and who made the change (issue #12)."""
    return _has_role(user, TEAM_LEAD)


def may_change_team_settings(user: User | AnonymousUser | None) -> bool:
    """A team lead sets how their teams work (who pays actions from a stream); which teams: ``led_team_ids``."""
    return _has_role(user, TEAM_LEAD)


def may_review_duplicates(user: User | AnonymousUser | None) -> bool:
    """The duplicate review queue (cases/duplicates.py) is the team leads': they merge or set pairs aside."""
    return _has_role(user, TEAM_LEAD)


def mergeable_household_condition(user: User | AnonymousUser | None) -> Q:
    """A filter on Household: the households a team lead may merge, or whose persons they may merge.

    Those with a case of a team the user leads today. Merging two needs both in this set, so a pair across
    two teams is merged by someone who leads both, never by a lead who cannot see one side.
    """
    if not _has_role(user, TEAM_LEAD):
        return nothing()
    from cases.models import Case

    return Q(pk__in=Case.objects.filter(team_id__in=led_team_ids(user)).values("household_id"))


def may_handle_privacy(user: User | AnonymousUser | None) -> bool:
    """The privacy officer reads the access log and handles data-subject requests."""
    return _has_role(user, frozenset({Role.PRIVACY_OFFICER}))


def data_subject_condition(user: User | AnonymousUser | None) -> Q:
    """Persons a user may look up for a data-subject request: all for the privacy officer, none for others.

    This is the one door to persons that is not need-to-know casework: it
    exists for articles 15 and 17, is narrow (exact BSN or case reference) and
    every use is logged.
    """
    return Q() if may_handle_privacy(user) else nothing()


# --- Funding: aggregates, the blockage register and spend imports ------------------
#
# The programme bureau and the municipal funding auditor see funding data without
# personal data: pseudonymous case references, areas, silos, themes, amounts and
# dates. Their view is bounded to the municipality of their own organisation.

FUNDING_AGGREGATE_ROLES = frozenset({Role.PROGRAMME_BUREAU, Role.AUDITOR})


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
    return _has_role(user, BUREAU) and funding_municipality_id(user) is not None


def escalation_handlers_condition(municipality_id: int) -> Q:
    """A filter on User: who takes a blockage of this municipality beyond the team (``may_escalate_beyond_team``)."""
    return Q(is_active=True, role__in=BUREAU, organisation__municipality_id=municipality_id)


def may_import_spend(user: User | AnonymousUser) -> bool:
    return _has_role(user, frozenset({Role.AUDITOR})) and funding_municipality_id(user) is not None


def spend_import_condition(user: User | AnonymousUser) -> Q:
    """A filter on SpendImport: an auditor sees the files of their own municipality only."""
    if not may_import_spend(user):
        return nothing()
    return Q(municipality_id=funding_municipality_id(user))


def funding_municipality_id(user: User | AnonymousUser) -> int | None:
    """The municipality whose funding a bureau member or auditor oversees: that of their organisation."""
    organisation = getattr(user, "organisation", None)
    return organisation.municipality_id if organisation is not None else None


def funding_register_condition(user: User | AnonymousUser, prefix: str = "") -> Q:
    """A filter on Case (or through ``prefix``) for the pseudonymous funding views."""
    if not may_see_blockage_register(user):
        return nothing()
    return Q(**{f"{prefix}team__municipality_id": funding_municipality_id(user)})


def export_job_condition(user: User | AnonymousUser | None) -> Q:
    """Background exports: each user sees only the jobs they asked for, whatever their role.

    What a job's file may contain is decided again when it is built and when it
    is downloaded (``exports.kinds``), so a user who lost a role cannot collect it.
    """
    if not _active(user):
        return nothing()
    assert user is not None
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
    if team.allocated_by == Team.AllocatedBy.TEAM_LEAD:
        return leads_team(user, team.pk)
    return True


# --- Monitoring: the programme dashboard and its precision reviews -----------------------
#
# Summary figures only, passed through suppression: the bureau reads every buurt,
# a team lead the buurten of their own teams. Only the bureau refreshes the
# figures and writes precision reviews.

MONITORING_ROLES = frozenset({Role.PROGRAMME_BUREAU, Role.TEAM_LEAD})


def may_see_monitoring(user: User | AnonymousUser | None) -> bool:
    """The dashboard, its export and the API report, and reading precision reviews."""
    return _has_role(user, MONITORING_ROLES)


def monitoring_buurten_in_scope(user: User | AnonymousUser | None) -> list[int] | None:
    """The buurten whose figures the user reads. None: every buurt (the bureau).

    A team lead: the buurten their current teams cover, directly or through a wijk
    (one query). Anyone else: none.
    """
    if _has_role(user, BUREAU):
        return None
    if not may_see_monitoring(user):
        return []
    teams = team_ids_of(user)
    return list(
        Area.objects.filter(kind=Area.Kind.NEIGHBOURHOOD)
        .filter(Q(teams__in=teams) | Q(parent__teams__in=teams))
        .values_list("pk", flat=True)
        .distinct()
    )


def may_refresh_summaries(user: User | AnonymousUser | None) -> bool:
    """Asking for a refresh of the summary tables now, rather than at the next scheduled run."""
    return _has_role(user, BUREAU)


def may_write_precision_reviews(user: User | AnonymousUser | None) -> bool:
    """Recording a precision review and editing its answers (team leads read them)."""
    return _has_role(user, BUREAU)


def precision_review_condition(user: User | AnonymousUser | None) -> Q:
    """A filter on PrecisionReview: every review for the bureau; a team lead those of their teams' municipalities.

    A review holds no personal data, only answers and suppressed figures; a team lead
    still reads only their own municipality's programme.
    """
    if _has_role(user, BUREAU):
        return Q()
    if not may_see_monitoring(user):
        return nothing()
    return Q(municipality__in=Team.objects.filter(pk__in=team_ids_of(user)).values("municipality_id"))


# --- The administration: configuration, never case content --------------------------


def may_revoke_any_api_token(user: User | AnonymousUser | None) -> bool:
    """Everyone revokes their own API tokens; the functional administrator anyone's (a lost laptop, a leaver)."""
    return _has_role(user, frozenset({Role.ADMINISTRATOR}))


def may_see_background_work(user: User | AnonymousUser | None) -> bool:
    """The functional administrator follows the background work (waiting and finished tasks) on Vandaag and on
    the test-job screen (``jobs:probe``)."""
    return _has_role(user, frozenset({Role.ADMINISTRATOR})) and may_use_admin_site(user)


def may_use_admin_site(user: User | AnonymousUser | None) -> bool:
    """The functional administrator's configuration screens (``/beheer/``): Django's own rule, staff and active."""
    return _active(user) and bool(getattr(user, "is_staff", False))

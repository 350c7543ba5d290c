"""Every predicate of ``privacy/policy.py``, one row each, asked of every role.

The roles are the seven of the domain brief, with one relation added where a
rule depends on it: ``team_lead`` leads team A, whose case, buurt and
municipality the rows ask about; ``other_lead`` leads a team of another
municipality. A row lists the roles that get True; every other role gets False.
A predicate added to the policy without a row fails ``test_every_predicate_has_a_row``.
"""

from __future__ import annotations

import datetime
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser

from cases.models import Case, Household, KeyFigure
from monitoring.models import PrecisionReview
from organisations.models import Area, Organisation, Role, Team, User
from privacy import policy
from tests.cases.factories import CaseFactory, HouseholdFactory, InvolvementFactory
from tests.organisations.factories import (
    DistrictFactory,
    MunicipalityFactory,
    NeighbourhoodFactory,
    OrganisationFactory,
    TeamFactory,
    TeamMembershipFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

ROLES = ("professional", "team_lead", "other_lead", "bureau", "auditor", "privacy_officer", "administrator")


@dataclass
class World:
    team_a: Team
    buurt_a: Area
    case_a: Case
    review_a: PrecisionReview
    users: dict[str, User]


@pytest.fixture
def world() -> World:
    municipality = MunicipalityFactory()
    elsewhere = MunicipalityFactory(code="GM0998", name="Gemeente Elders")
    buurt_a = NeighbourhoodFactory(parent=DistrictFactory(municipality=municipality))
    buurt_c = NeighbourhoodFactory(parent=DistrictFactory(municipality=elsewhere))
    team_a = TeamFactory(name="Wijkteam Noord", municipality=municipality)
    team_a.areas.add(buurt_a)
    team_c = TeamFactory(name="Wijkteam Elders", municipality=elsewhere)
    team_c.areas.add(buurt_c)
    organisation: Organisation = OrganisationFactory(municipality=municipality)
    users = {
        "professional": TeamMembershipFactory(team=team_a, user__organisation=organisation).user,
        "team_lead": TeamMembershipFactory(
            team=team_a, user__role=Role.TEAM_LEAD, user__organisation=organisation
        ).user,
        "other_lead": TeamMembershipFactory(team=team_c, user__role=Role.TEAM_LEAD).user,
        "bureau": UserFactory(role=Role.PROGRAMME_BUREAU, organisation=organisation),
        "auditor": UserFactory(role=Role.AUDITOR, organisation=organisation),
        "privacy_officer": UserFactory(role=Role.PRIVACY_OFFICER),
        "administrator": UserFactory(role=Role.ADMINISTRATOR, is_staff=True),
    }
    case_a = CaseFactory(team=team_a, household=HouseholdFactory(neighbourhood=buurt_a))
    review_a = PrecisionReview.objects.create(
        programme="Wijkaanpak",
        municipality=municipality,
        period_start=datetime.date(2026, 1, 1),
        period_end=datetime.date(2026, 6, 30),
        created_by=users["bureau"],
    )
    return World(team_a=team_a, buurt_a=buurt_a, case_a=case_a, review_a=review_a, users=users)


def _key_figure(world: World) -> KeyFigure:
    return KeyFigure.objects.get_or_create(
        team=world.team_a, area=world.buurt_a, name="Buurthuis De Linde", defaults={"description": "buurthuis"}
    )[0]


def _in_scope(world: World, user: Any) -> bool:
    scope = policy.monitoring_buurten_in_scope(user)
    return scope is None or world.buurt_a.pk in scope


def _pays_where_the_lead_decides(world: World, user: Any) -> bool:
    world.team_a.allocated_by = Team.AllocatedBy.TEAM_LEAD
    return policy.may_pay_from_stream(user, world.team_a)


def _involve_the_professional(world: World) -> None:
    """The professional works on case A (the lead of team A oversees it but does not)."""
    from cases.models import Involvement

    professional = world.users["professional"]
    if not Involvement.objects.filter(case=world.case_a, professional=professional).exists():
        InvolvementFactory(case=world.case_a, professional=professional, start_date=datetime.date(2025, 1, 1))


def _uses_meldcode(world: World, user: Any) -> bool:
    _involve_the_professional(world)
    return policy.may_use_meldcode(user, world.case_a.pk)


def _requests_transfer(world: World, user: Any, *, coordinates: bool) -> bool:
    """Asked both ways: by query, and from the case's involvements as the household page has them loaded."""
    from cases.models import Involvement

    _involve_the_professional(world)
    if coordinates:  # the professional takes over from the case's coordinator
        Involvement.objects.filter(case=world.case_a).update(is_coordinator=False)
        Involvement.objects.filter(case=world.case_a, professional=world.users["professional"]).update(
            is_coordinator=True
        )
    by_query = policy.may_request_transfer(user, world.case_a.pk, world.case_a.team_id)
    loaded = list(world.case_a.involvements.all())
    assert policy.may_request_transfer(user, world.case_a.pk, world.case_a.team_id, involvements=loaded) == by_query
    return by_query


def _reads_meldcode(world: World, user: Any) -> bool:
    """A step of the professional's organisation: they read it, their lead of the same organisation does not."""
    from cases.models import MeldcodeStep

    _involve_the_professional(world)
    professional = world.users["professional"]
    step, _created = MeldcodeStep.objects.get_or_create(
        case=world.case_a,
        organisation=professional.organisation,
        round=1,
        step=1,
        defaults={"done_on": datetime.date(2025, 2, 1), "outcome": "Signalen", "recorded_by": professional},
    )
    return MeldcodeStep.objects.filter(policy.meldcode_condition(user), pk=step.pk).exists()


def _sees_incoming_transfer(world: World, user: Any) -> bool:
    """A transfer of another team's case to team A waits: its team and team A's lead see it, nobody else."""
    from cases.models import CaseTransfer

    other = world.users["other_lead"]
    case = CaseFactory(team=other.memberships.get().team)
    transfer = CaseTransfer.objects.create(
        case=case, kind="transfer", from_team=case.team, to_team=world.team_a, note="Verhuisd", requested_by=other
    )
    return CaseTransfer.objects.filter(policy.transfer_condition(user), pk=transfer.pk).exists()


Ask = Callable[[World, Any], bool]

# predicate name -> (how to ask it, the roles that get True)
TABLE: dict[str, tuple[Ask, set[str]]] = {
    "may_see_casework": (lambda w, u: policy.may_see_casework(u), {"professional", "team_lead", "other_lead"}),
    "oversees_team_cases": (lambda w, u: policy.oversees_team_cases(u), {"team_lead", "other_lead"}),
    "team_ids_of": (lambda w, u: w.team_a.pk in set(policy.team_ids_of(u)), {"professional", "team_lead"}),
    "belongs_to_team": (lambda w, u: policy.belongs_to_team(u, w.team_a.pk), {"professional", "team_lead"}),
    "led_team_ids": (lambda w, u: w.team_a.pk in set(policy.led_team_ids(u)), {"team_lead"}),
    "leads_team": (lambda w, u: policy.leads_team(u, w.team_a.pk), {"team_lead"}),
    "case_condition": (
        lambda w, u: Case.objects.filter(policy.case_condition(u), pk=w.case_a.pk).exists(),
        {"professional", "team_lead"},
    ),
    "household_condition": (
        lambda w, u: Household.objects.filter(policy.household_condition(u), pk=w.case_a.household_id).exists(),
        {"professional", "team_lead"},
    ),
    "contact_condition": (
        # No contact is logged: the condition must still let the case's contacts through for its team.
        lambda w, u: policy.contact_condition(u) != policy.nothing(),
        {"professional", "team_lead", "other_lead"},
    ),
    "confidentiality_condition": (
        lambda w, u: policy.confidentiality_condition(u) != policy.nothing(),
        {"professional", "team_lead", "other_lead"},
    ),
    "may_correct_contact": (lambda w, u: policy.may_correct_contact(u, w.users["professional"].pk), {"professional"}),
    "may_use_meldcode": (_uses_meldcode, {"professional"}),
    "may_request_transfer": (lambda w, u: _requests_transfer(w, u, coordinates=False), {"team_lead"}),
    "may_request_transfer (the professional coordinates)": (
        lambda w, u: _requests_transfer(w, u, coordinates=True),
        {"professional", "team_lead"},
    ),
    "meldcode_condition": (_reads_meldcode, {"professional"}),
    "transfer_condition": (_sees_incoming_transfer, {"team_lead", "other_lead"}),
    # Documents reuse the rule of contact notes (the case, then "own organisation only").
    "document_condition": (
        lambda w, u: policy.document_condition(u) != policy.nothing(),
        {"professional", "team_lead", "other_lead"},
    ),
    # Key figures: the team's own, for its members; the administrator keeps none (issue #16, item 5).
    "key_figure_condition": (
        lambda w, u: KeyFigure.objects.filter(policy.key_figure_condition(u), pk=_key_figure(w).pk).exists(),
        {"professional", "team_lead"},
    ),
    "may_keep_key_figure": (
        lambda w, u: policy.may_keep_key_figure(u, team_id=w.team_a.pk, area_id=w.buurt_a.pk),
        {"professional", "team_lead"},
    ),
    "may_see_who_viewed": (lambda w, u: policy.may_see_who_viewed(u, w.case_a.household_id), {"team_lead"}),
    "may_see_membership_changes": (lambda w, u: policy.may_see_membership_changes(u), {"team_lead", "other_lead"}),
    "may_change_team_settings": (lambda w, u: policy.may_change_team_settings(u), {"team_lead", "other_lead"}),
    "may_pay_from_stream": (
        lambda w, u: policy.may_pay_from_stream(u, w.team_a),
        {"professional", "team_lead", "other_lead"},
    ),
    "may_pay_from_stream (the team lead decides)": (_pays_where_the_lead_decides, {"team_lead"}),
    "may_review_duplicates": (lambda w, u: policy.may_review_duplicates(u), {"team_lead", "other_lead"}),
    "mergeable_household_condition": (
        lambda w, u: Household.objects.filter(
            policy.mergeable_household_condition(u), pk=w.case_a.household_id
        ).exists(),
        {"team_lead"},
    ),
    "may_handle_privacy": (lambda w, u: policy.may_handle_privacy(u), {"privacy_officer"}),
    "data_subject_condition": (lambda w, u: policy.data_subject_condition(u) != policy.nothing(), {"privacy_officer"}),
    "may_see_funding_aggregates": (lambda w, u: policy.may_see_funding_aggregates(u), {"bureau", "auditor"}),
    "may_see_case_references": (lambda w, u: policy.may_see_case_references(u), {"auditor"}),
    "may_see_blockage_register": (lambda w, u: policy.may_see_blockage_register(u), {"bureau", "auditor"}),
    "funding_register_condition": (
        lambda w, u: Case.objects.filter(policy.funding_register_condition(u), pk=w.case_a.pk).exists(),
        {"bureau", "auditor"},
    ),
    "may_escalate_beyond_team": (lambda w, u: policy.may_escalate_beyond_team(u), {"bureau"}),
    "escalation_handlers_condition": (
        lambda w, u: User.objects.filter(
            policy.escalation_handlers_condition(w.team_a.municipality_id), pk=u.pk
        ).exists(),
        {"bureau"},
    ),
    "team_leads_condition": (
        lambda w, u: User.objects.filter(policy.team_leads_condition(w.team_a.pk), pk=u.pk).exists(),
        {"team_lead"},
    ),
    "may_import_spend": (lambda w, u: policy.may_import_spend(u), {"auditor"}),
    "spend_import_condition": (lambda w, u: policy.spend_import_condition(u) != policy.nothing(), {"auditor"}),
    "export_job_condition": (lambda w, u: policy.export_job_condition(u) != policy.nothing(), set(ROLES)),
    "may_see_monitoring": (lambda w, u: policy.may_see_monitoring(u), {"bureau", "team_lead", "other_lead"}),
    "monitoring_buurten_in_scope": (_in_scope, {"bureau", "team_lead"}),
    "may_refresh_summaries": (lambda w, u: policy.may_refresh_summaries(u), {"bureau"}),
    "may_write_precision_reviews": (lambda w, u: policy.may_write_precision_reviews(u), {"bureau"}),
    "precision_review_condition": (
        lambda w, u: PrecisionReview.objects.filter(policy.precision_review_condition(u), pk=w.review_a.pk).exists(),
        {"bureau", "team_lead"},
    ),
    "may_revoke_any_api_token": (lambda w, u: policy.may_revoke_any_api_token(u), {"administrator"}),
    "may_use_admin_site": (lambda w, u: policy.may_use_admin_site(u), {"administrator"}),
    "may_see_background_work": (lambda w, u: policy.may_see_background_work(u), {"administrator"}),
}

# Helpers of the policy that answer no question about a user, and the constants.
# ``visible_case_ids`` is case_condition's building block, for a user already known to see casework.
NOT_PREDICATES = {"nothing", "visible", "funding_municipality_id", "account_in_force_condition", "visible_case_ids"}
# Facts about a user's teams, not permissions: a disabled account still has them (what it may do is asked elsewhere).
FACTS = {"team_ids_of", "belongs_to_team"}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", list(TABLE))
def test_predicate_by_role(world: World, name: str, role: str) -> None:
    ask, allowed = TABLE[name]
    assert ask(world, world.users[role]) is (role in allowed)


@pytest.mark.parametrize("name", list(TABLE))
def test_no_predicate_lets_an_anonymous_visitor_or_a_disabled_account_through(world: World, name: str) -> None:
    ask, _allowed = TABLE[name]
    assert ask(world, AnonymousUser()) is False
    if name in FACTS:
        return
    User.objects.filter(pk__in=[user.pk for user in world.users.values()]).update(is_active=False)
    for user in world.users.values():
        user.is_active = False
        assert ask(world, user) is False, user.role


def test_every_predicate_has_a_row() -> None:
    public = {
        name
        for name, value in vars(policy).items()
        if inspect.isfunction(value) and value.__module__ == policy.__name__ and not name.startswith("_")
    }
    rows = {name.split(" ")[0] for name in TABLE}
    assert public - NOT_PREDICATES == rows


def test_the_team_lead_who_left_the_team_leads_it_no_more(world: World) -> None:
    lead = world.users["team_lead"]
    lead.memberships.update(end_date=datetime.date.today() - datetime.timedelta(days=1))
    assert not policy.leads_team(lead, world.team_a.pk)
    assert not list(policy.team_ids_of(lead))
    assert not list(Case.objects.led_by(lead))


def test_a_membership_that_starts_tomorrow_is_not_a_team_yet(world: World) -> None:
    professional = world.users["professional"]
    professional.memberships.update(start_date=datetime.date.today() + datetime.timedelta(days=1))
    assert world.team_a.pk not in set(policy.team_ids_of(professional))
    assert world.team_a.pk in set(
        policy.team_ids_of(professional, on=datetime.date.today() + datetime.timedelta(days=1))
    )


def test_the_door_of_a_queryset_is_its_visible_to(world: World) -> None:
    professional = world.users["professional"]
    assert list(policy.visible(Case.objects.all(), professional)) == list(Case.objects.visible_to(professional))


def test_a_queryset_without_a_door_is_refused_by_name(world: World) -> None:
    with pytest.raises(TypeError, match="Area has no visible_to"):
        policy.visible(Area.objects.all(), world.users["professional"])

"""The household page reads memberships, goals and open blockages as JSON rows inside other queries
(``common.json_rows``): the objects it makes of them are what the ORM reads."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.db import models
from django.utils import timezone

from cases.models import Action, Case, CaseConference, Consent, Goal, Household, HouseholdMembership, Person
from cases.views.pages import (
    conferences_of,
    consents_of,
    goals_of,
    memberships_of,
    with_conference_and_consent_rows,
    with_current_plan_version,
    with_membership_rows,
)
from funding.models import Blockage, BlockageStatus, FundingStream, Silo
from funding.selectors import open_blockages_of, with_open_blockages
from tests.cases.factories import (
    ActionFactory,
    CaseFactory,
    ConferenceFactory,
    ConsentFactory,
    GoalFactory,
    MembershipFactory,
    PlanVersionFactory,
)
from tests.conftest import Personas
from tests.funding.factories import BlockageFactory, StreamFactory
from tests.organisations.factories import OrganisationFactory, UserFactory
from themes.cache import all_themes
from themes.models import Theme


def fields(obj: models.Model | None) -> list[Any] | None:
    if obj is None:
        return None
    return [getattr(obj, field.attname) for field in type(obj)._meta.concrete_fields if not field.generated]


def test_the_memberships_read_with_the_household_are_what_the_orm_reads(
    personas: Personas, django_assert_num_queries
) -> None:
    case = CaseFactory(team=personas.team_a, coordinator=personas.professional)
    MembershipFactory(household=case.household, start_date=datetime.date(2024, 5, 1), person__first_name="Sem")
    MembershipFactory(
        household=case.household,
        start_date=datetime.date(2020, 1, 1),
        end_date=datetime.date(2023, 1, 1),
        role=HouseholdMembership.Role.PARTNER,
    )
    household = with_membership_rows(Household.objects.filter(pk=case.household.pk)).get()

    def shown(rows: list[HouseholdMembership]) -> list[Any]:
        return [(fields(row), fields(row.person), row.person.full_name, row.get_role_display()) for row in rows]

    with django_assert_num_queries(0):
        memberships = memberships_of(household)
        read = shown(memberships)
    expected = HouseholdMembership.objects.filter(household=case.household).select_related("person")
    assert read == shown(list(expected.order_by("start_date", "id")))
    assert len(read) == 2 and all(isinstance(row.person, Person) for row in memberships)
    empty = with_membership_rows(Household.objects.filter(pk=CaseFactory().household.pk)).get()
    assert memberships_of(empty) == []


def test_the_goals_read_with_the_case_are_those_of_the_current_plan_version(
    personas: Personas, django_assert_num_queries
) -> None:
    case = CaseFactory(team=personas.team_a, coordinator=personas.professional)
    old = PlanVersionFactory(plan=case.plan, number=1)
    GoalFactory(plan_version=old, text="Oud doel")
    current = PlanVersionFactory(plan=case.plan, number=2)
    case.plan.version = 2
    case.plan.save()
    GoalFactory(plan_version=current, order=2, text="Tweede", theme=Theme.objects.get(code="onderwijs"))
    GoalFactory(plan_version=current, order=1, text="Eerste")
    loaded = with_current_plan_version(Case.objects.filter(pk=case.pk)).get()
    themes = all_themes()
    with django_assert_num_queries(0):
        goals = goals_of(loaded, themes)
        shown = [(fields(goal), goal.theme.name, goal.get_status_display()) for goal in goals]
    expected = Goal.objects.filter(plan_version=current).select_related("theme").order_by("order", "id")
    assert shown == [(fields(goal), goal.theme.name, goal.get_status_display()) for goal in expected]
    assert [goal.text for goal in goals] == ["Eerste", "Tweede"]


def test_the_open_blockages_read_with_the_actions_are_what_the_orm_reads(
    personas: Personas, django_assert_num_queries
) -> None:
    case = CaseFactory(team=personas.team_a, coordinator=personas.professional)
    action = ActionFactory(case=case)
    stream = StreamFactory(silo=Silo.objects.get(code="participatiewet"))
    later = BlockageFactory(action=action, opened_by=personas.professional, euros_stuck=Decimal("1234.56"))
    BlockageFactory(
        action=ActionFactory(case=case),
        opened_by=personas.professional,
        silo=stream.silo,
        stream=stream,
        takeover_stream=stream,
        euros_stuck=Decimal("0.10"),
        opened_at=later.opened_at - datetime.timedelta(days=3),
    )
    BlockageFactory(
        action=action,
        opened_by=personas.professional,
        status=BlockageStatus.RESOLVED,
        resolution="other_route",
        closed_at=timezone.now(),
    )
    actions = list(with_open_blockages(Action.objects.filter(case=case)))
    with django_assert_num_queries(0):
        blockages = open_blockages_of(actions)
        shown = [
            (fields(blockage), fields(blockage.silo), fields(blockage.stream), fields(blockage.takeover_stream))
            for blockage in blockages
        ]
    expected = (
        Blockage.objects.filter(action__case=case)
        .open()
        .select_related("silo", "stream", "takeover_stream")
        .order_by("opened_at", "pk")
    )
    assert shown == [
        (fields(blockage), fields(blockage.silo), fields(blockage.stream), fields(blockage.takeover_stream))
        for blockage in expected
    ]
    assert [blockage.euros_stuck for blockage in blockages] == [Decimal("0.10"), Decimal("1234.56")]
    assert isinstance(blockages[0].stream, FundingStream) and blockages[1].silo is None


def test_the_conferences_and_consents_read_with_the_case_come_newest_first_with_their_names(
    personas: Personas, django_assert_num_queries
) -> None:
    case = CaseFactory(team=personas.team_a, coordinator=personas.professional)
    nameless = UserFactory(username="j.nameless", first_name="", last_name="")
    older = ConferenceFactory(
        case=case, held_on=datetime.date(2025, 2, 1), participants=[personas.professional, nameless]
    )
    newer = ConferenceFactory(case=case, held_on=datetime.date(2025, 4, 1), household_present=False)
    member = MembershipFactory(household=case.household).person
    zorg, school = OrganisationFactory(name="Zorgbureau"), OrganisationFactory(name="Basisschool De Linde")
    given = ConsentFactory(case=case, person=member, organisations=[zorg, school])
    revoked = ConsentFactory(
        case=case, person=member, given_on=datetime.date(2025, 3, 1), revoked_on=datetime.date(2025, 4, 1)
    )
    loaded = with_conference_and_consent_rows(Case.objects.filter(pk=case.pk)).get()
    with django_assert_num_queries(0):
        conferences = conferences_of(loaded)
        consents = consents_of(loaded)
        shown = [(fields(row), row.participant_names) for row in conferences]  # type: ignore[attr-defined]
        given_to = [(fields(row), fields(row.person), row.organisation_names) for row in consents]  # type: ignore[attr-defined]
    assert [row.pk for row in conferences] == [newer.pk, older.pk]
    assert shown == [
        (fields(CaseConference.objects.get(pk=newer.pk)), []),
        (
            fields(CaseConference.objects.get(pk=older.pk)),
            ["j.nameless", str(personas.professional)],
        ),  # by last name: none first
    ]
    assert given_to == [
        (fields(Consent.objects.get(pk=revoked.pk)), fields(member), []),
        (fields(Consent.objects.get(pk=given.pk)), fields(member), ["Basisschool De Linde", "Zorgbureau"]),
    ]

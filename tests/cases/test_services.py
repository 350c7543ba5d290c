import datetime
import itertools
import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction

from cases import services, workflow
from cases.models import (
    Action,
    Case,
    CaseStatus,
    CaseStatusChange,
    Contact,
    Goal,
    Household,
    Involvement,
    LegalBasis,
    Person,
    PlanVersion,
)
from organisations.models import Role
from tests.cases.factories import CaseFactory, ContactFactory, InvolvementFactory, MembershipFactory
from tests.conftest import Personas
from tests.organisations.factories import NeighbourhoodFactory, TeamMembershipFactory
from themes.models import Instrument, Theme

pytestmark = pytest.mark.django_db

VALID_BSN = "111222333"  # passes the 11-proef


def referral(personas: Personas, **overrides: object) -> Case:
    buurt = NeighbourhoodFactory()
    personas.team_a.areas.add(buurt)
    arguments: dict[str, object] = {
        "by": personas.professional,
        "team": personas.team_a,
        "street": "Lindelaan",
        "house_number": 12,
        "postcode": "1234 ab",
        "city": "Teststad",
        "neighbourhood": buurt,
        "members": [
            services.PersonInput(first_name="Fatima", last_name="Bakker", role="parent", bsn=VALID_BSN),
            services.PersonInput(first_name="Sem", last_name="Bakker", role="child"),
        ],
        "referral_source": Case.ReferralSource.SCHOOL,
        "referral_reason": "Veel schoolverzuim.",
        "legal_basis": LegalBasis.JEUGDWET,
    }
    arguments.update(overrides)
    return services.referral_create(**arguments)  # type: ignore[arg-type]


def test_a_referral_creates_household_members_case_and_plan_in_the_teams_inbox(personas: Personas) -> None:
    case = referral(personas)
    assert case.status == CaseStatus.REFERRAL and case.reference.startswith("WT-")
    assert case.household.postcode == "1234AB"
    assert case.household.memberships.count() == 2
    # Nobody coordinates it until a team lead accepts it from the inbox (cases/inbox.py), on the stated basis.
    assert not case.involvements.exists()
    assert case.referral_legal_basis == LegalBasis.JEUGDWET
    assert case.plan.version == 0
    assert CaseStatusChange.objects.get(case=case).to_status == CaseStatus.REFERRAL


def test_a_referral_links_a_person_already_known_by_bsn_instead_of_duplicating(personas: Personas) -> None:
    referral(personas)
    referral(personas, house_number=99)
    assert Person.objects.filter(bsn=VALID_BSN).count() == 1
    assert Household.objects.filter(memberships__person__bsn=VALID_BSN).count() == 2


def test_a_referral_records_a_new_person_for_a_bsn_of_someone_the_referrer_cannot_see(personas: Personas) -> None:
    referral(personas)  # the Bakkers, in team A
    buurt = NeighbourhoodFactory()
    personas.team_b.areas.add(buurt)
    members = [services.PersonInput(first_name="X", last_name="Y", role="parent", bsn=VALID_BSN)]
    case = referral(personas, by=personas.professional_b, team=personas.team_b, neighbourhood=buurt, members=members)
    theirs = case.household.memberships.get().person
    assert theirs.first_name == "X" and Person.objects.filter(bsn=VALID_BSN).count() == 2
    assert set(Person.objects.sharing_a_bsn()) == set(Person.objects.filter(bsn=VALID_BSN))


def test_a_member_known_elsewhere_by_bsn_is_not_linked_into_another_teams_household(personas: Personas) -> None:
    first = referral(personas)
    case = CaseFactory(team=personas.team_b)
    member = services.PersonInput(first_name="X", last_name="Y", role="parent", bsn=VALID_BSN)
    services.household_member_add(case=case, by=personas.professional_b, member=member)
    added = case.household.memberships.get().person
    assert added.first_name == "X"
    assert not added.memberships.filter(household=first.household).exists()


def test_a_referral_with_an_invalid_bsn_saves_nothing(personas: Personas) -> None:
    members = [services.PersonInput(first_name="A", last_name="B", role="parent", bsn="123456789")]
    with pytest.raises(ValidationError) as error:
        referral(personas, members=members)
    assert "bsn" in error.value.message_dict
    assert not Household.objects.exists() and not Case.objects.exists()


def test_a_referral_outside_the_teams_area_is_refused(personas: Personas) -> None:
    with pytest.raises(ValidationError) as error:
        referral(personas, neighbourhood=NeighbourhoodFactory())
    assert "neighbourhood" in error.value.message_dict


def test_a_professional_cannot_refer_into_a_team_they_are_not_in(personas: Personas) -> None:
    with pytest.raises(PermissionDenied):
        referral(personas, team=personas.team_b)


ALL_PAIRS = list(itertools.product(CaseStatus.values, CaseStatus.values))


@pytest.mark.parametrize("from_status, to_status", ALL_PAIRS)
def test_every_workflow_transition_is_allowed_or_refused_by_the_table(from_status: str, to_status: str) -> None:
    allowed = to_status in workflow.TRANSITIONS[from_status]
    assert (workflow.refusal(from_status, to_status) is None) == allowed


@pytest.mark.parametrize(
    "from_status, to_status",
    [(f, t) for f, targets in workflow.TRANSITIONS.items() for t in sorted(targets)],
)
def test_the_coordinator_can_take_every_allowed_step(personas: Personas, from_status: str, to_status: str) -> None:
    case = CaseFactory(team=personas.team_a, status=from_status, coordinator=personas.professional)
    if to_status == CaseStatus.EXECUTION:
        services.plan_save(
            case=case,
            by=personas.professional,
            based_on_version=0,
            author="team",
            summary="",
            goals=[services.GoalInput(theme=Theme.objects.get(code="werk"), text="Schulden op orde")],
        )
    services.case_transition(case=case, to_status=to_status, by=personas.professional, reason="Klaar.")
    case.refresh_from_db()
    assert case.status == to_status
    assert (case.closed_on is not None) == (to_status == CaseStatus.CLOSED)
    assert case.status_changes.last().from_status == from_status


@pytest.mark.parametrize("from_status, to_status", [(f, t) for f, t in ALL_PAIRS if t not in workflow.TRANSITIONS[f]])
def test_every_step_outside_the_table_is_refused_and_changes_nothing(
    personas: Personas, from_status: str, to_status: str
) -> None:
    closed_on = datetime.date(2025, 6, 1) if from_status == CaseStatus.CLOSED else None
    case = CaseFactory(team=personas.team_a, status=from_status, closed_on=closed_on, coordinator=personas.professional)
    with pytest.raises(ValidationError):
        services.case_transition(case=case, to_status=to_status, by=personas.professional, reason="x")
    case.refresh_from_db()
    assert case.status == from_status


def test_closing_needs_a_reason_and_starting_work_needs_a_plan(personas: Personas) -> None:
    case = CaseFactory(team=personas.team_a, status=CaseStatus.PLAN, coordinator=personas.professional)
    with pytest.raises(ValidationError) as error:
        services.case_transition(case=case, to_status=CaseStatus.CLOSED, by=personas.professional)
    assert "reason" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        services.case_transition(case=case, to_status=CaseStatus.EXECUTION, by=personas.professional)
    assert "to_status" in error.value.message_dict


def test_a_team_member_who_is_not_coordinator_or_lead_cannot_change_the_status(personas: Personas) -> None:
    case = CaseFactory(team=personas.team_a)
    with pytest.raises(PermissionDenied):
        services.case_transition(case=case, to_status=CaseStatus.PLAN, by=personas.professional)


def test_a_professional_of_another_team_cannot_touch_the_case(personas: Personas) -> None:
    case = CaseFactory(team=personas.team_a)
    with pytest.raises(PermissionDenied):
        services.contact_log(
            case=case, by=personas.professional_b, occurred_on=datetime.date(2025, 2, 1), kind="phone",
            themes=["werk"], minutes=10,
        )  # fmt: skip


# --- The coordinator ----------------------------------------------------------------


def test_the_team_lead_changes_the_coordinator_in_one_step(personas: Personas) -> None:
    case = CaseFactory(team=personas.team_a, coordinator=personas.professional)
    colleague = TeamMembershipFactory(team=personas.team_a).user
    services.coordinator_assign(case=case, professional=colleague, by=personas.team_lead, legal_basis="wmo")
    active = Involvement.objects.filter(case=case, is_coordinator=True, end_date__isnull=True)
    assert list(active.values_list("professional", flat=True)) == [colleague.pk]
    # The former coordinator stays involved.
    assert Involvement.objects.active().filter(case=case, professional=personas.professional).exists()


def test_a_colleague_whose_involvement_was_to_end_becomes_an_open_ended_coordinator(personas: Personas) -> None:
    """Coordination has no end date while the case is open: a planned end is lifted, not refused or kept."""
    case = CaseFactory(team=personas.team_a, coordinator=personas.professional)
    colleague = TeamMembershipFactory(team=personas.team_a).user
    ending = InvolvementFactory(
        case=case, professional=colleague, end_date=datetime.date.today() + datetime.timedelta(days=7)
    )
    made = services.coordinator_assign(case=case, professional=colleague, by=personas.team_lead)
    assert made.pk == ending.pk and made.is_coordinator and made.end_date is None
    active = Involvement.objects.filter(case=case, is_coordinator=True, end_date__isnull=True)
    assert list(active.values_list("professional", flat=True)) == [colleague.pk]


def test_only_the_team_lead_assigns_the_coordinator(personas: Personas) -> None:
    case = CaseFactory(team=personas.team_a, coordinator=personas.professional)
    colleague = TeamMembershipFactory(team=personas.team_a).user
    with pytest.raises(PermissionDenied):
        services.coordinator_assign(case=case, professional=colleague, by=personas.professional, legal_basis="wmo")


def test_the_coordinator_must_belong_to_the_cases_team(personas: Personas) -> None:
    case = CaseFactory(team=personas.team_a)
    with pytest.raises(ValidationError):
        services.coordinator_assign(case=case, professional=personas.professional_b, by=personas.team_lead)


def test_the_database_refuses_a_second_active_coordinator(personas: Personas) -> None:
    case = CaseFactory(team=personas.team_a)
    with pytest.raises(IntegrityError), transaction.atomic():
        InvolvementFactory(case=case, is_coordinator=True)


def test_the_database_refuses_to_commit_an_open_case_without_coordinator(personas: Personas) -> None:
    case = CaseFactory(team=personas.team_a)
    with pytest.raises(IntegrityError), transaction.atomic():
        Involvement.objects.filter(case=case).update(is_coordinator=False)
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # what COMMIT would do


def test_a_closed_case_may_keep_no_coordinator(personas: Personas) -> None:
    case = CaseFactory(team=personas.team_a, closed=True)
    Involvement.objects.filter(case=case).update(is_coordinator=False)
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


@pytest.mark.django_db(transaction=True)
def test_two_leads_assigning_at_once_leave_exactly_one_coordinator() -> None:
    from tests.organisations.factories import TeamFactory

    team = TeamFactory()
    leads = [TeamMembershipFactory(team=team, user__role=Role.TEAM_LEAD).user for _ in range(2)]
    candidates = [TeamMembershipFactory(team=team).user for _ in range(2)]
    with transaction.atomic():  # the case and its coordinator commit together
        case = CaseFactory(team=team)
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def assign(lead, candidate) -> None:  # type: ignore[no-untyped-def]
        try:
            barrier.wait()
            services.coordinator_assign(case=case, professional=candidate, by=lead, legal_basis="wmo")
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=assign, args=pair) for pair in zip(leads, candidates, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    active = Involvement.objects.filter(case=case, is_coordinator=True, end_date__isnull=True)
    assert active.count() == 1
    assert active.get().professional in candidates


# --- The plan -----------------------------------------------------------------------


def test_saving_the_plan_makes_a_new_version_and_keeps_the_earlier_one(personas: Personas) -> None:
    case = CaseFactory(team=personas.team_a)
    werk = Theme.objects.get(code="werk")
    first = services.plan_save(
        case=case, by=personas.professional, based_on_version=0, author=PlanVersion.Author.HOUSEHOLD,
        summary="Ons eigen plan", goals=[services.GoalInput(theme=werk, text="We willen van de schulden af")],
    )  # fmt: skip
    second = services.plan_save(
        case=case, by=personas.professional, based_on_version=1, author=PlanVersion.Author.TEAM, summary="Herzien",
        goals=[services.GoalInput(theme=werk, text="Schulden in beeld"), services.GoalInput(theme=werk, text="Werk")],
    )  # fmt: skip
    assert (first.number, second.number) == (1, 2)
    assert Goal.objects.filter(plan_version=first).count() == 1
    assert Goal.objects.filter(plan_version=second).count() == 2
    assert first.goals.get().in_own_words


def test_a_stale_plan_edit_gets_a_conflict_and_overwrites_nothing(personas: Personas) -> None:
    case = CaseFactory(team=personas.team_a)
    werk = Theme.objects.get(code="werk")
    goal = services.GoalInput(theme=werk, text="Doel")
    services.plan_save(
        case=case, by=personas.professional, based_on_version=0, author="team", summary="A", goals=[goal]
    )
    with pytest.raises(services.PlanConflict) as conflict:
        services.plan_save(
            case=case, by=personas.team_lead, based_on_version=0, author="team", summary="B", goals=[goal]
        )
    assert conflict.value.current_version == 1
    assert list(PlanVersion.objects.filter(plan__case=case).values_list("summary", flat=True)) == ["A"]


def test_a_plan_without_goals_is_refused(personas: Personas) -> None:
    case = CaseFactory(team=personas.team_a)
    with pytest.raises(ValidationError):
        services.plan_save(case=case, by=personas.professional, based_on_version=0, author="team", summary="", goals=[])
    case.plan.refresh_from_db()
    assert case.plan.version == 0


# --- Contacts, conferences, measurements ---------------------------------------------------


def test_a_logged_contact_records_its_author_organisation(personas: Personas) -> None:
    case = CaseFactory(team=personas.team_a)
    contact = services.contact_log(
        case=case, by=personas.professional, occurred_on=datetime.date(2025, 2, 3), kind=Contact.Kind.PHONE,
        themes=["werk", "welzijn", "werk"], minutes=20, note="Gebeld.",
    )  # fmt: skip
    assert contact.themes == ["welzijn", "werk"]
    assert contact.author_organisation == personas.professional.organisation


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"themes": []}, "themes"),
        ({"themes": ["astrologie"]}, "themes"),
        ({"occurred_on": datetime.date(2999, 1, 1)}, "occurred_on"),
        ({"occurred_on": datetime.date(2020, 1, 1)}, "occurred_on"),
        ({"minutes": 0}, "minutes"),
    ],
)
def test_a_contact_with_bad_input_is_refused_per_field(personas: Personas, overrides: dict, field: str) -> None:
    case = CaseFactory(team=personas.team_a)
    arguments = {"occurred_on": datetime.date(2025, 2, 3), "kind": "phone", "themes": ["werk"], "minutes": 20}
    arguments.update(overrides)
    with pytest.raises(ValidationError) as error:
        services.contact_log(case=case, by=personas.professional, **arguments)
    assert field in error.value.message_dict
    assert not Contact.objects.exists()


def test_own_organisation_contacts_are_hidden_from_other_organisations(personas: Personas) -> None:
    case = CaseFactory(team=personas.team_a)
    colleague = TeamMembershipFactory(team=personas.team_a).user  # another organisation
    secret = ContactFactory(case=case, author=colleague, confidentiality=Contact.Confidentiality.OWN_ORGANISATION)
    shared = ContactFactory(case=case, author=colleague)
    assert set(Contact.objects.visible_to(personas.professional)) == {shared}
    assert set(Contact.objects.visible_to(colleague)) == {shared, secret}


def test_a_case_conference_turns_its_action_items_into_actions(personas: Personas) -> None:
    case = CaseFactory(team=personas.team_a)
    werk = Theme.objects.get(code="werk")
    item = services.ActionInput(
        theme=werk, description="Aanmelden schuldhulp", delivering_organisation=personas.professional.organisation
    )
    conference = services.conference_record(
        case=case, by=personas.professional, held_on=datetime.date(2025, 3, 1), participants=[personas.professional],
        decisions="Schuldhulp inzetten.", action_items=[item],
    )  # fmt: skip
    assert list(Action.objects.filter(conference=conference).values_list("description", flat=True)) == [
        "Aanmelden schuldhulp"
    ]


def test_a_measurement_scores_only_chosen_domains_each_with_a_reason(personas: Personas) -> None:
    case = CaseFactory(team=personas.team_a)
    person = MembershipFactory(household=case.household).person
    zrm = Instrument.objects.get(code="zrm")
    finances = zrm.domains.get(code="financien")
    housing = zrm.domains.get(code="huisvesting")
    measurement = services.measurement_record(
        case=case, person=person, instrument=zrm, measured_on=datetime.date(2025, 2, 1), by=personas.professional,
        scores=[services.ScoreInput(finances, 2, "Schulden"), services.ScoreInput(housing, 4, "Huurachterstand")],
    )  # fmt: skip
    assert measurement.scores.count() == 2


@pytest.mark.parametrize("score, reason", [(6, "te hoog"), (0, "te laag"), (3, "  ")])
def test_a_measurement_with_an_out_of_range_score_or_no_reason_saves_nothing(
    personas: Personas, score: int, reason: str
) -> None:
    case = CaseFactory(team=personas.team_a)
    person = MembershipFactory(household=case.household).person
    zrm = Instrument.objects.get(code="zrm")
    with pytest.raises(ValidationError):
        services.measurement_record(
            case=case, person=person, instrument=zrm, measured_on=datetime.date(2025, 2, 1), by=personas.professional,
            scores=[services.ScoreInput(zrm.domains.get(code="financien"), score, reason)],
        )  # fmt: skip
    assert not case.measurements.exists()


def test_writes_to_a_closed_case_are_refused(personas: Personas) -> None:
    case = CaseFactory(team=personas.team_a, closed=True)
    with pytest.raises(ValidationError):
        services.contact_log(
            case=case, by=personas.professional, occurred_on=datetime.date(2025, 2, 3), kind="phone",
            themes=["werk"], minutes=5,
        )  # fmt: skip

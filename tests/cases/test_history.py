import datetime
import io

import pytest
from django.core.management import call_command

from cases import services
from cases.models import Action, Case, CaseConference, CaseStatus, Consent, Goal, Measurement, MeasurementScore
from privacy.actor import acting_as
from tests.cases.factories import (
    ActionFactory,
    CaseFactory,
    ConsentFactory,
    GoalFactory,
    MeasurementFactory,
    MembershipFactory,
    PlanVersionFactory,
    ScoreFactory,
)
from tests.conftest import Personas
from tests.organisations.factories import OrganisationFactory
from themes.models import Instrument, InstrumentDomain, Theme

pytestmark = pytest.mark.django_db


def test_a_status_change_keeps_who_when_old_and_new(personas: Personas) -> None:
    case = CaseFactory(team=personas.team_a, status=CaseStatus.INTAKE, coordinator=personas.professional)
    services.case_transition(case=case, to_status=CaseStatus.PLAN, by=personas.professional)
    latest = Case.history.filter(id=case.pk).order_by("-history_date").first()
    assert latest.history_user == personas.professional
    assert latest.history_type == "~"
    delta = latest.diff_against(latest.prev_record)
    assert [(change.field, change.old, change.new) for change in delta.changes] == [
        ("status", CaseStatus.INTAKE, CaseStatus.PLAN)
    ]


def test_a_service_called_without_a_request_still_records_its_actor(personas: Personas) -> None:
    action = ActionFactory(case=CaseFactory(team=personas.team_a))
    services.action_set_status(action=action, status=Action.Status.APPROVED, by=personas.team_lead)
    assert Action.history.filter(id=action.pk).latest("history_date").history_user == personas.team_lead


def test_a_logged_contact_has_a_creation_record(personas: Personas) -> None:
    case = CaseFactory(team=personas.team_a)
    contact = services.contact_log(
        case=case, by=personas.professional, occurred_on=datetime.date(2025, 2, 3), kind="phone", themes=["werk"],
        minutes=10,
    )  # fmt: skip
    record = contact.history.get()
    assert (record.history_type, record.history_user) == ("+", personas.professional)


# --- Goals, scores, conference action items: written in bulk, each with one history row ----------------


def test_every_goal_of_a_saved_plan_has_one_creation_record_by_the_author(personas: Personas) -> None:
    case = CaseFactory(team=personas.team_a)
    werk, wonen = Theme.objects.get(code="werk"), Theme.objects.get(code="wonen")
    version = services.plan_save(
        case=case, by=personas.professional, based_on_version=0, author="household", summary="",
        goals=[services.GoalInput(theme=werk, text="Van de schulden af"), services.GoalInput(theme=wonen, text="Rust")],
    )  # fmt: skip
    records = Goal.history.filter(plan_version=version)
    assert sorted((r.text, r.history_type, r.history_user_id) for r in records) == [
        ("Rust", "+", personas.professional.pk),
        ("Van de schulden af", "+", personas.professional.pk),
    ]
    assert {record.id for record in records} == set(version.goals.values_list("pk", flat=True))


def test_every_score_of_a_measurement_has_one_creation_record_by_the_measurer(personas: Personas) -> None:
    case = CaseFactory(team=personas.team_a)
    person = MembershipFactory(household=case.household).person
    zrm = Instrument.objects.get(code="zrm")
    measurement = services.measurement_record(
        case=case, person=person, instrument=zrm, measured_on=datetime.date(2025, 2, 1), by=personas.team_lead,
        scores=[
            services.ScoreInput(zrm.domains.get(code="financien"), 2, "Schulden"),
            services.ScoreInput(zrm.domains.get(code="huisvesting"), 4, "Huurachterstand"),
        ],
    )  # fmt: skip
    records = MeasurementScore.history.filter(measurement=measurement)
    assert sorted((r.score, r.reason, r.history_type, r.history_user_id) for r in records) == [
        (2, "Schulden", "+", personas.team_lead.pk),
        (4, "Huurachterstand", "+", personas.team_lead.pk),
    ]
    assert Measurement.history.get(id=measurement.pk).history_user == personas.team_lead


def test_a_conferences_action_items_each_have_one_creation_record(personas: Personas) -> None:
    case = CaseFactory(team=personas.team_a)
    werk = Theme.objects.get(code="werk")
    organisation = personas.professional.organisation
    conference = services.conference_record(
        case=case, by=personas.professional, held_on=datetime.date(2025, 3, 1), participants=[personas.professional],
        decisions="Schuldhulp inzetten.",
        action_items=[
            services.ActionInput(theme=werk, description="Aanmelden schuldhulp", delivering_organisation=organisation),
            services.ActionInput(theme=werk, description="Budgetcoach", delivering_organisation=organisation),
        ],
    )  # fmt: skip
    records = Action.history.filter(conference_id=conference.pk)
    assert sorted((r.description, r.history_type, r.history_user_id) for r in records) == [
        ("Aanmelden schuldhulp", "+", personas.professional.pk),
        ("Budgetcoach", "+", personas.professional.pk),
    ]


# --- Many-to-many: the consent's organisations and the conference's participants ------------------------


def test_a_recorded_consent_is_one_creation_record_that_names_its_organisations(personas: Personas) -> None:
    case = CaseFactory(team=personas.team_a)
    person = MembershipFactory(household=case.household).person
    ggd, school = OrganisationFactory(name="GGD"), OrganisationFactory(name="School")
    consent = services.consent_record(
        case=case, person=person, purpose="Delen met GGD en school", organisations=[ggd, school],
        given_on=datetime.date(2025, 1, 15), expires_on=None, by=personas.professional,
    )  # fmt: skip
    record = Consent.history.get(id=consent.pk)
    assert (record.history_type, record.history_user) == ("+", personas.professional)
    assert {link.organisation_id for link in record.organisations.all()} == {ggd.pk, school.pk}


def test_adding_and_removing_an_organisation_are_history_entries_with_who_and_old_and_new(
    personas: Personas,
) -> None:
    case = CaseFactory(team=personas.team_a)
    person = MembershipFactory(household=case.household).person
    ggd, school, police = (OrganisationFactory(name=name) for name in ("GGD", "School", "Politie"))
    consent = services.consent_record(
        case=case, person=person, purpose="Delen", organisations=[ggd, school],
        given_on=datetime.date(2025, 1, 15), expires_on=None, by=personas.professional,
    )  # fmt: skip
    with acting_as(personas.team_lead):
        consent.organisations.add(police)
        consent.organisations.remove(school)
    added, removed = Consent.history.filter(id=consent.pk).order_by("history_date", "history_id")[1:]
    assert (added.history_type, added.history_user, removed.history_user) == (
        "~",
        personas.team_lead,
        personas.team_lead,
    )
    assert {link.organisation_id for link in added.organisations.all()} == {ggd.pk, school.pk, police.pk}
    assert {link.organisation_id for link in removed.organisations.all()} == {ggd.pk, police.pk}
    delta = removed.diff_against(added)
    assert [change.field for change in delta.changes] == ["organisations"]


def test_a_conferences_participants_are_in_its_one_creation_record_and_later_changes_are_entries(
    personas: Personas,
) -> None:
    case = CaseFactory(team=personas.team_a)
    conference = services.conference_record(
        case=case, by=personas.professional, held_on=datetime.date(2025, 3, 1),
        participants=[personas.professional, personas.team_lead], decisions="Schuldhulp inzetten.",
    )  # fmt: skip
    created = CaseConference.history.get(id=conference.pk)
    assert created.history_type == "+" and created.history_user == personas.professional
    assert {link.user_id for link in created.participants.all()} == {personas.professional.pk, personas.team_lead.pk}
    with acting_as(personas.team_lead):
        conference.participants.remove(personas.team_lead)
    latest = CaseConference.history.filter(id=conference.pk).latest()
    assert (latest.history_type, latest.history_user) == ("~", personas.team_lead)
    assert {link.user_id for link in latest.participants.all()} == {personas.professional.pk}


# --- The optional baseline for rows that predate their history -----------------------------------------


def test_the_baseline_gives_rows_without_history_one_dated_and_attributed_creation_record(
    personas: Personas,
) -> None:
    case = CaseFactory(team=personas.team_a)
    version = PlanVersionFactory(plan=case.plan, number=1, created_by=personas.team_lead)
    goal = GoalFactory(plan_version=version)
    measurement = MeasurementFactory(case=case, person=MembershipFactory(household=case.household).person)
    score = ScoreFactory(measurement=measurement, domain=InstrumentDomain.objects.get(code="financien"))
    consent = ConsentFactory(case=case, person=measurement.person, organisations=[OrganisationFactory()])
    # As before the history tables existed: no records, and no links on the consent's record.
    Goal.history.all().delete()
    MeasurementScore.history.all().delete()
    Consent.history.model.organisations.model.objects.all().delete()
    call_command("history_baseline", "--batch-size", "1", stdout=io.StringIO())
    call_command("history_baseline", stdout=io.StringIO())  # idempotent
    goal_record = Goal.history.get(id=goal.pk)
    assert (goal_record.history_type, goal_record.history_user, goal_record.history_date) == (
        "+",
        personas.team_lead,
        version.created_at,
    )
    score_record = MeasurementScore.history.get(id=score.pk)
    assert (score_record.history_user, score_record.reason) == (measurement.measured_by, score.reason)
    latest = Consent.history.filter(id=consent.pk).latest()
    assert [link.organisation_id for link in latest.organisations.all()] == list(
        consent.organisations.values_list("pk", flat=True)
    )

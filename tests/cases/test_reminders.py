"""Reminders: the daily refresh signals each cause once and resolves it when the cause goes; the page lists them."""

import datetime

import pytest
from django.urls import reverse

from cases import reminders
from cases.models import Case, Reminder
from cases.tasks import refresh_reminders
from privacy.models import AccessLogEntry
from tests.cases.factories import CaseFactory, ConsentFactory, ContactFactory, MembershipFactory, PlanVersionFactory
from tests.conftest import Personas

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2025, 6, 2)


def open_reminders() -> set[tuple[str, str, int | None]]:
    return set(Reminder.objects.filter(resolved_at__isnull=True).values_list("case__reference", "kind", "consent_id"))


def a_case(personas: Personas, **kwargs: object) -> Case:
    kwargs.setdefault("team", personas.team_a)
    return CaseFactory(coordinator=personas.professional, **kwargs)


def test_a_case_without_contact_for_thirty_days_is_signalled_from_its_last_contact(personas: Personas) -> None:
    quiet = a_case(personas, referred_on=datetime.date(2025, 1, 10))
    ContactFactory(case=quiet, occurred_on=datetime.date(2025, 5, 2), author=personas.professional)
    recent = a_case(personas, referred_on=datetime.date(2025, 1, 10))
    ContactFactory(case=recent, occurred_on=datetime.date(2025, 5, 3), author=personas.professional)
    never = a_case(personas, referred_on=datetime.date(2025, 5, 1))  # no contact, referred 32 days ago
    closed = a_case(personas, closed=True)

    reminders.reminders_refresh(today=TODAY)

    assert open_reminders() == {(quiet.reference, "no_contact", None), (never.reference, "no_contact", None)}
    assert Reminder.objects.get(case=quiet).since == datetime.date(2025, 5, 2)
    assert Reminder.objects.get(case=never).since == datetime.date(2025, 5, 1)
    assert not Reminder.objects.filter(case__in=[recent, closed]).exists()


def test_a_plan_whose_newest_version_is_six_months_old_is_signalled(personas: Personas) -> None:
    old = a_case(personas)
    PlanVersionFactory(plan=old.plan, number=1, created_by=personas.professional)
    old.plan.versions.update(created_at=datetime.datetime(2024, 12, 2, 9, tzinfo=datetime.UTC))
    renewed = a_case(personas)
    PlanVersionFactory(plan=renewed.plan, number=1, created_by=personas.professional)
    PlanVersionFactory(plan=renewed.plan, number=2, created_by=personas.professional)
    renewed.plan.versions.filter(number=1).update(created_at=datetime.datetime(2024, 6, 1, tzinfo=datetime.UTC))
    renewed.plan.versions.filter(number=2).update(created_at=datetime.datetime(2025, 3, 1, tzinfo=datetime.UTC))
    for case in (old, renewed):
        ContactFactory(case=case, occurred_on=TODAY, author=personas.professional)

    reminders.reminders_refresh(today=TODAY)

    assert open_reminders() == {(old.reference, "plan_evaluation", None)}
    assert Reminder.objects.get(case=old).since == datetime.date(2024, 12, 2)


def test_consent_that_expires_within_a_month_is_signalled_until_it_is_renewed_or_revoked(personas: Personas) -> None:
    case = a_case(personas)
    ContactFactory(case=case, occurred_on=TODAY, author=personas.professional)
    person = MembershipFactory(household=case.household).person
    expiring = ConsentFactory(
        person=person, case=case, expires_on=datetime.date(2025, 6, 30), recorded_by=personas.professional
    )
    ConsentFactory(
        person=person,
        case=case,
        purpose="Ander doel",
        expires_on=datetime.date(2025, 8, 1),
        recorded_by=personas.professional,
    )
    revoked = ConsentFactory(
        person=person,
        case=case,
        purpose="Ingetrokken",
        expires_on=datetime.date(2025, 6, 10),
        revoked_on=datetime.date(2025, 3, 1),
        recorded_by=personas.professional,
    )

    reminders.reminders_refresh(today=TODAY)
    assert open_reminders() == {(case.reference, "consent_expiring", expiring.pk)}
    assert revoked.pk not in {consent for _, _, consent in open_reminders()}

    # Renewed: a later consent for the same person and purpose, running longer.
    ConsentFactory(
        person=person,
        case=case,
        given_on=datetime.date(2025, 6, 1),
        expires_on=datetime.date(2026, 6, 1),
        recorded_by=personas.professional,
    )
    result = reminders.reminders_refresh(today=TODAY)
    assert result == reminders.RefreshResult(created=0, resolved=1)
    assert open_reminders() == set()


def test_the_refresh_is_idempotent_and_resolves_a_reminder_once_its_cause_is_gone(personas: Personas) -> None:
    case = a_case(personas, referred_on=datetime.date(2025, 1, 10))

    first = reminders.reminders_refresh(today=TODAY)
    again = reminders.reminders_refresh(today=TODAY)
    assert (first.created, again.created, again.resolved) == (1, 0, 0)
    assert Reminder.objects.count() == 1

    ContactFactory(case=case, occurred_on=TODAY, author=personas.professional)
    assert reminders.reminders_refresh(today=TODAY) == reminders.RefreshResult(created=0, resolved=1)
    reminder = Reminder.objects.get()
    assert reminder.resolved_at is not None

    # The cause returns a month later: a new reminder, the resolved one stays as history.
    assert reminders.reminders_refresh(today=TODAY + datetime.timedelta(days=31)).created == 1
    assert Reminder.objects.count() == 2


def test_the_database_keeps_one_open_reminder_per_cause(personas: Personas) -> None:
    from django.db import IntegrityError, transaction

    case = a_case(personas)
    Reminder.objects.create(case=case, kind=Reminder.Kind.NO_CONTACT, since=TODAY)
    with pytest.raises(IntegrityError), transaction.atomic():
        Reminder.objects.create(case=case, kind=Reminder.Kind.NO_CONTACT, since=TODAY)


def test_the_task_runs_the_refresh(personas: Personas, time_machine) -> None:  # type: ignore[no-untyped-def]
    time_machine.move_to(datetime.datetime(2025, 6, 2, 5, 30, tzinfo=datetime.UTC), tick=False)
    a_case(personas, referred_on=datetime.date(2025, 1, 10))
    refresh_reminders.apply(throw=True)
    assert Reminder.objects.filter(resolved_at__isnull=True).count() == 1
    refresh_reminders.apply(throw=True)  # another day's run (its own key): nothing new to signal
    assert Reminder.objects.count() == 1


# --- The page -----------------------------------------------------------------------------


def test_the_page_lists_the_reminders_of_ones_caseload_only_and_logs_the_reads(log_in, personas: Personas) -> None:
    mine = a_case(personas, referred_on=datetime.date(2025, 1, 10))
    other_team = CaseFactory(team=personas.team_b, coordinator=personas.professional_b)
    reminders.reminders_refresh(today=TODAY)
    assert Reminder.objects.count() == 2

    response = log_in(personas.professional).get(reverse("cases:reminders"))

    html = response.content.decode()
    assert response.status_code == 200
    assert mine.reference in html and other_team.reference not in html
    assert reverse("cases:household", args=[mine.household.uuid]) in html
    logged = AccessLogEntry.objects.filter(object_type="cases.reminder")
    assert list(logged.values_list("case_id", "user_id", "action")) == [(mine.pk, personas.professional.pk, "read")]


def test_a_team_lead_sees_the_teams_reminders(log_in, personas: Personas) -> None:
    case = CaseFactory(team=personas.team_a, referred_on=datetime.date(2025, 1, 10))  # another coordinator
    reminders.reminders_refresh(today=TODAY)
    html = log_in(personas.team_lead).get(reverse("cases:reminders")).content.decode()
    assert case.reference in html


def test_the_filter_keeps_an_unknown_kind_next_to_the_field_and_shows_all(log_in, personas: Personas) -> None:
    case = a_case(personas, referred_on=datetime.date(2025, 1, 10))
    reminders.reminders_refresh(today=TODAY)
    client = log_in(personas.professional)

    only_plans = client.get(reverse("cases:reminders"), {"soort": "plan_evaluation"}).content.decode()
    assert case.reference not in only_plans
    unknown = client.get(reverse("cases:reminders"), {"soort": "risico"})
    html = unknown.content.decode()
    assert case.reference in html
    assert 'aria-invalid="true"' in html


@pytest.mark.parametrize("persona", ["bureau", "auditor", "privacy_officer", "administrator"])
def test_roles_without_casework_are_refused(log_in, personas: Personas, persona: str) -> None:
    assert log_in(getattr(personas, persona)).get(reverse("cases:reminders")).status_code == 403


def test_the_page_runs_a_constant_number_of_queries(log_in, personas: Personas, django_assert_max_num_queries) -> None:  # type: ignore[no-untyped-def]
    client = log_in(personas.professional)
    a_case(personas, referred_on=datetime.date(2025, 1, 10))
    reminders.reminders_refresh(today=TODAY)
    with django_assert_max_num_queries(14) as few:
        client.get(reverse("cases:reminders"))
    for _ in range(30):
        case = a_case(personas, referred_on=datetime.date(2025, 1, 10))
        person = MembershipFactory(household=case.household).person
        ConsentFactory(
            person=person, case=case, expires_on=datetime.date(2025, 6, 20), recorded_by=personas.professional
        )
    reminders.reminders_refresh(today=TODAY)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(reverse("cases:reminders"))


def test_the_coordinator_is_signalled_90_days_before_a_beneficiary_crosses_the_paying_streams_age_limit(
    personas: Personas,
) -> None:
    """Jeugdwet pays a running action for a 17-year-old who turns 18 on 15-8-2025, before the action ends."""
    from funding.models import Silo
    from tests.cases.factories import ActionFactory, PersonFactory
    from tests.funding.factories import AllocationFactory, StreamFactory

    youth = StreamFactory(silo=Silo.objects.get(code="jeugdwet"), min_age=0, max_age=17)
    signalled, later = a_case(personas), a_case(personas)
    for case, birthday in ((signalled, datetime.date(2007, 8, 15)), (later, datetime.date(2007, 9, 15))):
        person = PersonFactory(date_of_birth=birthday)
        MembershipFactory(household=case.household, person=person)
        ContactFactory(case=case, occurred_on=TODAY, author=personas.professional)
        action = ActionFactory(
            case=case, beneficiary=person, status="in_progress", start_date=datetime.date(2025, 1, 1),
            end_date=datetime.date(2025, 12, 31),
        )  # fmt: skip
        AllocationFactory(action=action, stream=youth)

    reminders.reminders_refresh(today=TODAY)  # 15-8 is 74 days away, 15-9 is 105

    assert open_reminders() == {(signalled.reference, "age_transition", None)}
    reminder = Reminder.objects.get(case=signalled)
    assert reminder.since == datetime.date(2025, 8, 15)
    assert reminder.get_kind_display() == "18-/18+ overgang"
    reminders.reminders_refresh(today=datetime.date(2025, 8, 16))  # the day has passed: the cause is gone
    assert (later.reference, "age_transition", None) in open_reminders()
    assert (signalled.reference, "age_transition", None) not in open_reminders()

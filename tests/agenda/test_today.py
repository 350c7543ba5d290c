"""Vandaag: each role's start page shows the first rows of its full screens, in a fixed number of queries."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from agenda.models import RecentHousehold
from cases.models import Case, CaseStatus, Reminder
from funding.models import BlockageLevel, BlockageStatus
from privacy.models import AccessLogEntry
from tests.agenda.factories import AppointmentFactory, TaskFactory
from tests.cases.factories import ActionFactory, CaseFactory, InvolvementFactory
from tests.conftest import Personas
from tests.funding.factories import BlockageFactory, SpendImportFactory
from tests.organisations.factories import OrganisationFactory, TeamMembershipFactory

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2025, 6, 2, 10, 0, tzinfo=datetime.UTC)  # a Monday


@pytest.fixture(autouse=True)
def monday(time_machine) -> None:  # type: ignore[no-untyped-def]
    time_machine.move_to(NOW, tick=False)


def a_day_of_work(personas: Personas, n: int = 1) -> list:
    """``n`` cases of the professional, each with a task, an appointment, a reminder and a blockage this week."""
    cases = []
    for i in range(n):
        case = CaseFactory(team=personas.team_a, coordinator=personas.professional)
        TaskFactory(case=case, owner=personas.professional, title=f"Taak {i}", due_on=datetime.date(2025, 6, 5))
        AppointmentFactory(case=case, owner=personas.professional, title=f"Afspraak {i}")
        Reminder.objects.create(case=case, kind=Reminder.Kind.NO_CONTACT, since=datetime.date(2025, 4, 1))
        BlockageFactory(action=ActionFactory(case=case), opened_by=personas.professional)
        cases.append(case)
    return cases


def test_the_professional_sees_their_week_reminders_blockages_and_recent_households(log_in, personas: Personas) -> None:
    (case,) = a_day_of_work(personas)
    TaskFactory(case=case, owner=personas.professional, title="Volgende week", due_on=datetime.date(2025, 6, 10))
    TaskFactory(case=case, owner=personas.team_lead, title="Van de teamleider", due_on=datetime.date(2025, 6, 3))
    client = log_in(personas.professional)
    client.get(reverse("cases:household", args=[case.household.uuid]))
    html = client.get(reverse("home")).content.decode()
    assert "Taak 0" in html and "Volgende week" not in html and "Van de teamleider" not in html
    assert "Afspraak 0" in html
    assert "Geen contact in 30 dagen" in html or "geen contact" in html.lower()
    assert reverse("cases:reminders") in html and reverse("funding:team_blockages") in html
    assert f'href="{reverse("cases:household", args=[case.household.uuid])}"' in html  # recently viewed
    assert case.household.address in html
    # Every case the page names is one allowed read, in one INSERT.
    rows = AccessLogEntry.objects.filter(user_id=personas.professional.pk, detail="today")
    assert rows.exists() and {row.case_id for row in rows if row.case_id} == {case.pk}


def test_recently_viewed_keeps_ten_and_shows_only_what_one_still_sees(log_in, personas: Personas) -> None:
    # Cases of the professional's team, coordinated by colleagues: seen through the team.
    cases = [CaseFactory(team=personas.team_a) for _ in range(11)]
    client = log_in(personas.professional)
    for case in cases:
        client.get(reverse("cases:household", args=[case.household.uuid]))
    assert RecentHousehold.objects.filter(user=personas.professional).count() == 10
    assert not RecentHousehold.objects.filter(household=cases[0].household).exists()
    # The case moves to another team: its household drops from the list at once, though the visit is recorded.
    Case.objects.filter(pk=cases[-1].pk).update(team=personas.team_b)
    shown = [row.household for row in RecentHousehold.objects.last_ten(personas.professional)]
    assert cases[-1].household not in shown and cases[-2].household == shown[0]
    assert len(shown) == 9


def test_the_team_lead_sees_referrals_cases_without_coordinator_and_the_teams_reminders(
    log_in, personas: Personas
) -> None:
    waiting = CaseFactory(team=personas.team_a, status=CaseStatus.REFERRAL, coordinator=personas.professional)
    left = TeamMembershipFactory(team=personas.team_a).user
    alone = CaseFactory(team=personas.team_a, coordinator=left)
    InvolvementFactory(case=alone, professional=personas.professional)
    left.is_active = False  # the coordinator left the organisation: the case waits for a new one
    left.save()
    other_team = CaseFactory(team=personas.team_b, status=CaseStatus.REFERRAL)
    Reminder.objects.create(case=alone, kind=Reminder.Kind.NO_CONTACT, since=datetime.date(2025, 4, 1))
    html = log_in(personas.team_lead).get(reverse("home")).content.decode()
    assert waiting.reference in html and other_team.reference not in html
    assert reverse("cases:coordinator-assign", args=[alone.uuid]) in html
    assert "Signalen van het team" in html and "Alle 1 signaal" in html


def test_the_bureau_sees_blockages_at_its_level_and_what_is_new_since_its_last_visit(
    log_in, personas: Personas, time_machine
) -> None:
    personas.bureau.organisation = OrganisationFactory(municipality=personas.team_a.municipality)
    personas.bureau.save()
    case = CaseFactory(team=personas.team_a)
    BlockageFactory(
        action=ActionFactory(case=case), level=BlockageLevel.PROGRAMME_BUREAU, status=BlockageStatus.ESCALATED
    )
    BlockageFactory(action=ActionFactory(case=CaseFactory(team=personas.team_a)))  # still with the team
    client = log_in(personas.bureau)
    html = client.get(reverse("home")).content.decode()
    assert case.reference in html and "1 nieuw sinds uw vorige bezoek" in html
    time_machine.move_to(NOW + datetime.timedelta(minutes=5), tick=False)  # within the idle timeout
    html = client.get(reverse("home")).content.decode()
    assert case.reference in html and "0 nieuw sinds uw vorige bezoek" in html


def test_the_auditor_sees_the_last_imports_and_the_privacy_officer_and_administrator_their_work(
    log_in, personas: Personas
) -> None:
    personas.auditor.organisation = OrganisationFactory(municipality=personas.team_a.municipality)
    personas.auditor.save()
    SpendImportFactory(
        uploaded_by=personas.auditor, municipality=personas.team_a.municipality, filename="q2-uitgaven.csv"
    )
    html = log_in(personas.auditor).get(reverse("home")).content.decode()
    assert "q2-uitgaven.csv" in html and reverse("funding:audit") in html
    html = log_in(personas.privacy_officer).get(reverse("home")).content.decode()
    assert reverse("privacy:home") in html and reverse("privacy:requests") in html
    assert "0 open verzoeken" in html
    html = log_in(personas.administrator).get(reverse("home")).content.decode()
    assert reverse("admin:index") in html and reverse("jobs:probe") in html


@pytest.mark.parametrize("persona", ["professional", "team_lead"])
def test_vandaag_runs_a_fixed_number_of_queries(
    log_in, personas: Personas, django_assert_num_queries, persona: str
) -> None:
    """Session, user, device; the panels (a count and a page each); teams; the access log INSERT."""
    a_day_of_work(personas, 1)
    client = log_in(getattr(personas, persona))
    expected = {"professional": 11, "team_lead": 15}[persona]
    with django_assert_num_queries(expected):
        assert client.get(reverse("home")).status_code == 200
    a_day_of_work(personas, 6)
    for case in CaseFactory.create_batch(3, team=personas.team_a):
        client.get(reverse("cases:household", args=[case.household.uuid]))
    with django_assert_num_queries(expected):
        assert client.get(reverse("home")).status_code == 200

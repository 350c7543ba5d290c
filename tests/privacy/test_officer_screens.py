"""The privacy officer's start page and "who read the file" of an access request."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

from cases.models import HouseholdMembership
from privacy.models import AccessLogEntry, DataSubjectRequest, OfficerVisit
from privacy.subject_access import subject_access_open
from tests.cases.factories import CaseFactory, MembershipFactory
from tests.conftest import Personas

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer(log_in, personas: Personas) -> Client:
    return log_in(personas.privacy_officer)


def _request_with_reads(personas: Personas, reads: int) -> tuple[DataSubjectRequest, HouseholdMembership]:
    case = CaseFactory(team=personas.team_a)
    membership = MembershipFactory(household=case.household, start_date=datetime.date(2020, 1, 1))
    base = datetime.datetime(2026, 11, 1, 8, 0, tzinfo=datetime.UTC)
    AccessLogEntry.objects.bulk_create(
        AccessLogEntry(
            action="read",
            outcome="allowed",
            channel="screen",
            household_id=case.household_id,
            role="professional",
            organisation_name="Buurtwerk Noord",
            object_type="cases.household",
            detail="household page",
            occurred_at=base + datetime.timedelta(minutes=n),
        )
        for n in range(reads)
    )
    handled = subject_access_open(
        person=membership.person, received_on=datetime.date(2026, 11, 20), by=personas.privacy_officer
    )
    return handled, membership


def test_who_read_the_file_is_paged_past_a_hundred_reads(officer: Client, personas: Personas) -> None:
    handled, _membership = _request_with_reads(personas, 120)
    url = reverse("privacy:access-reads", args=[handled.uuid])
    first = officer.get(url)
    assert first.status_code == 200 and len(first.context["reads"]) == 50
    assert "120 keer gelezen" in first.content.decode()
    last = officer.get(url, {"pagina": 3})
    # 120 reads and the officer's own look at the list: one more row.
    assert len(last.context["reads"]) == 21
    # Newest first: the oldest read (1 November, 08:00 UTC = 09:00 in Amsterdam) closes the last page.
    assert last.context["reads"][-1].when == "1 november 2026, 09:00"


def test_who_read_the_file_speaks_dutch_and_shows_no_technical_keys(officer: Client, personas: Personas) -> None:
    handled, _membership = _request_with_reads(personas, 3)
    html = officer.get(reverse("privacy:access-reads", args=[handled.uuid])).content.decode()
    assert "Buurtwerk Noord" in html and "bekeken" in html
    assert "werken aan de casus van het huishouden (huishoudpagina)" in html
    assert "wijkteamprofessional" in html.lower()
    for technical in ["cases.household", "household page", ">professional<", "+00:00", "UTC"]:
        assert technical not in html, technical
    assert AccessLogEntry.objects.filter(detail="who read the file", action="read").exists()


def test_reads_before_the_person_joined_are_not_theirs(officer: Client, personas: Personas) -> None:
    handled, membership = _request_with_reads(personas, 5)
    HouseholdMembership.objects.filter(pk=membership.pk).update(start_date=datetime.date(2026, 12, 1))
    response = officer.get(reverse("privacy:access-reads", args=[handled.uuid]))
    assert response.context["reads"] == []


def test_the_reads_page_has_a_constant_number_of_queries(
    officer: Client, personas: Personas, django_assert_max_num_queries
) -> None:
    handled, _membership = _request_with_reads(personas, 5)
    url = reverse("privacy:access-reads", args=[handled.uuid])
    officer.get(url)
    with django_assert_max_num_queries(30) as small:
        officer.get(url)
    _request_with_reads(personas, 200)
    with django_assert_max_num_queries(len(small.captured_queries)):
        officer.get(url)


def _refused(username: str, at: datetime.datetime) -> None:
    AccessLogEntry.objects.create(
        action="read", outcome="refused", channel="screen", username=username, role="professional", occurred_at=at
    )


def test_the_start_page_links_to_the_officers_screens(officer: Client) -> None:
    html = officer.get(reverse("privacy:home")).content.decode()
    for name in ("privacy:requests", "privacy:log", "privacy:retention"):
        assert f'href="{reverse(name)}"' in html, name


def test_the_start_page_lists_refused_reads_since_the_last_visit(
    officer: Client, personas: Personas, time_machine, log_in
) -> None:
    time_machine.move_to(datetime.datetime(2026, 12, 1, 9, 0, tzinfo=datetime.UTC), tick=False)
    _refused("snuffelaar", datetime.datetime(2026, 11, 30, 12, 0, tzinfo=datetime.UTC))
    first = officer.get(reverse("privacy:home")).content.decode()
    assert "snuffelaar" in first
    assert OfficerVisit.objects.get(user=personas.privacy_officer).seen_until == datetime.datetime(
        2026, 12, 1, 9, 0, tzinfo=datetime.UTC
    )
    time_machine.move_to(datetime.datetime(2026, 12, 2, 9, 0, tzinfo=datetime.UTC), tick=False)
    _refused("nieuwsgierige", datetime.datetime(2026, 12, 1, 15, 0, tzinfo=datetime.UTC))
    officer = log_in(personas.privacy_officer)  # a day later: a new login session
    second = officer.get(reverse("privacy:home")).content.decode()
    assert "nieuwsgierige" in second and "snuffelaar" not in second
    assert "Uw laatste bezoek was op 1 december 2026, 10:00" in second


def test_each_officer_has_their_own_last_visit(log_in, personas: Personas) -> None:
    from tests.organisations.factories import UserFactory

    other = UserFactory(role="privacy_officer")
    _refused("snuffelaar", datetime.datetime.now(tz=datetime.UTC) - datetime.timedelta(hours=1))
    log_in(personas.privacy_officer).get(reverse("privacy:home"))
    assert "snuffelaar" in log_in(other).get(reverse("privacy:home")).content.decode()


def test_the_start_page_has_a_constant_number_of_queries(
    officer: Client, django_assert_max_num_queries, time_machine
) -> None:
    now = datetime.datetime(2026, 12, 6, 9, 0, tzinfo=datetime.UTC)
    time_machine.move_to(now, tick=False)
    _refused("snuffelaar", now - datetime.timedelta(hours=1))
    officer.get(reverse("privacy:home"))
    _refused("snuffelaar", now + datetime.timedelta(seconds=1))
    time_machine.move_to(now + datetime.timedelta(minutes=1), tick=False)
    with django_assert_max_num_queries(30) as small:
        officer.get(reverse("privacy:home"))
    for n in range(80):
        _refused(f"snuffelaar{n}", now + datetime.timedelta(minutes=1, seconds=n + 1))
    time_machine.move_to(now + datetime.timedelta(minutes=5), tick=False)
    with django_assert_max_num_queries(len(small.captured_queries)):
        html = officer.get(reverse("privacy:home")).content.decode()
    assert "80 meldingen" in html


def test_the_main_navigation_leads_the_officer_and_only_the_officer_to_the_start_page(
    log_in, personas: Personas
) -> None:
    link = f'href="{reverse("privacy:home")}"'
    assert link in log_in(personas.privacy_officer).get(reverse("home")).content.decode()
    assert link not in log_in(personas.bureau).get(reverse("home")).content.decode()


def test_the_dutch_retention_screen_shows_every_rule_in_dutch(officer: Client) -> None:
    """Each rule beyond case data and who applies it: a Dutch text, never the English source."""
    from django.utils import translation

    from privacy.personal_data import RULES

    html = officer.get(reverse("privacy:retention"), headers={"accept-language": "nl"}).content.decode()
    assert '<h1 class="utrecht-heading-1">Bewaartermijnen</h1>' in html
    with translation.override(None):  # the source language
        english = [str(text) for rule in RULES.values() for text in (rule.description, rule.left_to) if text]
    with translation.override("nl"):
        dutch = [str(text) for rule in RULES.values() for text in (rule.description, rule.left_to) if text]
    shown = [rule for rule in RULES.values() if rule.code != "case"]
    assert len(english) == len(dutch) and not set(english) & set(dutch)
    for text in english:
        assert escape(text) not in html, text
    for rule in shown:
        with translation.override("nl"):
            assert escape(str(rule.description)) in html, rule.code

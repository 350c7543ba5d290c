"""The privacy officer's start page (#13 item 8): links, and refused and out-of-purpose reads since the last visit."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.urls import reverse

from privacy.models import AccessLogEntry
from tests.conftest import Personas

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 12, 1, 9, 0, tzinfo=datetime.UTC)


@pytest.fixture
def officer(log_in, personas: Personas) -> Client:
    return log_in(personas.privacy_officer)


def _row(username: str, at: datetime.datetime, **fields: str) -> AccessLogEntry:
    values = {"action": "read", "outcome": "allowed", "channel": "screen", "role": "team_lead", **fields}
    return AccessLogEntry.objects.create(
        username=username, occurred_at=at, organisation_name="Wijkteam Noord", **values
    )


def test_the_start_page_links_to_requests_log_register_and_retention(officer: Client) -> None:
    html = officer.get(reverse("privacy:home")).content.decode()
    for name in ("privacy:requests", "privacy:log", "privacy:register", "privacy:retention"):
        assert f'href="{reverse(name)}"' in html, name
    assert "Verwerkingsregister" in html


def test_out_of_purpose_reads_are_listed_with_their_reason_beside_refused_ones(officer: Client, time_machine) -> None:
    time_machine.move_to(NOW, tick=False)
    _row("lead-x", NOW - datetime.timedelta(hours=3), activity="team-supervision", reason="other: Vervanging")
    _row("snuffelaar", NOW - datetime.timedelta(hours=2), outcome="refused", activity="security")
    _row("gewoon", NOW - datetime.timedelta(hours=1), activity="casework")
    html = officer.get(reverse("privacy:home")).content.decode()
    assert "lead-x" in html and "Een andere reden: Vervanging" in html
    assert "Teamleiding en kwaliteitstoezicht" in html  # the activity's name, not its code
    assert "snuffelaar" in html and "Geweigerd" in html
    assert "gewoon" not in html  # a read for the reader's own work is no news


def test_times_are_shown_in_amsterdam_time(officer: Client, time_machine) -> None:
    time_machine.move_to(NOW, tick=False)
    _row("lead-x", datetime.datetime(2026, 11, 30, 23, 30, tzinfo=datetime.UTC), reason="review")
    html = officer.get(reverse("privacy:home")).content.decode()
    assert "1 december 2026, 00:30" in html


def test_the_list_is_paged_and_the_pages_keep_the_window_of_the_visit(
    officer: Client, personas: Personas, time_machine
) -> None:
    time_machine.move_to(NOW, tick=False)
    for n in range(60):
        _row(f"lead-{n:02d}", NOW - datetime.timedelta(minutes=n + 1), reason="review")
    first = officer.get(reverse("privacy:home")).content.decode()
    assert "60 meldingen" in first and "lead-00" in first and "lead-59" not in first
    assert "?pagina=2" in first
    time_machine.move_to(NOW + datetime.timedelta(minutes=5), tick=False)
    second = officer.get(reverse("privacy:home"), {"pagina": "2"}).content.decode()
    assert "lead-59" in second and "lead-00" not in second  # the visit that started on page 1


def test_the_officers_own_reads_are_not_news_to_them(officer: Client, personas: Personas, time_machine) -> None:
    time_machine.move_to(NOW, tick=False)
    AccessLogEntry.objects.create(
        user_id=personas.privacy_officer.pk,
        username="po-self",
        occurred_at=NOW - datetime.timedelta(minutes=5),
        action="read",
        outcome="allowed",
        channel="screen",
        activity="subject-rights",
        reason="subject_request: access 2026-11-20",
    )
    html = officer.get(reverse("privacy:home")).content.decode()
    assert "po-self" not in html
    assert "Geen meldingen sinds uw laatste bezoek." in html


def test_the_start_page_is_a_fixed_number_of_queries(
    officer: Client, time_machine, django_assert_max_num_queries
) -> None:
    time_machine.move_to(NOW, tick=False)
    _row("lead-x", NOW - datetime.timedelta(hours=1), reason="review")
    officer.get(reverse("privacy:home"))
    time_machine.move_to(NOW + datetime.timedelta(hours=1), tick=False)
    _row("lead-y", NOW + datetime.timedelta(minutes=1), reason="review")
    with django_assert_max_num_queries(30) as small:
        officer.get(reverse("privacy:home"))
    time_machine.move_to(NOW + datetime.timedelta(hours=2), tick=False)
    for n in range(40):
        _row(f"lead-{n}", NOW + datetime.timedelta(hours=1, minutes=n + 1), reason="review", outcome="refused")
    with django_assert_max_num_queries(len(small.captured_queries)):
        officer.get(reverse("privacy:home"))


def test_the_retention_pages_title_holds_no_page_content(officer: Client) -> None:
    """The title block once swallowed a table and a paragraph of the page (#13 item 6)."""
    html = officer.get(reverse("privacy:retention")).content.decode()
    title = html.split("<title>", 1)[1].split("</title>", 1)[0]
    assert "<" not in title and "Bewaartermijnen" in title
    assert html.count("Persoonsgegevens buiten de casussen") == 1

"""Issue 15 item 4: a note typed, the session expired, the note back after the login and saved once.

Drafts are kept while typing, only for their writer and only while the case is visible to them;
a form posted after the session ended keeps its content through the login.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client
from django.urls import reverse
from time_machine import TimeMachineFixture

from accounts.sessions import LAST_SEEN
from cases.models import Case, Contact
from drafts.models import Draft
from privacy.models import AccessLogEntry
from tests.cases.factories import CaseFactory
from tests.conftest import Personas

pytestmark = pytest.mark.django_db

MORNING = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
NOTE = "Moeder vertelt uitgebreid over de schulden en de school van de jongste. " * 15


def csrf_token(client: Client, url: str) -> str:
    html = client.get(url).content.decode()
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    assert match, "no CSRF token on the page"
    return match.group(1)


@pytest.fixture
def case(personas: Personas) -> Case:
    return CaseFactory(team=personas.team_a, coordinator=personas.professional, referred_on=MORNING.date())


@pytest.fixture
def strict(client: Client) -> Client:
    client.handler.enforce_csrf_checks = True  # as a browser: every POST carries its token
    return client


def contact_fields(case: Case, token: str) -> dict[str, object]:
    return {
        "csrfmiddlewaretoken": token,
        "draft_key": f"contact-note:{case.uuid}",
        "occurred_on": "02-03-2026",
        "kind": "home_visit",
        "themes": ["welzijn"],
        "minutes": "45",
        "note": NOTE,
        "confidentiality": "all",
    }


def test_a_note_typed_survives_the_session_end_and_is_saved_once(
    strict: Client, log_in, personas: Personas, case: Case, time_machine: TimeMachineFixture
) -> None:
    time_machine.move_to(MORNING, tick=False)
    log_in(personas.professional)
    form_url = reverse("cases:contact-create", args=[case.uuid])
    token = csrf_token(strict, form_url)

    # Typing: the autosave keeps the note as a draft.
    saved = strict.post(
        reverse("drafts:save"), {"draft_key": f"contact-note:{case.uuid}", "note": NOTE}, headers={"X-CSRFToken": token}
    )
    assert saved.status_code == 200 and "Concept opgeslagen om 09:00" in saved.content.decode()
    assert Draft.objects.get(writer=personas.professional).text == NOTE

    # The coffee took too long: the form is sent after the session ended.
    time_machine.shift(timedelta(minutes=16))
    sent = strict.post(form_url, contact_fields(case, token))
    assert sent.status_code == 302
    assert sent["Location"].startswith(reverse("login")) and "sessie" in sent["Location"]
    assert not Contact.objects.exists()

    # Logging in again: the draft is back on the form, and the form waits to be sent.
    log_in(personas.professional)
    restored = strict.get(reverse("drafts:restore"), {"draft_key": f"contact-note:{case.uuid}"})
    assert restored.status_code == 200 and "Moeder vertelt uitgebreid" in restored.content.decode()
    assert AccessLogEntry.objects.filter(user_id=personas.professional.pk, detail="draft restored").count() == 1
    resume = strict.get(reverse("session_resume"))
    html = resume.content.decode()
    assert resume.status_code == 200 and "Uw formulier versturen" in html and "Moeder vertelt uitgebreid" in html
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', html))
    assert fields["minutes"] == "45" and fields["draft_key"] == f"contact-note:{case.uuid}"
    action = re.search(r'<form method="post" action="([^"]+)"', html)
    assert action and action.group(1) == form_url

    # Send now: saved once, the draft gone, and nothing waits any more.
    data = dict(contact_fields(case, fields["csrfmiddlewaretoken"]))
    assert strict.post(action.group(1), data).status_code == 302
    assert Contact.objects.filter(case=case).count() == 1
    assert Contact.objects.get().note.strip() == NOTE.strip()
    assert not Draft.objects.exists()
    assert strict.get(reverse("session_resume")).status_code == 302


def test_a_forged_post_after_the_session_ended_is_not_kept(
    strict: Client, log_in, personas: Personas, case: Case, time_machine: TimeMachineFixture
) -> None:
    time_machine.move_to(MORNING, tick=False)
    log_in(personas.professional)
    time_machine.shift(timedelta(minutes=16))
    form_url = reverse("cases:contact-create", args=[case.uuid])
    strict.post(form_url, {**contact_fields(case, "forged"), "csrfmiddlewaretoken": "x" * 64})
    log_in(personas.professional)
    assert strict.get(reverse("session_resume")).status_code == 302  # nothing waits


def test_a_kept_form_is_only_for_the_user_who_sent_it(
    client: Client, log_in, personas: Personas, case: Case, time_machine: TimeMachineFixture
) -> None:
    time_machine.move_to(MORNING, tick=False)
    log_in(personas.professional)
    time_machine.shift(timedelta(minutes=16))
    client.post(reverse("cases:contact-create", args=[case.uuid]), contact_fields(case, "unused"))
    log_in(personas.team_lead)  # a colleague logs in on the same computer
    response = client.get(reverse("session_resume"), follow=True)
    assert "Moeder vertelt" not in response.content.decode()


def test_stay_logged_in_counts_as_activity(log_in, personas: Personas, time_machine: TimeMachineFixture) -> None:
    time_machine.move_to(MORNING, tick=False)
    client = log_in(personas.professional)
    time_machine.shift(timedelta(seconds=30))
    assert client.post(reverse("session_keep_alive")).status_code == 204
    assert client.session[LAST_SEEN] == (MORNING + timedelta(seconds=30)).timestamp()
    time_machine.shift(timedelta(minutes=14, seconds=50))
    assert client.get(reverse("cases:caseload")).status_code == 200


def test_the_warning_before_the_logout_is_on_every_page_of_a_logged_in_user(log_in, personas: Personas) -> None:
    client = log_in(personas.professional)
    html = client.get(reverse("cases:caseload")).content.decode()
    assert 'id="session-warning"' in html and 'data-warn-after="720"' in html and "Blijf ingelogd" in html
    assert "js/session.js" in html
    assert 'id="session-warning"' not in Client().get(reverse("login")).content.decode()


def test_a_draft_is_its_writers_alone_and_needs_the_case(log_in, personas: Personas, case: Case) -> None:
    key = f"contact-note:{case.uuid}"
    log_in(personas.professional).post(reverse("drafts:save"), {"draft_key": key, "note": NOTE})
    # A colleague who sees the case gets no draft of someone else.
    colleague = log_in(personas.team_lead)
    assert colleague.get(reverse("drafts:restore"), {"draft_key": key}).status_code == 204
    # Someone who may not see the case gets a 404 both ways, and nothing is stored.
    outsider = log_in(personas.professional_b)
    assert outsider.get(reverse("drafts:restore"), {"draft_key": key}).status_code == 404
    assert outsider.post(reverse("drafts:save"), {"draft_key": key, "note": "x"}).status_code == 404
    assert Draft.objects.count() == 1
    # A crafted key is a 404 too.
    assert outsider.post(reverse("drafts:save"), {"draft_key": "../../etc", "note": "x"}).status_code == 404


def test_an_emptied_field_or_throwing_away_removes_the_draft(log_in, personas: Personas, case: Case) -> None:
    key = f"contact-note:{case.uuid}"
    client = log_in(personas.professional)
    client.post(reverse("drafts:save"), {"draft_key": key, "note": NOTE})
    client.post(reverse("drafts:save"), {"draft_key": key, "note": "   "})
    assert not Draft.objects.exists()
    client.post(reverse("drafts:save"), {"draft_key": key, "note": NOTE})
    thrown = client.post(reverse("drafts:throw-away"), {"draft_key": key})
    assert thrown.status_code == 200 and not Draft.objects.exists()


def test_drafts_are_purged_after_their_time_and_with_their_case(log_in, personas: Personas, case: Case) -> None:
    from privacy.retention import cases_anonymise, housekeeping_apply

    key = f"contact-note:{case.uuid}"
    log_in(personas.professional).post(reverse("drafts:save"), {"draft_key": key, "note": NOTE})
    assert housekeeping_apply(now=datetime.now(UTC) + timedelta(hours=71)).drafts == 0
    assert housekeeping_apply(now=datetime.now(UTC) + timedelta(hours=73)).drafts == 1
    log_in(personas.professional).post(reverse("drafts:save"), {"draft_key": key, "note": NOTE})
    cases_anonymise(case_ids=[case.pk])
    assert not Draft.objects.exists()

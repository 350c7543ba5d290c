"""Tasks and appointments: made on a case's forms, ticked off, kept in the write history, logged, scrubbed with
the case, and exported per user as an iCalendar feed that names case references only."""

from __future__ import annotations

import datetime
import re

import pytest
from django.urls import reverse

from agenda import ical
from agenda.models import Appointment, CalendarFeed, Task
from cases.history import household_history_page
from privacy.models import AccessLogEntry
from privacy.retention import REDACTED, cases_anonymise
from tests.agenda.factories import AppointmentFactory, TaskFactory
from tests.cases.factories import ActionFactory, CaseFactory, ConferenceFactory, MembershipFactory
from tests.conftest import Personas

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2025, 6, 2, 10, 0, tzinfo=datetime.UTC)  # a Monday


@pytest.fixture
def case(personas: Personas, time_machine):  # type: ignore[no-untyped-def]
    time_machine.move_to(NOW, tick=False)
    case = CaseFactory(team=personas.team_a, coordinator=personas.professional)
    MembershipFactory(household=case.household, person__first_name="Fatima", person__last_name="Yilmaz")
    return case


def test_a_task_from_a_conference_item_gets_an_owner_and_a_date(log_in, personas: Personas, case) -> None:
    conference = ConferenceFactory(case=case, created_by=personas.professional)
    action = ActionFactory(case=case, conference=conference, created_by=personas.professional)
    client = log_in(personas.professional)
    form = client.get(reverse("agenda:task-create", kwargs={"case": case.uuid})).content.decode()
    assert "Taak toevoegen" in form and action.description in form
    key = re.search(rf'<option value="([^"]+)">{re.escape(action.description)}', form)
    assert key, form
    owner = re.search(r'<option value="([^"]+)" selected>', form)
    assert owner
    response = client.post(
        reverse("agenda:task-create", kwargs={"case": case.uuid}),
        {"title": "De school bellen", "owner": owner.group(1), "due_on": "2025-06-06", "action": key.group(1)},
    )
    assert response.status_code == 302
    task = Task.objects.get()
    assert (task.owner, task.due_on, task.action, task.conference) == (
        personas.professional,
        datetime.date(2025, 6, 6),
        action,
        conference,
    )
    # Logged as a change of the case, and shown on the household page.
    assert AccessLogEntry.objects.filter(case_id=case.pk, action="update", outcome="allowed").exists()
    page = client.get(reverse("cases:household", args=[case.household.uuid])).content.decode()
    assert "De school bellen" in page and reverse("agenda:task-create", kwargs={"case": case.uuid}) in page


def test_a_task_form_with_errors_keeps_what_was_typed_and_saves_nothing(log_in, personas: Personas, case) -> None:
    response = log_in(personas.professional).post(
        reverse("agenda:task-create", kwargs={"case": case.uuid}), {"title": "Bellen met de GGD", "due_on": ""}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Vul de datum in waarop het klaar moet zijn." in html
    assert 'value="Bellen met de GGD"' in html
    assert not Task.objects.exists()


def test_an_appointment_has_a_date_time_and_place_and_can_be_cancelled(log_in, personas: Personas, case) -> None:
    client = log_in(personas.professional)
    form = client.get(reverse("agenda:appointment-create", kwargs={"case": case.uuid})).content.decode()
    owner = re.search(r'<option value="([^"]+)" selected>', form)
    assert owner
    response = client.post(
        reverse("agenda:appointment-create", kwargs={"case": case.uuid}),
        {
            "title": "Huisbezoek",
            "owner": owner.group(1),
            "day": "2025-06-03",
            "time": "14:30",
            "duration_minutes": "45",
            "place": "Thuis",
        },
    )
    assert response.status_code == 302
    appointment = Appointment.objects.get()
    assert appointment.starts_at.astimezone(datetime.UTC) == datetime.datetime(2025, 6, 3, 12, 30, tzinfo=datetime.UTC)
    assert appointment.place == "Thuis" and appointment.duration_minutes == 45
    assert client.post(reverse("agenda:appointment-cancel", args=[appointment.uuid])).status_code == 302
    appointment.refresh_from_db()
    assert appointment.cancelled_at is not None


def test_ticking_off_is_in_the_households_history(log_in, personas: Personas, case) -> None:
    task = TaskFactory(case=case, owner=personas.professional)
    client = log_in(personas.professional)
    response = client.post(reverse("agenda:task-done", args=[task.uuid]), {"terug": "vandaag"})
    assert response.status_code == 302 and response["Location"] == reverse("home")
    task.refresh_from_db()
    assert task.is_done
    entries, _next = household_history_page(user=personas.professional, household=case.household, number=1)
    assert [entry.kind for entry in entries if entry.kind == "Taak"], [entry.kind for entry in entries]
    # Another team's professional cannot tick it off: not found, and the attempt is logged.
    other = log_in(personas.professional_b)
    assert other.post(reverse("agenda:task-done", args=[task.uuid])).status_code == 404
    refused = AccessLogEntry.objects.filter(user_id=personas.professional_b.pk, outcome="refused", case_id=case.pk)
    assert refused.exists()


def test_the_owner_must_work_on_the_case(personas: Personas, case) -> None:
    from django.core.exceptions import ValidationError

    from agenda.services import task_create

    with pytest.raises(ValidationError) as refused:
        task_create(case=case, by=personas.professional, owner=personas.professional_b, title="x", due_on=NOW.date())
    assert "owner" in refused.value.message_dict


def test_retention_scrubs_titles_and_places_with_the_case(personas: Personas, case) -> None:
    TaskFactory(case=case, owner=personas.professional, title="Fatima naar de huisarts")
    AppointmentFactory(case=case, owner=personas.professional, place="Dorpsstraat 1")
    cases_anonymise(case_ids=[case.pk])
    assert set(Task.objects.values_list("title", flat=True)) == {REDACTED}
    assert set(Task.history.values_list("title", flat=True)) == {REDACTED}
    assert set(Appointment.objects.values_list("place", flat=True)) == {REDACTED}


# --- The calendar feed ----------------------------------------------------------------------------------------


def parse_ics(body: bytes) -> list[dict[str, str]]:
    """A strict reading of RFC 5545's shape: CRLF lines of at most 75 octets, folding, escaped TEXT values."""
    assert body.endswith(b"\r\n")
    raw_lines = body.split(b"\r\n")[:-1]
    assert all(len(line) <= 75 for line in raw_lines), [line for line in raw_lines if len(line) > 75]
    assert b"\n" not in b"".join(raw_lines)
    lines: list[str] = []
    for line in raw_lines:
        if line.startswith(b" "):
            lines[-1] += line[1:].decode("utf-8")
        else:
            lines.append(line.decode("utf-8"))
    assert lines[0] == "BEGIN:VCALENDAR" and lines[-1] == "END:VCALENDAR"
    assert "VERSION:2.0" in lines and any(line.startswith("PRODID:") for line in lines)
    events: list[dict[str, str]] = []
    current: dict[str, str] | None = None
    for line in lines[1:-1]:
        if line == "BEGIN:VEVENT":
            current = {}
        elif line == "END:VEVENT":
            assert current is not None
            assert {"UID", "DTSTAMP", "DTSTART", "SUMMARY"} <= set(current), current
            events.append(current)
            current = None
        elif current is not None:
            name, _sep, value = line.partition(":")
            unescaped = re.sub(r"\\([\\;,nN])", lambda m: "\n" if m.group(1) in "nN" else m.group(1), value)
            current[name.split(";")[0]] = unescaped
    assert current is None
    return events


def test_the_feed_names_case_references_only_and_parses(client, personas: Personas, case) -> None:
    TaskFactory(case=case, owner=personas.professional, title="Fatima Yilmaz bellen", due_on=datetime.date(2025, 6, 4))
    AppointmentFactory(case=case, owner=personas.professional, place="Dorpsstraat 1, bij Yilmaz")
    TaskFactory(case=case, owner=personas.team_lead, title="Niet van mij")
    feed = CalendarFeed.objects.create(user=personas.professional)
    response = client.get(reverse("agenda:feed", args=[feed.token]))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/calendar")
    body = response.content
    events = parse_ics(body)
    assert len(events) == 2
    summaries = {event["SUMMARY"] for event in events}
    assert summaries == {f"Taak casus {case.reference}", f"Afspraak casus {case.reference}"}
    assert all(event["URL"].endswith(reverse("cases:household", args=[case.household.uuid])) for event in events)
    for name in (b"Yilmaz", b"Fatima", b"Dorpsstraat", b"bellen"):
        assert name not in body
    # The calendar application read the case on the user's behalf: one row per case.
    rows = AccessLogEntry.objects.filter(user_id=personas.professional.pk, detail="calendar feed")
    assert [row.case_id for row in rows] == [case.pk]
    assert feed.token not in rows[0].path


def test_resetting_the_secret_ends_the_old_address(client, log_in, personas: Personas, case) -> None:
    browser = log_in(personas.professional)
    page = browser.get(reverse("agenda:calendar")).content.decode()
    old = CalendarFeed.objects.get(user=personas.professional).token
    assert old in page
    browser.post(reverse("agenda:calendar"))
    new = CalendarFeed.objects.get(user=personas.professional).token
    assert new != old
    assert client.get(reverse("agenda:feed", args=[old])).status_code == 404
    assert client.get(reverse("agenda:feed", args=[new])).status_code == 200


def test_text_is_escaped_and_long_lines_are_folded_on_character_boundaries() -> None:
    assert ical.escape_text("a;b,c\\d\ne") == "a\\;b\\,c\\\\d\\ne"
    line = "SUMMARY:" + "é" * 80
    folded = ical.fold(line)
    assert all(len(part.encode()) <= 75 for part in folded.split("\r\n"))
    assert folded.replace("\r\n ", "") == line


def test_a_conference_action_item_with_someone_to_follow_it_up_becomes_their_task(personas: Personas, case) -> None:
    from cases.services import ActionInput, conference_record
    from themes.models import Theme

    item = ActionInput(
        theme=Theme.objects.order_by("order").first(),
        description="Aanmelden bij de schuldhulp",
        delivering_organisation=personas.professional.organisation,
        follow_up_by=personas.professional,
        follow_up_on=datetime.date(2025, 6, 6),
    )
    without = ActionInput(
        theme=item.theme, description="Nog uitzoeken", delivering_organisation=item.delivering_organisation
    )
    conference = conference_record(
        case=case,
        by=personas.professional,
        held_on=NOW.date(),
        participants=[personas.professional],
        decisions="Schulden eerst.",
        action_items=[item, without],
    )
    task = Task.objects.get()
    assert (task.owner, task.due_on, task.conference, task.action.description) == (
        personas.professional,
        datetime.date(2025, 6, 6),
        conference,
        "Aanmelden bij de schuldhulp",
    )


def test_the_conference_form_asks_for_both_who_and_when(personas: Personas, case) -> None:
    from cases.forms import ActionItemForm, CaseChoices

    form = ActionItemForm({"follow_up_on": "2025-06-06"}, choices=CaseChoices(case=case, user=personas.professional))
    form.is_valid()
    assert form.errors["follow_up_by"] == ["Kies wie het doet."]


def test_the_household_panel_reads_open_tasks_and_coming_appointments_in_one_query_in_their_own_order(
    log_in, personas: Personas, case, django_assert_num_queries
) -> None:
    from agenda.templatetags.agenda import case_agenda_entries

    owner = personas.professional
    nameless = TaskFactory(case=case, owner__first_name="", owner__last_name="", title="Later", due_on=NOW.date())
    soon = TaskFactory(case=case, owner=owner, title="Eerst", due_on=NOW.date() - datetime.timedelta(days=2))
    TaskFactory(case=case, owner=owner, title="Al gedaan", done_at=NOW)
    TaskFactory(owner=owner, title="Andere casus")
    visit = AppointmentFactory(case=case, owner=owner, starts_at=NOW + datetime.timedelta(days=1), place="Thuis")
    first = AppointmentFactory(case=case, owner=owner, title="Bij school", starts_at=NOW, place="School")
    AppointmentFactory(case=case, owner=owner, title="Afgezegd", starts_at=NOW, cancelled_at=NOW)
    AppointmentFactory(case=case, owner=owner, title="Lang geleden", starts_at=NOW - datetime.timedelta(days=9))
    with django_assert_num_queries(1):
        tasks, appointments = case_agenda_entries(case)
    assert [(task.uuid, task.title, task.due_on) for task in tasks] == [
        (soon.uuid, "Eerst", soon.due_on),
        (nameless.uuid, "Later", NOW.date()),
    ]
    assert [task.owner_name for task in tasks] == [owner.get_full_name(), nameless.owner.username]
    assert [(entry.uuid, entry.starts_at, entry.place) for entry in appointments] == [
        (first.uuid, NOW, "School"),
        (visit.uuid, visit.starts_at, "Thuis"),
    ]
    # The household page reads the same rows with its cases (with_agenda_rows), and the panel no query more.
    from django.template import Context

    from agenda.templatetags.agenda import case_agenda, with_agenda_rows
    from cases.models import Case

    loaded = with_agenda_rows(Case.objects.filter(pk=case.pk)).get()
    with django_assert_num_queries(0):
        panel = case_agenda(Context(), loaded)
    assert (panel["tasks"], panel["appointments"]) == (tasks, appointments)
    page = log_in(owner).get(reverse("cases:household", args=[case.household.uuid])).content.decode()
    assert f"Eerst ({owner.get_full_name()})" in page and f"Later ({nameless.owner.username})" in page
    assert f"Bij school, School ({owner.get_full_name()})" in page
    assert "Al gedaan" not in page and "Afgezegd" not in page and "Lang geleden" not in page

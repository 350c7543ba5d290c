"""The access log as a Logboek Dataverwerkingen (#13 item 4): trace, processing id, activity, status, subject."""

from __future__ import annotations

import datetime
import json
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from jobs.models import OutboxMessage
from privacy import access_log, register
from privacy.models import AccessLogEntry
from privacy.verify import verify_access_log
from tests.cases.factories import CaseFactory, MembershipFactory
from tests.conftest import Personas

pytestmark = pytest.mark.django_db

TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
CALLER_SPAN = "00f067aa0ba902b7"
TRACEPARENT = f"00-{TRACE}-{CALLER_SPAN}-01"


def test_every_row_of_a_request_shares_its_trace_and_has_a_processing_id_and_a_delete_after_day(
    log_in, personas: Personas
) -> None:
    case = CaseFactory(team=personas.team_a, coordinator=personas.professional)
    response = log_in(personas.professional).get(
        reverse("cases:household", args=[case.household.uuid]), headers={"traceparent": TRACEPARENT}
    )
    assert response.status_code == 200
    rows = list(AccessLogEntry.objects.filter(household_id=case.household_id))
    assert len(rows) >= 2
    assert {row.trace_id for row in rows} == {TRACE}
    assert len({row.span_id for row in rows}) == len(rows)
    assert all(re.fullmatch(r"[0-9a-f]{16}", row.span_id) for row in rows)
    # The rows hang under the request's own operation, not under the caller's.
    (operation,) = {row.parent_span_id for row in rows}
    assert re.fullmatch(r"[0-9a-f]{16}", operation) and operation != CALLER_SPAN
    # The local day (the row's delete-after day is counted from it), not the UTC one: they differ before 01:00.
    today = timezone.localdate(rows[0].occurred_at)
    assert {row.delete_after for row in rows} == {register.log_delete_after(today)}
    assert rows[0].delete_after.year == today.year + register.LOG_RETENTION_YEARS
    assert verify_access_log().ok


def test_a_request_without_a_trace_starts_one_named_by_its_request_id(log_in, personas: Personas) -> None:
    case = CaseFactory(team=personas.team_a, coordinator=personas.professional)
    response = log_in(personas.professional).get(reverse("cases:household", args=[case.household.uuid]))
    rows = AccessLogEntry.objects.filter(household_id=case.household_id)
    assert {row.trace_id for row in rows} == {response["X-Request-ID"]}
    # The request id the middleware made is the one on the rows, not only one the caller sent.
    assert {row.request_id for row in rows} == {response["X-Request-ID"]}


def test_the_trace_travels_with_the_request_id_into_the_background_task(
    log_in, personas: Personas, django_capture_on_commit_callbacks
) -> None:
    case = CaseFactory(team=personas.team_a, coordinator=personas.professional)
    person = MembershipFactory(household=case.household).person
    from privacy.subject_access import subject_access_open, subject_access_release

    handled = subject_access_open(person=person, received_on=datetime.date(2026, 1, 5), by=personas.privacy_officer)
    subject_access_release(request=handled, by=personas.privacy_officer)
    client = log_in(personas.privacy_officer)
    data = {"request": str(handled.uuid)}
    # The task runs after the response is done (the callbacks run at the end of the block), so only
    # what the outbox carried can give it the request's trace.
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("privacy:export"),
            data,
            headers={"traceparent": TRACEPARENT, "X-Request-ID": "verzoek-00000001"},
        )
    assert response.status_code == 302
    message = OutboxMessage.objects.get(task_name="exports.build")
    assert message.request_id == "verzoek-00000001" and message.traceparent.startswith(f"00-{TRACE}-")
    in_task = AccessLogEntry.objects.get(action="export", person_id=person.pk, channel="task")
    asked = AccessLogEntry.objects.get(detail="export requested")
    assert in_task.trace_id == asked.trace_id == TRACE
    assert in_task.activity == "subject-rights"
    # The task is an operation of its own in that trace.
    assert in_task.parent_span_id not in ("", asked.parent_span_id, CALLER_SPAN)
    assert verify_access_log().ok


def test_the_privacy_officer_exports_one_subjects_processings_in_the_logboek_shape(log_in, personas: Personas) -> None:
    case = CaseFactory(team=personas.team_a, coordinator=personas.professional)
    person = MembershipFactory(household=case.household, start_date=datetime.date(2024, 1, 1)).person
    other_household = CaseFactory(team=personas.team_a, coordinator=personas.professional)
    client = log_in(personas.professional)
    assert client.get(reverse("cases:household", args=[case.household.uuid])).status_code == 200
    assert client.get(reverse("cases:household", args=[other_household.household.uuid])).status_code == 200
    access_log.record(  # a refused attempt by someone else, about this person
        user=personas.professional_b,
        action=access_log.Action.READ,
        subject=access_log.Subject(person_id=person.pk, object_type="cases.person"),
        outcome=access_log.Outcome.REFUSED,
    )
    client.logout()

    officer = log_in(personas.privacy_officer)
    data = {"person": str(person.uuid), "received_on": "2026-01-05", "confirm": "on"}
    response = officer.post(reverse("privacy:logboek"), data)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    exported = json.loads(response.content)
    subject = exported["data_subject"]
    assert subject["id_type"] == "wijkteam-persoon-pseudoniem"
    assert str(person.uuid) not in response.content.decode()
    assert not person.bsn or person.bsn not in response.content.decode()
    processings = exported["processings"]
    household_reads = AccessLogEntry.objects.filter(household_id=case.household_id).count()
    assert len(processings) == household_reads + 1  # the household page's rows and the refused attempt
    first = processings[0]
    assert set(first) >= {"trace_id", "span_id", "parent_span_id", "name", "start_time", "end_time", "status_code"}
    assert re.fullmatch(r"[0-9a-f]{32}", first["trace_id"]) and re.fullmatch(r"[0-9a-f]{16}", first["span_id"])
    assert first["attributes"]["dpl.core.processing_activity_id"].endswith(
        reverse("privacy:register") + "#case-coordination"
    )
    assert first["attributes"]["dpl.core.data_subject_id"] == subject["id"]
    assert first["attributes"]["wijkteam.user"] == "prof-a"
    assert first["attributes"]["wijkteam.delete_after"]
    statuses = [processing["status_code"] for processing in processings]
    assert statuses.count("STATUS_CODE_ERROR") == 1 and statuses.count("STATUS_CODE_OK") == household_reads
    # The export itself is logged, for this person, as a data-subject request.
    export = AccessLogEntry.objects.get(detail="data-subject logboek export")
    assert (export.person_id, export.activity) == (person.pk, "subject-rights")


def test_a_household_read_before_the_person_joined_is_not_theirs(log_in, personas: Personas) -> None:
    case = CaseFactory(team=personas.team_a, coordinator=personas.professional)
    assert log_in(personas.professional).get(reverse("cases:household", args=[case.household.uuid])).status_code == 200
    newcomer = MembershipFactory(
        household=case.household, start_date=datetime.date.today() + datetime.timedelta(days=1)
    )
    officer = log_in(personas.privacy_officer)
    data = {"person": str(newcomer.person.uuid), "received_on": "2026-01-05", "confirm": "on"}
    assert json.loads(officer.post(reverse("privacy:logboek"), data).content)["processings"] == []

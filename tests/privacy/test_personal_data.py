"""Retention covers every place personal data lives: the classification of every model, and the rules beyond cases."""

from __future__ import annotations

import datetime
import inspect

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.apps import apps
from django.contrib.admin.models import ADDITION, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.utils import timezone

from cases.models import CaseStatus, Person
from exports.models import ExportStatus
from funding.models import Blockage
from privacy import retention
from privacy import tasks as privacy_tasks
from privacy.exports import SUBJECT_ACCESS
from privacy.models import DataSubjectRequest, DisclosureDecision
from privacy.personal_data import NO_PERSONAL_DATA, PERSONAL_DATA, RULES
from privacy.retention import REDACTED, housekeeping_apply, retention_apply
from privacy.subject_access import subject_access_open, subject_access_release
from privacy.tasks import apply_retention_task
from tests.cases.factories import ActionFactory, CaseFactory, MembershipFactory
from tests.conftest import Personas
from tests.exports.factories import ExportJobFactory
from tests.funding.factories import BlockageFactory

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 11, 28)


# --- The classification ---------------------------------------------------------------------------------------


def test_every_installed_model_is_classified_once() -> None:
    labels = {model._meta.label_lower for model in apps.get_models(include_auto_created=True)}
    # Django's own m2m through tables of plain relations (user ↔ group) hang on a classified model.
    through = {
        model._meta.label_lower
        for model in apps.get_models(include_auto_created=True)
        if model._meta.auto_created and model._meta.label_lower not in PERSONAL_DATA | NO_PERSONAL_DATA
    }
    unclassified = sorted(labels - through - set(PERSONAL_DATA) - set(NO_PERSONAL_DATA))
    assert unclassified == [], "models nobody decided on: personal data or not (privacy/personal_data.py)"
    assert set(PERSONAL_DATA) & set(NO_PERSONAL_DATA) == set()
    assert sorted((set(PERSONAL_DATA) | set(NO_PERSONAL_DATA)) - labels) == [], "classified models that are gone"


def test_every_model_with_personal_data_has_a_retention_rule_that_is_applied_or_assigned() -> None:
    run = inspect.getsource(privacy_tasks) + inspect.getsource(retention_apply)
    for label, code in PERSONAL_DATA.items():
        assert code in RULES, f"{label}: no retention rule {code!r}"
        rule = RULES[code]
        if rule.step:
            assert callable(getattr(retention, rule.step, None)), f"{label}: step {rule.step} does not exist"
        else:
            assert rule.left_to, f"{label}: rule {code} is applied by nobody"
    # The steps the rules name are the ones the daily task runs.
    assert "housekeeping_apply" in run and "cases_anonymise" in run


def test_an_auto_created_through_table_of_personal_data_is_no_loophole() -> None:
    """The user ↔ group and user ↔ permission tables hang on accounts, which are classified."""
    for model in apps.get_models(include_auto_created=True):
        label = model._meta.label_lower
        if model._meta.auto_created and label not in PERSONAL_DATA and label not in NO_PERSONAL_DATA:
            owners = {field.related_model._meta.label_lower for field in model._meta.fields if field.related_model}
            assert owners & (set(PERSONAL_DATA) | set(NO_PERSONAL_DATA)), label


# --- Rules for the case's own free texts and files ------------------------------------------------------------


def _expired_case(personas: Personas):
    case = CaseFactory(team=personas.team_a, status=CaseStatus.CLOSED, closed_on=datetime.date(2005, 1, 1))
    MembershipFactory(household=case.household)
    return case


def test_a_typed_blockage_rule_does_not_survive_the_cases_anonymisation(personas: Personas) -> None:
    case = _expired_case(personas)
    typed = BlockageFactory(
        action=ActionFactory(case=case), opened_by=personas.professional, rule="Art. 4.2 — mevrouw Jansen valt erbuiten"
    )
    assert retention_apply(on=TODAY) == [case.pk]
    typed.refresh_from_db()
    assert typed.rule == REDACTED
    assert "Jansen" not in " ".join(Blockage.history.filter(id=typed.pk).values_list("rule", flat=True))


def test_a_detected_blockage_keeps_the_streams_rule(personas: Personas) -> None:
    case = _expired_case(personas)
    detected = BlockageFactory(
        action=ActionFactory(case=case), opened_by=personas.professional, source=Blockage.Source.DETECTED
    )
    rule = detected.rule
    retention_apply(on=TODAY)
    detected.refresh_from_db()
    assert detected.rule == rule


def test_an_export_file_with_the_name_goes_with_the_anonymisation(personas: Personas) -> None:
    case = _expired_case(personas)
    person = Person.objects.get(memberships__household=case.household)
    job = ExportJobFactory(
        done=True, requested_by=personas.privacy_officer, kind=SUBJECT_ACCESS, format="json", person=person
    )
    assert job.expires_at > timezone.now()  # it would have lived on until its expiry
    retention_apply(on=TODAY)
    job.refresh_from_db()
    assert job.status == ExportStatus.EXPIRED and job.content is None


def test_a_released_letter_goes_with_the_persons_anonymisation(personas: Personas) -> None:
    case = _expired_case(personas)
    person = Person.objects.get(memberships__household=case.household)
    handled = subject_access_open(person=person, received_on=TODAY, by=personas.privacy_officer)
    handled = subject_access_release(request=handled, by=personas.privacy_officer)
    assert person.last_name in str(handled.disclosure)
    retention_apply(on=TODAY)
    handled.refresh_from_db()
    assert handled.disclosure is None and handled.outcome == "exported"


# --- Rules for personal data outside the cases ------------------------------------------------------------------


def test_expired_sessions_are_removed(time_machine) -> None:
    time_machine.move_to(datetime.datetime(2026, 11, 28, 8, 0, tzinfo=datetime.UTC), tick=False)
    old = SessionStore()
    old.set_expiry(60)
    old.save()
    time_machine.shift(datetime.timedelta(hours=1))
    live = SessionStore()
    live.set_expiry(3600)
    live.save()
    removed = housekeeping_apply()
    assert removed.sessions == 1
    assert list(Session.objects.values_list("session_key", flat=True)) == [live.session_key]


def test_old_login_records_with_ip_and_user_agent_are_removed(settings) -> None:
    settings.WIJKTEAM_LOGIN_RECORDS_KEEP_DAYS = 90
    now = timezone.now()
    fields = {"user_agent": "Mozilla/5.0", "ip_address": "192.0.2.7", "username": "prof-a", "path_info": "/inloggen/"}
    for model in (AccessAttempt, AccessLog, AccessFailureLog):
        extra = {"failures_since_start": 1, "get_data": "", "post_data": ""} if model is AccessAttempt else {}
        old = model.objects.create(**fields, **extra)
        model.objects.filter(pk=old.pk).update(attempt_time=now - datetime.timedelta(days=91))
        model.objects.create(**{**fields, "username": "prof-b"}, **extra)
    removed = housekeeping_apply()
    assert removed.login_records == 3
    assert [m.objects.count() for m in (AccessAttempt, AccessLog, AccessFailureLog)] == [1, 1, 1]


def test_old_admin_log_rows_are_removed(settings, personas: Personas) -> None:
    settings.WIJKTEAM_ADMIN_LOG_KEEP_DAYS = 730
    content_type = ContentType.objects.get_for_model(Person)
    for days in (800, 10):
        entry = LogEntry.objects.create(
            user=personas.administrator, content_type=content_type, object_repr="Anna", action_flag=ADDITION
        )
        LogEntry.objects.filter(pk=entry.pk).update(action_time=timezone.now() - datetime.timedelta(days=days))
    assert housekeeping_apply().admin_log == 1
    assert LogEntry.objects.count() == 1


def test_a_released_letter_is_cleared_after_its_keeping_period(settings, personas: Personas) -> None:
    settings.WIJKTEAM_DISCLOSURE_KEEP_DAYS = 90
    case = CaseFactory(team=personas.team_a)
    person = MembershipFactory(household=case.household).person
    handled = subject_access_release(
        request=subject_access_open(person=person, received_on=TODAY, by=personas.privacy_officer),
        by=personas.privacy_officer,
    )
    DisclosureDecision.objects.create(
        request=handled, item="x", withhold=True, reason="over de vader", decided_by=personas.privacy_officer
    )
    assert housekeeping_apply().letters == 0
    DataSubjectRequest.objects.filter(pk=handled.pk).update(released_at=timezone.now() - datetime.timedelta(days=91))
    assert housekeeping_apply().letters == 1
    handled.refresh_from_db()
    assert handled.disclosure is None and DisclosureDecision.objects.get().reason == REDACTED


def test_the_daily_task_runs_every_rule(personas: Personas, time_machine) -> None:
    time_machine.move_to(datetime.datetime(2026, 11, 28, 8, 0, tzinfo=datetime.UTC), tick=False)
    stale = SessionStore()
    stale.set_expiry(1)
    stale.save()
    time_machine.shift(datetime.timedelta(minutes=5))
    apply_retention_task.apply(throw=True)
    assert not Session.objects.filter(session_key=stale.session_key).exists()


def test_the_retention_page_counts_access_log_rows_past_their_period_without_removing_them(
    log_in, personas: Personas, settings
) -> None:
    from privacy.models import AccessLogEntry

    settings.WIJKTEAM_ACCESS_LOG_KEEP_YEARS = 5
    old = timezone.now() - datetime.timedelta(days=6 * 365)
    AccessLogEntry.objects.create(action="read", outcome="allowed", channel="screen", occurred_at=old)
    html = log_in(personas.privacy_officer).get("/privacy/bewaartermijnen/").content.decode()
    assert "1 regel van het toegangslog is over de bewaartermijn" in html
    apply_retention_task.apply(throw=True)
    assert AccessLogEntry.objects.filter(occurred_at=old).exists()  # append-only: the app never deletes


def test_a_cleared_letter_says_so_in_dutch(log_in, personas: Personas) -> None:
    case = CaseFactory(team=personas.team_a)
    person = MembershipFactory(household=case.household).person
    handled = subject_access_release(
        request=subject_access_open(person=person, received_on=TODAY, by=personas.privacy_officer),
        by=personas.privacy_officer,
    )
    DataSubjectRequest.objects.filter(pk=handled.pk).update(disclosure=None)
    html = log_in(personas.privacy_officer).get(f"/privacy/verzoeken/{handled.uuid}/brief/").content.decode()
    assert "De inhoud van deze brief is na de bewaartermijn verwijderd." in html

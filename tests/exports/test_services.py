"""Background exports: the service, the transition table, the task (same content as the screens' old
synchronous exports, access asked again at run time, exactly once), expiry and the access log."""

import csv
import datetime
import io
import json
import random

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import OutputWrapper
from django.utils import timezone

from common.seeding import SCALES, SeedContext
from common.spreadsheets import csv_response, xlsx_response
from exports import workflow
from exports.models import ExportFailure, ExportJob, ExportStatus
from exports.services import export_request, exports_expire
from exports.tasks import build_export, expire_exports
from funding import report
from funding import seed as funding_seed
from funding.exports import FUNDING_AUDIT
from jobs.models import OutboxMessage, TaskExecution
from monitoring.dashboard import Filters, dashboard, export_rows
from monitoring.exports import MONITORING_DASHBOARD
from organisations import seed as organisations_seed
from organisations.models import Municipality, Role
from privacy import policy
from privacy.exports import SUBJECT_ACCESS
from privacy.models import AccessLogEntry
from privacy.subject_access import subject_access_open, subject_access_release
from tests.cases.factories import CaseFactory, MembershipFactory
from tests.conftest import analyze_as_owner
from tests.funding.generate import generate_casework as generate_funded_casework
from tests.organisations.factories import UserFactory

from .factories import ExportJobFactory

pytestmark = pytest.mark.django_db
YEAR = datetime.date.today().year


@pytest.fixture
def world() -> Municipality:
    ctx = SeedContext(scale=SCALES["demo"], rng=random.Random(11), stdout=OutputWrapper(io.StringIO()))
    organisations_seed.seed(ctx)
    generate_funded_casework(ctx, cases=80)
    funding_seed.seed(ctx)
    analyze_as_owner()
    return Municipality.objects.get()


def run(job: ExportJob) -> ExportJob:
    """Deliver the job's task once more, as a broker would (a fresh message: its own Celery task id)."""
    build_export.apply(kwargs={"job_id": job.pk}, headers={"idempotency_key": f"exports.build:{job.uuid}"})
    job.refresh_from_db()
    return job


def old_monitoring_csv_rows(board) -> list[list[str]]:
    """What the synchronous monitoring export wrote before: its own neutralising, no byte-order mark."""

    def neutralise(value: object) -> str:
        text = str(value)  # figures are numbers now (numeric cells in the XLSX); the CSV shows them the same
        return "'" + text if text[:1] in ("=", "+", "-", "@") else text

    buffer = io.StringIO()
    csv.writer(buffer).writerows([[neutralise(cell) for cell in row] for row in export_rows(board)])
    return list(csv.reader(io.StringIO(buffer.getvalue())))


# --- Requesting --------------------------------------------------------------------------------------------


def test_a_request_records_the_job_and_queues_its_task_only_after_commit(personas, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        job = export_request(
            by=personas.bureau,
            kind=MONITORING_DASHBOARD,
            fmt="csv",
            parameters={"start": "2025-01-01", "csrfmiddlewaretoken": "x", "unknown": "y"},
        )
    assert job.status == ExportStatus.QUEUED and job.role == Role.PROGRAMME_BUREAU
    assert job.parameters == {"start": "2025-01-01"}  # only the screen's own fields are kept
    message = OutboxMessage.objects.get()
    assert message.task_name == "exports.build" and message.kwargs == {"job_id": job.pk}
    assert message.idempotency_key == f"exports.build:{job.uuid}"
    assert len(callbacks) == 1  # the publish waits for the commit


def test_a_request_with_bad_filters_keeps_nothing_and_names_the_field(personas):
    with pytest.raises(ValidationError) as error:
        export_request(
            by=personas.bureau,
            kind=MONITORING_DASHBOARD,
            fmt="csv",
            parameters={"start": "2025-12-31", "end": "2025-01-01"},
        )
    assert "end" in error.value.message_dict
    assert not ExportJob.objects.exists() and not OutboxMessage.objects.exists()


def test_a_format_the_kind_does_not_offer_is_refused(personas):
    with pytest.raises(ValidationError) as error:
        export_request(by=personas.bureau, kind=MONITORING_DASHBOARD, fmt="json", parameters={})
    assert "format" in error.value.message_dict


@pytest.mark.parametrize("persona", ["professional", "auditor", "privacy_officer", "administrator", "outsider"])
def test_only_roles_that_see_the_screen_may_ask_for_its_export(personas, persona):
    with pytest.raises(PermissionDenied):
        export_request(by=getattr(personas, persona), kind=MONITORING_DASHBOARD, fmt="csv", parameters={})


# --- The transition table ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "target"),
    [("queued", "running"), ("queued", "failed"), ("running", "done"), ("running", "failed"), ("done", "expired")],
)
def test_the_table_allows_the_steps_of_a_job(source, target):
    workflow.check_transition(source, target)


@pytest.mark.parametrize(
    ("source", "target"),
    [("queued", "done"), ("done", "failed"), ("failed", "running"), ("expired", "done"), ("done", "running")],
)
def test_the_table_refuses_any_other_step(source, target):
    with pytest.raises(ValidationError) as error:
        workflow.check_transition(source, target)
    assert "status" in error.value.message_dict


# --- The task builds what the screen's synchronous export built ------------------------------------------


def test_the_monitoring_export_holds_the_rows_the_synchronous_export_wrote(
    personas, bureau_data, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        job = export_request(by=personas.bureau, kind=MONITORING_DASHBOARD, fmt="csv", parameters={})
    job.refresh_from_db()
    assert job.status == ExportStatus.DONE and job.filename == "monitoring.csv"
    board = dashboard(scope=policy.monitoring_buurten_in_scope(personas.bureau), filters=Filters())
    rows = list(csv.reader(io.StringIO(bytes(job.content).decode("utf-8-sig"))))
    assert rows == old_monitoring_csv_rows(board)
    assert job.row_count == len(rows) - 1 and job.size == len(job.content)
    assert any("<5" in cell for row in rows for cell in row)  # suppressed as on the screen


def test_a_team_leads_monitoring_export_is_limited_to_their_teams_areas(
    personas, bureau_data, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        job = export_request(by=personas.team_lead, kind=MONITORING_DASHBOARD, fmt="xlsx", parameters={})
    job.refresh_from_db()
    book = openpyxl.load_workbook(io.BytesIO(bytes(job.content)))
    codes = {row[1] for row in book.active.iter_rows(values_only=True)}
    assert bureau_data[0].code in codes
    assert not {bureau_data[1].code, bureau_data[2].code} & codes
    assert book.active.protection.sheet


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_funding_audit_export_is_byte_for_byte_what_the_synchronous_export_sent(
    world, fmt, django_capture_on_commit_callbacks
):
    auditor = UserFactory(role=Role.AUDITOR, organisation=world.organisations.first())
    query = {"year": str(YEAR), "level": "buurt", "granularity": "month", "silo": ""}
    with django_capture_on_commit_callbacks(execute=True):
        job = export_request(by=auditor, kind=FUNDING_AUDIT, fmt=fmt, parameters=query)
    job.refresh_from_db()
    # The auditor's export holds exact counts, labelled so in its header (issue 13, item 7).
    flow = report.funding_flow(
        report.ReportParams(municipality_id=world.pk, year=YEAR, level="buurt", granularity="month", exact=True),
        language="nl",
    )
    name = f"financieringsstromen-{YEAR}-buurt-month.{fmt}"
    assert job.filename == name and job.row_count == len(flow.rows)
    if fmt == "csv":
        old = csv_response(name, report.export_header(exact=True), report.export_rows(flow))
        assert bytes(job.content) == old.content
    else:
        old = xlsx_response(name, "Financieringsstromen", report.export_header(exact=True), report.export_rows(flow))
        ours = openpyxl.load_workbook(io.BytesIO(bytes(job.content))).active
        theirs = openpyxl.load_workbook(io.BytesIO(old.content)).active
        assert list(ours.iter_rows(values_only=True)) == list(theirs.iter_rows(values_only=True))


def _released_request(personas, person):
    handled = subject_access_open(person=person, received_on=datetime.date(2026, 1, 5), by=personas.privacy_officer)
    return subject_access_release(request=handled, by=personas.privacy_officer)


def test_the_subject_access_export_is_the_released_letter_and_logs_every_read(
    personas, django_capture_on_commit_callbacks
):
    case = CaseFactory(team=personas.team_a, coordinator=personas.professional)
    person = MembershipFactory(household=case.household).person
    handled = _released_request(personas, person)
    with django_capture_on_commit_callbacks(execute=True):
        job = export_request(
            by=personas.privacy_officer,
            kind=SUBJECT_ACCESS,
            fmt="json",
            parameters={"request": str(handled.uuid)},
        )
    job.refresh_from_db()
    assert job.status == ExportStatus.DONE and job.person_id == person.pk
    assert json.loads(bytes(job.content)) == handled.disclosure
    row = AccessLogEntry.objects.get(action="export", person_id=person.pk)
    assert row.channel == "task" and row.user_id == personas.privacy_officer.pk and row.outcome == "allowed"


def test_a_request_still_in_review_cannot_be_exported(personas):
    case = CaseFactory(team=personas.team_a, coordinator=personas.professional)
    person = MembershipFactory(household=case.household).person
    handled = subject_access_open(person=person, received_on=datetime.date(2026, 1, 5), by=personas.privacy_officer)
    with pytest.raises(ValidationError):
        export_request(
            by=personas.privacy_officer,
            kind=SUBJECT_ACCESS,
            fmt="json",
            parameters={"request": str(handled.uuid)},
        )
    assert not ExportJob.objects.exists()


# --- Access is asked again when the task runs ----------------------------------------------------------------


def test_a_user_who_lost_the_role_before_the_run_gets_a_failed_job_without_a_file(
    personas, bureau_data, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        job = export_request(by=personas.team_lead, kind=MONITORING_DASHBOARD, fmt="csv", parameters={})
    personas.team_lead.role = Role.PROFESSIONAL
    personas.team_lead.save()
    for callback in callbacks:
        callback()
    job.refresh_from_db()
    assert job.status == ExportStatus.FAILED and job.failure == ExportFailure.NO_ACCESS
    assert job.content is None


def test_a_person_out_of_reach_at_run_time_fails_the_subject_export_and_logs_the_refusal(
    personas, django_capture_on_commit_callbacks
):
    case = CaseFactory(team=personas.team_a, coordinator=personas.professional)
    person = MembershipFactory(household=case.household).person
    parameters = {"request": str(_released_request(personas, person).uuid)}
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        job = export_request(by=personas.privacy_officer, kind=SUBJECT_ACCESS, fmt="json", parameters=parameters)
    personas.privacy_officer.is_active = False
    personas.privacy_officer.save()
    for callback in callbacks:
        callback()
    job.refresh_from_db()
    assert job.status == ExportStatus.FAILED and job.failure == ExportFailure.NO_ACCESS
    refused = AccessLogEntry.objects.get(action="export")
    assert refused.outcome == "refused" and refused.channel == "task" and refused.person_id == person.pk


# --- Exactly once ----------------------------------------------------------------------------------------------


def test_a_redelivered_message_builds_the_file_once(personas, bureau_data, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job = export_request(by=personas.bureau, kind=MONITORING_DASHBOARD, fmt="csv", parameters={})
    job.refresh_from_db()
    finished, content = job.finished_at, bytes(job.content)
    run(job)
    assert job.status == ExportStatus.DONE and job.finished_at == finished and bytes(job.content) == content
    assert TaskExecution.objects.filter(idempotency_key=f"exports.build:{job.uuid}").count() == 1


def test_a_run_that_died_before_its_commit_is_built_by_the_redelivery(personas, bureau_data):
    job = ExportJobFactory(requested_by=personas.bureau, status=ExportStatus.RUNNING)
    run(job)
    assert job.status == ExportStatus.DONE and job.content


def test_an_error_the_task_cannot_retry_fails_the_job_with_a_message(personas):
    # A kind that a later release no longer knows: the build raises, the job must not stay "running".
    job = ExportJobFactory(requested_by=personas.bureau, kind="withdrawn_kind")
    run(job)
    assert job.status == ExportStatus.FAILED and job.failure == ExportFailure.ERROR
    assert job.content is None


def test_a_job_whose_database_trouble_outlasts_every_retry_ends_failed_not_running(personas, monkeypatch):
    from celery.exceptions import Retry
    from django.db import OperationalError

    from exports import services

    def lost_connection(*, job_id: int) -> None:
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(services, "export_build", lost_connection)
    job = ExportJobFactory(requested_by=personas.bureau)
    headers = {"idempotency_key": f"exports.build:{job.uuid}"}
    # A try with retries left: the task asks to be retried and the job stays running.
    with pytest.raises(Retry):
        build_export.apply(kwargs={"job_id": job.pk}, headers=headers, retries=0, throw=True)
    job.refresh_from_db()
    assert job.status == ExportStatus.RUNNING
    # The last try: the error still propagates (Celery records the failure), and the job says it failed.
    with pytest.raises(OperationalError):
        build_export.apply(kwargs={"job_id": job.pk}, headers=headers, retries=build_export.max_retries, throw=True)
    job.refresh_from_db()
    assert job.status == ExportStatus.FAILED and job.failure == ExportFailure.ERROR and job.content is None


def test_filters_that_no_longer_pass_the_screens_form_fail_the_job_as_invalid(personas):
    job = ExportJobFactory(requested_by=personas.bureau, status=ExportStatus.QUEUED, parameters={"area": "999999"})
    run(job)
    assert job.status == ExportStatus.FAILED and job.failure == ExportFailure.INVALID


# --- Expiry ------------------------------------------------------------------------------------------------------


def test_expiry_removes_the_files_past_their_time_and_keeps_the_rest(personas):
    now = timezone.now()
    old = ExportJobFactory(done=True, requested_by=personas.bureau, expires_at=now - datetime.timedelta(minutes=1))
    fresh = ExportJobFactory(done=True, requested_by=personas.bureau, expires_at=now + datetime.timedelta(hours=1))
    queued = ExportJobFactory(requested_by=personas.bureau)
    assert exports_expire(now=now) == 1
    old.refresh_from_db()
    fresh.refresh_from_db()
    queued.refresh_from_db()
    assert old.status == ExportStatus.EXPIRED and old.content is None
    assert fresh.status == ExportStatus.DONE and fresh.content
    assert queued.status == ExportStatus.QUEUED
    assert exports_expire(now=now) == 0  # running it again changes nothing


def test_beat_runs_the_expiry_task_which_removes_files_past_their_time(personas, settings):
    assert settings.CELERY_BEAT_SCHEDULE["exports.expire"]["task"] == "exports.expire"
    job = ExportJobFactory(done=True, requested_by=personas.bureau, expires_at=timezone.now())
    expire_exports.apply()
    job.refresh_from_db()
    assert job.status == ExportStatus.EXPIRED and job.content is None


def test_a_job_still_pending_after_a_whole_keeping_period_is_failed_with_a_message(personas):
    now = timezone.now()
    stuck = ExportJobFactory(
        requested_by=personas.bureau, status=ExportStatus.RUNNING, created_at=now - datetime.timedelta(hours=25)
    )
    waiting = ExportJobFactory(requested_by=personas.bureau, created_at=now - datetime.timedelta(hours=1))
    exports_expire(now=now)
    stuck.refresh_from_db()
    waiting.refresh_from_db()
    assert stuck.status == ExportStatus.FAILED and stuck.failure == ExportFailure.ERROR
    assert waiting.status == ExportStatus.QUEUED


def test_a_finished_file_expires_after_the_configured_hours(personas, bureau_data, settings):
    settings.WIJKTEAM_EXPORT_KEEP_HOURS = 2
    job = ExportJobFactory(requested_by=personas.bureau, status=ExportStatus.RUNNING)
    run(job)
    assert job.expires_at - job.finished_at == datetime.timedelta(hours=2)

"""Retention and erasure: what may go, and taking out the identifying content.

Anonymising keeps what aggregates and audits need (statuses, dates, themes,
minutes, amounts, organisations, areas) and the access log; it removes names,
dates of birth, BSNs, addresses and every free text, in the live tables and
in their write history.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.contrib.sessions.models import Session
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from agenda.models import Appointment, Task
from cases import models as cm
from drafts.models import Draft
from drafts.services import drafts_expired
from exports.models import ExportFailure, ExportJob, ExportStatus
from funding.models import Blockage, BlockageEvent
from organisations.models import User
from privacy.actor import service

from . import access_log
from .models import DataSubjectRequest, DisclosureDecision

REDACTED = "[geanonimiseerd]"

# The silo whose retention rule governs an involvement's legal basis.
SILO_OF_LEGAL_BASIS = {
    "jeugdwet": "jeugdwet",
    "wmo": "wmo",
    "participatiewet": "participatiewet",
    "wgs": "wgs",
    "wpg": "wpg",
    "police": "jenv",
    "education": "ocw",
    "housing": "woningwet",
}

EXPIRY_SQL = """
WITH basis(legal_basis, silo_code) AS (SELECT * FROM unnest(%(bases)s::text[], %(silos)s::text[])),
default_rule AS (SELECT years_after_closure FROM privacy_retentionrule WHERE silo_id IS NULL)
SELECT c.id,
       (c.closed_on + make_interval(years => coalesce(
            max(r.years_after_closure), (SELECT years_after_closure FROM default_rule), 15)))::date AS expires_on
  FROM cases_case c
  LEFT JOIN cases_involvement i ON i.case_id = c.id
  LEFT JOIN basis b ON b.legal_basis = i.legal_basis
  LEFT JOIN funding_silo s ON s.code = b.silo_code
  LEFT JOIN privacy_retentionrule r ON r.silo_id = s.id
 WHERE c.status = 'afgesloten' AND c.anonymised_at IS NULL {extra}
 GROUP BY c.id
"""


def _expiry(extra: str = "", params: dict[str, Any] | None = None) -> dict[int, datetime.date]:
    arguments: dict[str, Any] = {
        "bases": list(SILO_OF_LEGAL_BASIS),
        "silos": list(SILO_OF_LEGAL_BASIS.values()),
        **(params or {}),
    }
    with connection.cursor() as cursor:
        cursor.execute(EXPIRY_SQL.format(extra=extra), arguments)
        return dict(cursor.fetchall())


def expired_case_ids(on: datetime.date | None = None) -> list[int]:
    """Closed, not yet anonymised cases whose longest retention period has run out."""
    day = on or timezone.localdate()
    return sorted(case_id for case_id, expires in _expiry().items() if expires <= day)


def retention_end_of(case_ids: list[int]) -> dict[int, datetime.date]:
    return _expiry("AND c.id = ANY(%(ids)s)", {"ids": case_ids})


YEARS_SQL = """
WITH basis(legal_basis, silo_code) AS (SELECT * FROM unnest(%(bases)s::text[], %(silos)s::text[])),
default_rule AS (SELECT years_after_closure FROM privacy_retentionrule WHERE silo_id IS NULL)
SELECT c.id, coalesce(max(r.years_after_closure), (SELECT years_after_closure FROM default_rule), 15)
  FROM cases_case c
  LEFT JOIN cases_involvement i ON i.case_id = c.id
  LEFT JOIN basis b ON b.legal_basis = i.legal_basis
  LEFT JOIN funding_silo s ON s.code = b.silo_code
  LEFT JOIN privacy_retentionrule r ON r.silo_id = s.id
 WHERE c.id = ANY(%(ids)s)
 GROUP BY c.id
"""


def retention_years_of(case_ids: list[int]) -> dict[int, int]:
    """Per case, the years it is kept after closing: the longest rule of its involvements' silos (as ``_expiry``)."""
    if not case_ids:
        return {}
    arguments: dict[str, Any] = {
        "bases": list(SILO_OF_LEGAL_BASIS),
        "silos": list(SILO_OF_LEGAL_BASIS.values()),
        "ids": case_ids,
    }
    with connection.cursor() as cursor:
        cursor.execute(YEARS_SQL, arguments)
        return dict(cursor.fetchall())


@dataclass(frozen=True)
class Duty:
    """Why a person cannot be erased yet."""

    open_cases: int
    kept_until: datetime.date | None


def retention_duty_for_person(person: cm.Person, on: datetime.date | None = None) -> Duty | None:
    """None when no case of any of the person's households still has to be kept."""
    day = on or timezone.localdate()
    cases = cm.Case.objects.filter(household__memberships__person=person, anonymised_at__isnull=True).distinct()
    open_cases = cases.exclude(status=cm.CaseStatus.CLOSED).count()
    ends = retention_end_of(list(cases.filter(status=cm.CaseStatus.CLOSED).values_list("pk", flat=True)))
    pending = [end for end in ends.values() if end > day]
    if not open_cases and not pending:
        return None
    return Duty(open_cases=open_cases, kept_until=max(pending) if pending else None)


def _scrub_person_ids(person_ids: list[int]) -> None:
    fields = {"first_name": REDACTED, "surname_prefix": "", "last_name": "", "date_of_birth": None, "bsn": None}
    cm.Person.objects.filter(pk__in=person_ids).update(**fields)
    cm.Person.history.filter(id__in=person_ids).update(**fields)


def _scrub_household_ids(household_ids: list[int]) -> None:
    # The neighbourhood stays: aggregates per area still count the household.
    fields = {"street": REDACTED, "house_number": 0, "house_number_suffix": "", "postcode": "", "city": ""}
    cm.Household.objects.filter(pk__in=household_ids).update(**fields)
    cm.Household.history.filter(id__in=household_ids).update(**fields)


def _scrub_network(*, household_ids: list[int], person_ids: list[int]) -> None:
    """The network around a household (ecogram) goes with the household, or with the member it relates to."""
    fields = {"name": REDACTED, "relation_detail": ""}
    condition = Q(household_id__in=household_ids) | Q(related_to_id__in=person_ids)
    cm.NetworkPerson.objects.filter(condition).update(**fields)
    cm.NetworkPerson.history.filter(condition).update(**fields)


@service
def cases_anonymise(*, case_ids: list[int], by: object = None) -> int:
    """Remove the identifying content of these cases, and of persons and households no other case still needs."""
    if not case_ids:
        return 0
    now = timezone.now()
    cases = cm.Case.objects.filter(pk__in=case_ids)
    cm.Contact.objects.filter(case__in=cases).update(note="")
    # A document cannot be redacted in place: it goes whole, its bytes with it (CASCADE).
    cm.Document.objects.filter(case__in=cases).delete()
    Draft.objects.filter(case__in=cases).delete()
    cm.Contact.history.filter(case_id__in=case_ids).update(note="")
    cm.Goal.objects.filter(plan_version__plan__case__in=cases).update(text=REDACTED)
    cm.Goal.history.filter(plan_version__plan__case_id__in=case_ids).update(text=REDACTED)
    cm.PlanVersion.objects.filter(plan__case__in=cases).update(summary="")
    cm.CaseConference.objects.filter(case__in=cases).update(decisions=REDACTED, other_participants="")
    cm.CaseConference.history.filter(case_id__in=case_ids).update(decisions=REDACTED, other_participants="")
    cm.Action.objects.filter(case__in=cases).update(description=REDACTED)
    cm.Action.history.filter(case_id__in=case_ids).update(description=REDACTED)
    cm.MeasurementScore.objects.filter(measurement__case__in=cases).update(reason=REDACTED)
    cm.MeasurementScore.history.filter(measurement__case_id__in=case_ids).update(reason=REDACTED)
    # A blockage's register figures stay (silo, reason, euros, days); what it cost this household goes, and so
    # does a rule a professional typed (free text can name the household); a detected rule is the stream's own.
    Blockage.objects.filter(action__case__in=cases).update(household_impact="")
    Blockage.history.filter(action__case_id__in=case_ids).update(household_impact="")
    registered = Q(source=Blockage.Source.REGISTERED) & ~Q(rule="")
    Blockage.objects.filter(registered, action__case__in=cases).update(rule=REDACTED)
    Blockage.history.filter(registered, action__case_id__in=case_ids).update(rule=REDACTED)
    BlockageEvent.objects.filter(blockage__action__case__in=cases).update(note="")
    cm.Consent.objects.filter(case__in=cases).update(purpose=REDACTED)
    cm.Consent.history.filter(case_id__in=case_ids).update(purpose=REDACTED)
    cm.CaseStatusChange.objects.filter(case__in=cases).update(reason="")
    Task.objects.filter(case__in=cases).update(title=REDACTED)
    Task.history.filter(case_id__in=case_ids).update(title=REDACTED)
    Appointment.objects.filter(case__in=cases).update(title=REDACTED, place=REDACTED)
    Appointment.history.filter(case_id__in=case_ids).update(title=REDACTED, place=REDACTED)
    # The meldcode's dates, steps and decisions stay (no aggregate reads them); what was written goes.
    cm.MeldcodeStep.objects.filter(case__in=cases).update(outcome=REDACTED)
    cm.MeldcodeStep.history.filter(case_id__in=case_ids).update(outcome=REDACTED)
    cm.Contact.objects.filter(case__in=cases).update(correction_reason="")
    cm.Contact.history.filter(case_id__in=case_ids).update(correction_reason="")
    cm.Action.objects.filter(case__in=cases).update(correction_reason="")
    cm.Action.history.filter(case_id__in=case_ids).update(correction_reason="")
    # A handover note (warme overdracht) and the reason a transfer was declined are free text about the household.
    cm.CaseTransfer.objects.filter(case__in=cases).update(note=REDACTED, decision_note="")
    cases.update(referral_reason=REDACTED, anonymised_at=now)
    cm.Case.history.filter(id__in=case_ids).update(referral_reason=REDACTED)

    # Persons and households are shared (co-parenting, a later case): only those no live case needs go.
    still_needed = cm.Case.objects.filter(anonymised_at__isnull=True)
    household_ids = list(cases.values_list("household_id", flat=True).distinct())
    free_households = list(
        cm.Household.objects.filter(pk__in=household_ids).exclude(cases__in=still_needed).values_list("pk", flat=True)
    )
    person_ids = list(
        cm.Person.objects.filter(memberships__household_id__in=household_ids)
        .exclude(Q(memberships__household__cases__in=still_needed))
        .values_list("pk", flat=True)
        .distinct()
    )
    _scrub_household_ids(free_households)
    _scrub_person_ids(person_ids)
    _scrub_network(household_ids=free_households, person_ids=person_ids)
    _drop_person_files(person_ids)
    return len(case_ids)


RETENTION_BATCH = 500


def retention_apply(*, on: datetime.date | None = None, dry_run: bool = False) -> list[int]:
    """The expired case ids; anonymised unless ``dry_run``. Safe to repeat: done cases are skipped.

    Each batch commits together with its access-log rows (a deletion by a task per case): no case is
    anonymised without its row, and no row claims an anonymisation that rolled back. Run by the daily
    task, the batches share the task's transaction.
    """
    case_ids = expired_case_ids(on=on or timezone.localdate())
    if dry_run:
        return case_ids
    for start in range(0, len(case_ids), RETENTION_BATCH):
        batch = case_ids[start : start + RETENTION_BATCH]
        with transaction.atomic():
            cases_anonymise(case_ids=batch)
            access_log.record_many(
                user=None,
                action=access_log.Action.DELETE,
                subjects=[access_log.Subject(case_id=case_id, object_type="cases.case") for case_id in batch],
                channel=access_log.Channel.TASK,
                detail="retention: anonymised",
                on_behalf_of="retention",
            )
    return case_ids


def _drop_person_files(person_ids: list[int]) -> None:
    """Files and letters with a person's name go when the name goes, not a keeping period later."""
    if not person_ids:
        return
    jobs = ExportJob.objects.filter(person_id__in=person_ids)
    jobs.filter(status=ExportStatus.DONE).update(status=ExportStatus.EXPIRED, content=None)
    jobs.filter(status__in=[ExportStatus.QUEUED, ExportStatus.RUNNING]).update(
        status=ExportStatus.FAILED, failure=ExportFailure.NO_ACCESS, finished_at=timezone.now()
    )
    requests = DataSubjectRequest.objects.filter(person_id__in=person_ids)
    requests.filter(disclosure__isnull=False).update(disclosure=None)
    DisclosureDecision.objects.filter(request__in=requests).exclude(reason="").update(reason=REDACTED)


@service
def person_anonymise(*, person: cm.Person, by: object) -> None:
    """Erase a person (AVG art. 17): their cases' content too, once no retention duty applies."""
    case_ids = list(
        cm.Case.objects.filter(household__memberships__person=person, anonymised_at__isnull=True)
        .values_list("pk", flat=True)
        .distinct()
    )
    cases_anonymise(case_ids=case_ids, by=by)
    _scrub_person_ids([person.pk])
    _scrub_network(household_ids=[], person_ids=[person.pk])
    _drop_person_files([person.pk])


@service
def subject_erasure(*, person: cm.Person, received_on: datetime.date, by: User) -> DataSubjectRequest:
    """Handle an erasure request: anonymise the person unless a retention duty applies, and register
    the request with its outcome, in one transaction."""
    from .subject_access import subject_request_record

    duty = retention_duty_for_person(person)
    if duty is None:
        person_anonymise(person=person, by=by)
    return subject_request_record(
        kind=DataSubjectRequest.Kind.ERASURE,
        person=person,
        received_on=received_on,
        outcome=DataSubjectRequest.Outcome.REFUSED if duty else DataSubjectRequest.Outcome.ANONYMISED,
        by=by,
    )


# --- Personal data outside the cases: each kept no longer than its rule (see privacy/personal_data.py) ---


@dataclass(frozen=True)
class Housekeeping:
    """What one run removed, per rule."""

    sessions: int
    login_records: int
    admin_log: int
    letters: int
    drafts: int = 0


def _cut_off(days: int, now: datetime.datetime) -> datetime.datetime:
    return now - datetime.timedelta(days=days)


def housekeeping_due(now: datetime.datetime | None = None) -> dict[str, Any]:
    """Per rule, the querysets the daily run would empty or clear."""
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog

    moment = now or timezone.now()
    logins = _cut_off(settings.WIJKTEAM_LOGIN_RECORDS_KEEP_DAYS, moment)
    return {
        "sessions": [Session.objects.filter(expire_date__lt=moment)],
        "drafts": [drafts_expired(moment)],
        "login_records": [
            AccessAttempt.objects.filter(attempt_time__lt=logins),
            AccessLog.objects.filter(attempt_time__lt=logins),
            AccessFailureLog.objects.filter(attempt_time__lt=logins),
        ],
        "admin_log": [LogEntry.objects.filter(action_time__lt=_cut_off(settings.WIJKTEAM_ADMIN_LOG_KEEP_DAYS, moment))],
        "letters": [
            DataSubjectRequest.objects.filter(
                disclosure__isnull=False,
                released_at__lt=_cut_off(settings.WIJKTEAM_DISCLOSURE_KEEP_DAYS, moment),
            )
        ],
    }


def housekeeping_counts(now: datetime.datetime | None = None) -> dict[str, int]:
    return {rule: sum(query.count() for query in queries) for rule, queries in housekeeping_due(now).items()}


@service
def housekeeping_apply(*, now: datetime.datetime | None = None, by: object = None) -> Housekeeping:
    """Remove expired sessions, old login records and admin-log rows, and clear old released letters."""
    due = housekeeping_due(now)
    removed = {
        rule: sum(query.delete()[0] for query in due[rule])
        for rule in ("sessions", "drafts", "login_records", "admin_log")
    }
    letters = due["letters"][0]
    DisclosureDecision.objects.filter(request__in=letters).exclude(reason="").update(reason=REDACTED)
    cleared = letters.update(disclosure=None)
    return Housekeeping(
        sessions=removed["sessions"],
        login_records=removed["login_records"],
        admin_log=removed["admin_log"],
        letters=cleared,
        drafts=removed["drafts"],
    )


def access_log_past_retention(now: datetime.datetime | None = None) -> int:
    """Access-log rows older than their documented retention. Read only: the application role may not delete from
    the append-only log; the database owner removes them in its maintenance step."""
    from .models import AccessLogEntry

    moment = now or timezone.now()
    years = settings.WIJKTEAM_ACCESS_LOG_KEEP_YEARS
    # 29 February has no twin in most years: count from the 28th then.
    cut_off = moment.replace(year=moment.year - years, day=min(moment.day, 28) if moment.month == 2 else moment.day)
    return AccessLogEntry.objects.filter(occurred_at__lt=cut_off).count()


def retention_overview() -> dict[str, int]:
    """The dry run of the rules beyond case data, for the retention page."""
    return {**housekeeping_counts(), "access_log": access_log_past_retention()}

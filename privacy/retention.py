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

from django.db import connection
from django.db.models import Q
from django.utils import timezone

from cases import models as cm
from funding.models import Blockage, BlockageEvent
from organisations.models import User
from privacy.actor import service

from .models import DataSubjectRequest

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


@service
def cases_anonymise(*, case_ids: list[int], by: object = None) -> int:
    """Remove the identifying content of these cases, and of persons and households no other case still needs."""
    if not case_ids:
        return 0
    now = timezone.now()
    cases = cm.Case.objects.filter(pk__in=case_ids)
    cm.Contact.objects.filter(case__in=cases).update(note="")
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
    # A blockage's register figures stay (silo, reason, euros, days); what it cost this household goes.
    Blockage.objects.filter(action__case__in=cases).update(household_impact="")
    Blockage.history.filter(action__case_id__in=case_ids).update(household_impact="")
    BlockageEvent.objects.filter(blockage__action__case__in=cases).update(note="")
    cm.Consent.objects.filter(case__in=cases).update(purpose=REDACTED)
    cm.Consent.history.filter(case_id__in=case_ids).update(purpose=REDACTED)
    cm.CaseStatusChange.objects.filter(case__in=cases).update(reason="")
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
    return len(case_ids)


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

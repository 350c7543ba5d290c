"""Everything held about one person (AVG art. 15), as one plain dictionary for JSON and HTML."""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import Q

from cases import models as cm
from organisations.models import User

from .actor import service
from .models import AccessLogEntry, DataSubjectRequest


def _date(value: Any) -> str | None:
    return value.isoformat() if value else None


def person_export(person: cm.Person) -> dict[str, Any]:
    """A fixed number of queries, whatever the size of the file."""
    memberships = list(cm.HouseholdMembership.objects.filter(person=person).select_related("household"))
    household_ids = [m.household_id for m in memberships]
    cases = list(cm.Case.objects.filter(household_id__in=household_ids).select_related("team").order_by("referred_on"))
    case_ids = [c.pk for c in cases]
    involvements = cm.Involvement.objects.filter(case_id__in=case_ids).select_related("professional", "organisation")
    versions = (
        cm.PlanVersion.objects.filter(plan__case_id__in=case_ids)
        .select_related("plan")
        .prefetch_related("goals__theme")
    )
    actions = (
        cm.Action.objects.filter(case_id__in=case_ids)
        .filter(Q(beneficiary=person) | Q(beneficiary__isnull=True))
        .select_related("theme", "delivering_organisation")
    )
    contacts = (
        cm.Contact.objects.filter(case_id__in=case_ids)
        .select_related("author_organisation")
        .order_by("occurred_on", "id")
    )
    conferences = cm.CaseConference.objects.filter(case_id__in=case_ids)
    measurements = (
        cm.Measurement.objects.filter(person=person).select_related("instrument").prefetch_related("scores__domain")
    )
    consents = cm.Consent.objects.filter(person=person).prefetch_related("organisations")
    accesses = AccessLogEntry.objects.filter(
        Q(person_id=person.pk) | Q(household_id__in=household_ids) | Q(case_id__in=case_ids)
    ).order_by("seq")
    reference = {c.pk: c.reference for c in cases}
    return {
        "person": {
            "first_name": person.first_name,
            "surname_prefix": person.surname_prefix,
            "last_name": person.last_name,
            "date_of_birth": _date(person.date_of_birth),
            "bsn": person.bsn,
        },
        "households": [
            {
                "address": str(m.household),
                "role": m.get_role_display(),
                "from": _date(m.start_date),
                "until": _date(m.end_date),
            }
            for m in memberships
        ],
        "cases": [
            {
                "reference": c.reference,
                "team": c.team.name,
                "status": c.get_status_display(),
                "referral_source": c.get_referral_source_display(),
                "referral_reason": c.referral_reason,
                "referred_on": _date(c.referred_on),
                "closed_on": _date(c.closed_on),
            }
            for c in cases
        ],
        "involved_professionals": [
            {
                "case": reference[i.case_id],
                "name": str(i.professional),
                "organisation": i.organisation.name,
                "role": i.get_role_display(),
                "coordinator": i.is_coordinator,
                "legal_basis": i.get_legal_basis_display(),
                "from": _date(i.start_date),
                "until": _date(i.end_date),
            }
            for i in involvements
        ],
        "plans": [
            {
                "case": reference[v.plan.case_id],
                "version": v.number,
                "whose_plan": v.get_author_display(),
                "summary": v.summary,
                "agreed_on": _date(v.agreed_on),
                "goals": [
                    {"theme": str(g.theme), "goal": g.text, "status": g.get_status_display()} for g in v.goals.all()
                ],
            }
            for v in versions
        ],
        "actions": [
            {
                "case": reference[a.case_id],
                "theme": str(a.theme),
                "what": a.description,
                "by": a.delivering_organisation.name,
                "for": "household" if a.beneficiary_id is None else "person",
                "status": a.get_status_display(),
            }
            for a in actions
        ],
        "contacts": [
            {
                "case": reference[c.case_id],
                "date": _date(c.occurred_on),
                "type": c.get_kind_display(),
                "themes": c.themes,
                "minutes": c.minutes,
                "organisation": c.author_organisation.name,
                "note": c.note,
            }
            for c in contacts
        ],
        "case_conferences": [
            {"case": reference[c.case_id], "date": _date(c.held_on), "decisions": c.decisions} for c in conferences
        ],
        "measurements": [
            {
                "instrument": str(m.instrument),
                "date": _date(m.measured_on),
                "scores": [{"domain": str(s.domain), "score": s.score, "reason": s.reason} for s in m.scores.all()],
            }
            for m in measurements
        ],
        "consents": [
            {
                "purpose": c.purpose,
                "organisations": [o.name for o in c.organisations.all()],
                "given_on": _date(c.given_on),
                "expires_on": _date(c.expires_on),
                "revoked_on": _date(c.revoked_on),
            }
            for c in consents
        ],
        "accesses": [
            {
                "when": a.occurred_at.isoformat(),
                "organisation": a.organisation_name,
                "role": a.role,
                "action": a.get_action_display(),
                "outcome": a.get_outcome_display(),
            }
            for a in accesses
        ],
    }


@service
def subject_request_record(
    *, kind: str, person: cm.Person, received_on: datetime.date, outcome: str, by: User
) -> DataSubjectRequest:
    """Enter a handled data-subject request (AVG art. 15 or 17) in the privacy officer's register."""
    handled = DataSubjectRequest(
        kind=kind, person_id=person.pk, received_on=received_on, handled_by=by, outcome=outcome
    )
    handled.full_clean()
    handled.save()
    return handled


@service
def subject_access_handle(*, person: cm.Person, received_on: datetime.date, by: User) -> dict[str, Any]:
    """Answer an access request: everything held about the person, with the request entered as
    handled in the same transaction (the printable page and the background export alike)."""
    data = person_export(person)
    subject_request_record(
        kind=DataSubjectRequest.Kind.ACCESS,
        person=person,
        received_on=received_on,
        outcome=DataSubjectRequest.Outcome.EXPORTED,
        by=by,
    )
    return data

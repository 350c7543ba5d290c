"""The case status workflow as a transition table.

aanmelding → intake → plan → uitvoering → afgesloten, with nazorg after
uitvoering. A case can be closed from every open status (a referral that is not
taken on, a household that moves away); uitvoering can return to plan when the
plan is revised, and nazorg to uitvoering when help is needed again. A closed
case stays closed: new help is a new case, so its history is not rewritten.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from .models import CaseStatus

S = CaseStatus

TRANSITIONS: dict[str, frozenset[str]] = {
    S.REFERRAL: frozenset({S.INTAKE, S.CLOSED}),
    S.INTAKE: frozenset({S.PLAN, S.CLOSED}),
    S.PLAN: frozenset({S.EXECUTION, S.CLOSED}),
    S.EXECUTION: frozenset({S.AFTERCARE, S.PLAN, S.CLOSED}),
    S.AFTERCARE: frozenset({S.EXECUTION, S.CLOSED}),
    S.CLOSED: frozenset(),
}

# Transitions that need a stated reason.
REASON_REQUIRED = frozenset({S.CLOSED})


def allowed_targets(status: str) -> frozenset[str]:
    return TRANSITIONS.get(status, frozenset())


def refusal(from_status: str, to_status: str) -> str | None:
    """Why the step is not allowed, or None when it is."""
    if to_status not in TRANSITIONS:
        return _("Unknown status.")
    if to_status == from_status:
        return _("The case already has this status.")
    if to_status not in allowed_targets(from_status):
        return _("A case cannot go from “%(from)s” to “%(to)s”.") % {
            "from": CaseStatus(from_status).label,
            "to": CaseStatus(to_status).label,
        }
    return None

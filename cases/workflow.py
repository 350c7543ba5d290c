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


# --- The meldcode huiselijk geweld en kindermishandeling ----------------------------------------
#
# Five steps in order, per organisation and case. After the decision (step 5) a new round starts at
# step 1 when new signals come. The afwegingskader's first question closes the round at step 4: without
# a suspicion of violence or abuse there is nothing to decide.

MELDCODE_FIRST = 1
MELDCODE_NEXT: dict[int, int] = {1: 2, 2: 3, 3: 4, 4: 5}
MELDCODE_ROUND_ENDS_AFTER = frozenset({5})


def meldcode_next(*, last_round: int | None, last_step: int | None, suspicion: bool | None = None) -> tuple[int, int]:
    """The (round, step) that comes after the last recorded step of one organisation's meldcode."""
    if last_round is None or last_step is None:
        return 1, MELDCODE_FIRST
    if last_step in MELDCODE_ROUND_ENDS_AFTER or (last_step == 4 and suspicion is False):
        return last_round + 1, MELDCODE_FIRST
    return last_round, MELDCODE_NEXT[last_step]

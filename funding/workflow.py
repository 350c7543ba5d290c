"""The blockage workflow as a transition table.

A blockage is open with the team, is escalated one rung at a time (team lead →
programme bureau → municipality → Rijk), and ends resolved (flexible budget /
doorbraak, an exemption, another route) or not resolvable. Who takes a step
depends on where the blockage lies: the team raises it, the team lead decides
at team level and takes it to the programme bureau, and the programme bureau
takes it further and records what the municipality or the Rijk decided.
A closed blockage stays closed; a new obstacle is a new blockage.
"""

from __future__ import annotations

from enum import StrEnum

from django.utils.translation import gettext as _

from .models import BlockageLevel, BlockageStatus

S = BlockageStatus
L = BlockageLevel


class Step(StrEnum):
    ESCALATE = "escalate"
    RESOLVE = "resolve"
    NOT_RESOLVABLE = "not_resolvable"


class Actor(StrEnum):
    TEAM_MEMBER = "team_member"  # a professional or lead of the case's team (or involved in the case)
    TEAM_LEAD = "team_lead"  # the lead of the case's team
    PROGRAMME_BUREAU = "programme_bureau"  # the bureau of the case's municipality


# The escalation ladder: where a blockage goes next.
NEXT_LEVEL: dict[str, str] = {
    L.TEAM: L.TEAM_LEAD,
    L.TEAM_LEAD: L.PROGRAMME_BUREAU,
    L.PROGRAMME_BUREAU: L.MUNICIPALITY,
    L.MUNICIPALITY: L.RIJK,
}

# The levels the pseudonymous register's readers act at: a note written for one of them is read without
# household context, so it may hold no names (``services._take_step`` checks it).
REGISTER_LEVELS = frozenset({L.PROGRAMME_BUREAU, L.MUNICIPALITY, L.RIJK})

# status → the steps that may be taken from it.
TRANSITIONS: dict[str, frozenset[Step]] = {
    S.OPEN: frozenset({Step.ESCALATE, Step.RESOLVE, Step.NOT_RESOLVABLE}),
    S.ESCALATED: frozenset({Step.ESCALATE, Step.RESOLVE, Step.NOT_RESOLVABLE}),
    S.RESOLVED: frozenset(),
    S.NOT_RESOLVABLE: frozenset(),
}

# level → step → who may take it there.
ACTORS: dict[str, dict[Step, Actor]] = {
    L.TEAM: {Step.ESCALATE: Actor.TEAM_MEMBER, Step.RESOLVE: Actor.TEAM_LEAD, Step.NOT_RESOLVABLE: Actor.TEAM_LEAD},
    L.TEAM_LEAD: {
        Step.ESCALATE: Actor.TEAM_LEAD,
        Step.RESOLVE: Actor.TEAM_LEAD,
        Step.NOT_RESOLVABLE: Actor.TEAM_LEAD,
    },
    L.PROGRAMME_BUREAU: dict.fromkeys(Step, Actor.PROGRAMME_BUREAU),
    L.MUNICIPALITY: dict.fromkeys(Step, Actor.PROGRAMME_BUREAU),
    L.RIJK: dict.fromkeys(Step, Actor.PROGRAMME_BUREAU),
}


def refusal(status: str, level: str, step: str) -> str | None:
    """Why the step is not allowed from here, or None when it is."""
    if step not in Step.__members__.values():
        return _("Unknown step.")
    if Step(step) not in TRANSITIONS.get(status, frozenset()):
        return _("This blockage is closed; it can no longer change.")
    if step == Step.ESCALATE and level not in NEXT_LEVEL:
        return _("This blockage is already with the national government; it cannot go higher.")
    return None


def target(status: str, level: str, step: str) -> tuple[str, str]:
    """The (status, level) after the step; call only when ``refusal`` is None."""
    if step == Step.ESCALATE:
        return S.ESCALATED, NEXT_LEVEL[level]
    if step == Step.RESOLVE:
        return S.RESOLVED, level
    return S.NOT_RESOLVABLE, level


def actor(level: str, step: str) -> Actor:
    return ACTORS[level][Step(step)]


def allowed_steps(status: str, level: str) -> list[Step]:
    return [step for step in Step if refusal(status, level, step) is None]

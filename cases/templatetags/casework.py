"""Template helpers for casework screens."""

from __future__ import annotations

from typing import Any

from django import template

from organisations.models import Role, TeamMembership, User
from privacy import policy

from ..models import Case

register = template.Library()


@register.simple_tag(takes_context=True)
def leads_team_of(context: template.Context, case: Case) -> bool:
    """Whether the user leads the case's team (and so assigns its coordinator).

    One query per request, however many cases a page shows: the led teams are kept on the request.
    """
    request = context.get("request")
    user: Any = getattr(request, "user", None) or context.get("user")
    if user is None or not user.is_authenticated or getattr(user, "role", None) != Role.TEAM_LEAD:
        return False
    holder = request if request is not None else user
    led: frozenset[int] | None = getattr(holder, "_wijkteam_led_team_ids", None)
    if led is None:
        led = frozenset(TeamMembership.objects.current().filter(user_id=user.pk).values_list("team_id", flat=True))
        holder._wijkteam_led_team_ids = led
    return case.team_id in led


@register.filter
def may_see_casework(user: User) -> bool:
    """Whether the casework screens (caseload, household pages) are for this user."""
    return policy.may_see_casework(user)
